import { describe, expect, it } from "vitest";
import { mergeUtterance, stitchChunks, type ChunkTranscript } from "../../../src/domain/transcripts/stitch.ts";

const seg = (startSec: number, endSec: number, text: string) => ({ startSec, endSec, text });
const chunk = (startSec: number, endSec: number, segments: ReturnType<typeof seg>[], recording = 1, offsetSec = 0): ChunkTranscript => ({
  recording,
  offsetSec,
  startSec,
  endSec,
  segments,
});

describe("stitchChunks", () => {
  it("puts chunk-relative times on the recording's clock", () => {
    const out = stitchChunks([chunk(0, 10, [seg(1, 4, "one")]), chunk(8, 20, [seg(4, 9, "two")])], [20]);
    expect(out.segments).toEqual([seg(1, 4, "one"), seg(12, 17, "two")]);
    expect(out).toMatchObject({ text: "one two", durationSec: 20 });
  });

  it("keeps an utterance heard whole by both chunks once, from the chunk that owns its start", () => {
    // Overlap 8–10, seam at 9. "early" starts before the seam, "late" after it.
    const a = chunk(0, 10, [seg(1, 4, "first"), seg(8.2, 8.8, "early"), seg(9.3, 9.9, "late")]);
    const b = chunk(8, 20, [seg(0.2, 0.8, "early"), seg(1.3, 1.9, "late"), seg(5, 7, "after")]);
    expect(stitchChunks([a, b], [20]).segments).toEqual([seg(1, 4, "first"), seg(8.2, 8.8, "early"), seg(9.3, 9.9, "late"), seg(13, 15, "after")]);
  });

  it("completes an utterance cut at a chunk's end from the next chunk, instead of repeating it", () => {
    // Spoken 7–13: the first chunk hears 7–10 (cut), the second 8–13 (cut at its start).
    const a = chunk(0, 10, [seg(7, 10, "the cell membrane is")]);
    const b = chunk(8, 20, [seg(0, 5, "membrane is a bilayer")]);
    expect(stitchChunks([a, b], [20]).segments).toEqual([seg(7, 13, "the cell membrane is a bilayer")]);
  });

  it("chains an utterance longer than a chunk across three chunks", () => {
    const a = chunk(0, 6, [seg(1, 6, "a b")]);
    const b = chunk(4, 10, [seg(0, 6, "b c d")]);
    const c = chunk(8, 14, [seg(0, 3, "d e")]);
    expect(stitchChunks([a, b, c], [14]).segments).toEqual([seg(1, 11, "a b c d e")]);
  });

  it("runs recordings on one after another, without treating their boundary as an overlap", () => {
    const out = stitchChunks(
      [chunk(0, 30, [seg(2, 5, "part two")], 2, 60), chunk(0, 60, [seg(58, 60, "end of part one")], 1, 0)],
      [60, 30],
    );
    expect(out.segments).toEqual([seg(58, 60, "end of part one"), seg(62, 65, "part two")]);
    expect(out.durationSec).toBe(90);
  });

  it("is monotonic and within the recording even when providers disagree", () => {
    const out = stitchChunks([chunk(-0.05, 10, [seg(0, 2, "starts early"), seg(1.5, 3, "overlaps")]), chunk(8, 12, [seg(3, 6, "runs past the end")])], [12]);
    expect(out.segments).toEqual([seg(0, 1.95, "starts early"), seg(1.95, 2.95, "overlaps"), seg(11, 12, "runs past the end")]);
  });

  it("drops empty segments and survives chunks with no speech", () => {
    const out = stitchChunks([chunk(0, 10, [seg(1, 2, "  ")]), chunk(8, 20, [])], [20]);
    expect(out.segments).toEqual([]);
    expect(out.text).toBe("");
  });
});

describe("mergeUtterance", () => {
  it("joins two hearings of one utterance at the words they share", () => {
    expect(mergeUtterance("The mitochondria convert", "convert nutrients into energy.")).toBe("The mitochondria convert nutrients into energy.");
    expect(mergeUtterance("energy for", "For the cell.")).toBe("energy for the cell.");
  });
  it("keeps the fuller hearing when one contains the other", () => {
    expect(mergeUtterance("nutrients into", "Nutrients into chemical energy")).toBe("Nutrients into chemical energy");
    expect(mergeUtterance("the whole sentence here", "sentence")).toBe("the whole sentence here");
  });
  it("concatenates when nothing is shared", () => {
    expect(mergeUtterance("alpha", "beta")).toBe("alpha beta");
  });
});
