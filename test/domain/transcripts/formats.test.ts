import { describe, expect, it } from "vitest";
import { renderTranscript } from "../../../src/domain/transcripts/formats.ts";

const segments = [
  { startSec: 1.2, endSec: 5.684, text: "Cells use <ATP> & glucose." },
  { startSec: 3725.5, endSec: 3727, text: "After an hour,\nstill going." },
  { startSec: 3728, endSec: 3729, text: "   " },
];

describe("renderTranscript", () => {
  it("writes WebVTT with escaped cue text", () => {
    expect(renderTranscript("vtt", segments)).toBe(
      "WEBVTT\n\n00:00:01.200 --> 00:00:05.684\nCells use &lt;ATP&gt; &amp; glucose.\n\n01:02:05.500 --> 01:02:07.000\nAfter an hour, still going.\n\n",
    );
  });
  it("writes numbered SubRip cues", () => {
    expect(renderTranscript("srt", segments)).toBe(
      "1\n00:00:01,200 --> 00:00:05,684\nCells use <ATP> & glucose.\n\n2\n01:02:05,500 --> 01:02:07,000\nAfter an hour, still going.\n\n",
    );
  });
  it("writes one timestamped line per segment as text", () => {
    expect(renderTranscript("txt", segments)).toBe("[00:00:01] Cells use <ATP> & glucose.\n[01:02:05] After an hour, still going.\n");
  });
});
