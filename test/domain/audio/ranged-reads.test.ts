/**
 * Four-hour recordings that exist only as a ByteReader computing each requested range: the
 * chunker plans and cuts them through bounded reads, never the whole file, and the plan stays a
 * few KB.
 */
import { describe, expect, it } from "vitest";
import { cutChunk, planChunks } from "../../../src/domain/audio/index.ts";
import { countingReader, fixtureReader, probe } from "./support.ts";

const MB = 1024 * 1024;
const FOUR_HOURS = 4 * 3600;

/** A file made of `head` followed by `body` repeated until `size` bytes. */
function virtualFile(head: Uint8Array, body: Uint8Array, size: number) {
  return countingReader({
    size,
    async read(offset, length) {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      for (let i = 0; i < out.length; ) {
        const at = offset + i;
        if (at < head.length) {
          const part = head.subarray(at, Math.min(head.length, at - offset + out.length + offset));
          out.set(part.subarray(0, out.length - i), i);
          i += Math.min(part.length, out.length - i);
        } else {
          const inBody = (at - head.length) % body.length;
          const part = body.subarray(inBody, Math.min(body.length, inBody + out.length - i));
          out.set(part, i);
          i += part.length;
        }
      }
      return out;
    },
  });
}

function wavHeader(dataBytes: number, rate: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(44));
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  return new Uint8Array(view.buffer);
}

describe("a four-hour recording", () => {
  it("WAV (460 MB): the plan reads only the header; a cut reads only its chunk, 1 MB at a time", async () => {
    const rate = 16_000;
    const dataBytes = FOUR_HOURS * rate * 2;
    const tone = new Int16Array(rate / 100).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
    const reader = virtualFile(wavHeader(dataBytes, rate), new Uint8Array(tone.buffer), 44 + dataBytes);
    const maxChunkBytes = 24 * MB;
    const plan = await planChunks(reader, { maxChunkBytes, overlapSec: 3 });
    expect(plan.durationSec).toBe(FOUR_HOURS);
    expect(plan.chunks.length).toBe(Math.ceil((dataBytes - 3 * rate * 2) / (maxChunkBytes - 44 - 3 * rate * 2)));
    expect(JSON.stringify(plan).length).toBeLessThan(4096);
    expect(reader.reads.reduce((n, r) => n + r.length, 0)).toBeLessThan(64 * 1024);

    reader.reads.length = 0;
    const middle = Math.floor(plan.chunks.length / 2);
    const cut = await cutChunk(reader, plan, middle);
    expect(cut.bytes.length).toBeLessThanOrEqual(maxChunkBytes);
    expect(Math.max(...reader.reads.map((r) => r.length))).toBeLessThanOrEqual(MB);
    expect(reader.reads.reduce((n, r) => n + r.length, 0)).toBe(cut.bytes.length - 44);
    const result = await probe(cut.bytes, cut.filename);
    expect(result.problem).toBeNull();
    expect(result.durationSec).toBeCloseTo(plan.chunks[middle]!.endSec - plan.chunks[middle]!.startSec, 2);
  });

  it("MP3 (43 MB, scanned frame by frame): one pass of reads of at most 1 MB, a plan of a few KB", { timeout: 120_000 }, async () => {
    // A 20-second run of whole frames from the CBR fixture, repeated for four hours.
    const fixture = await fixtureReader("lecture-cbr.mp3");
    const small = await planChunks(fixture, { maxChunkBytes: Math.ceil(fixture.size / 5), overlapSec: 3 });
    const { from, to } = small.chunks[1]!.recipe as { from: number; to: number };
    const block = await fixture.read(from, to - from);
    const blockSec = small.chunks[1]!.endSec - small.chunks[1]!.startSec;
    const repeats = Math.ceil(FOUR_HOURS / blockSec);
    const reader = virtualFile(new Uint8Array(0), block, repeats * block.length);

    const maxChunkBytes = 4 * MB;
    const plan = await planChunks(reader, { maxChunkBytes, overlapSec: 3 });
    expect(plan.durationSec).toBeCloseTo(repeats * blockSec, 1);
    expect(plan.chunks.length).toBeGreaterThanOrEqual(Math.ceil(reader.size / maxChunkBytes));
    expect(plan.chunks.length).toBeLessThanOrEqual(Math.ceil(reader.size / maxChunkBytes) + 1);
    expect(JSON.stringify(plan).length).toBeLessThan(4096);
    expect(Math.max(...reader.reads.map((r) => r.length))).toBeLessThanOrEqual(MB);
    expect(reader.reads.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(reader.size + 4096);

    reader.reads.length = 0;
    const last = plan.chunks.length - 1;
    const cut = await cutChunk(reader, plan, last - 1);
    expect(cut.bytes.length).toBeLessThanOrEqual(maxChunkBytes);
    expect(reader.reads.reduce((n, r) => n + r.length, 0)).toBe(cut.bytes.length);
    const result = await probe(cut.bytes, cut.filename);
    expect(result.formatName).toBe("mp3");
    expect(result.durationSec).toBeCloseTo(plan.chunks[last - 1]!.endSec - plan.chunks[last - 1]!.startSec, 1);
  });
});
