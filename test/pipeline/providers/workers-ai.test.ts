/**
 * The pure parts of the Workers AI provider: reading Whisper's output, the transcript budget per
 * model, and the prompt that steers Whisper's spelling.
 */
import { describe, expect, it } from "vitest";
import { PermanentJobError } from "../../../src/pipeline/errors.ts";
import { MAX_PROMPT_CHARS, promptFrom } from "../../../src/pipeline/providers/hints.ts";
import { fromWhisper, transcriptCharBudget } from "../../../src/pipeline/providers/workers-ai.ts";

const MODEL = "@cf/openai/whisper-large-v3-turbo";

describe("fromWhisper", () => {
  it("keeps segment times and collects word times, skipping what has no text or no start", () => {
    const out = fromWhisper(
      {
        text: "Hello there. General idea.",
        transcription_info: { language: "en", duration: 4.2 },
        segments: [
          { start: 0.5, end: 1.9, text: " Hello there.", words: [{ word: " Hello", start: 0.5, end: 0.9 }, { word: " there.", start: 1, end: 1.9 }] },
          { start: 2, end: 2.1, text: "  " },
          { start: 2.2, end: 4.1234, text: " General idea.", words: [{ word: " General", start: 2.2 }, { word: "", start: 3, end: 3.1 }] },
        ],
      },
      MODEL,
    );
    expect(out).toEqual({
      language: "en",
      model: MODEL,
      durationSec: 4.2,
      text: "Hello there. General idea.",
      segments: [
        { startSec: 0.5, endSec: 1.9, text: "Hello there." },
        { startSec: 2.2, endSec: 4.123, text: "General idea." },
      ],
      words: [
        { word: "Hello", startSec: 0.5, endSec: 0.9 },
        { word: "there.", startSec: 1, endSec: 1.9 },
        { word: "General", startSec: 2.2, endSec: 2.2 },
      ],
    });
  });

  it("without segments, spreads the text's sentences over the recording", () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Point number ${i} of the lecture explains one more idea in some detail.`);
    const out = fromWhisper({ text: sentences.join(" "), transcription_info: { language: "english" } }, MODEL, 60);
    expect(out.language).toBe("en");
    expect(out.segments.length).toBeGreaterThan(1);
    expect(out.segments.map((s) => s.text).join(" ")).toBe(sentences.join(" "));
    expect(out.segments.at(-1)!.endSec).toBeLessThanOrEqual(60);
    expect(out.segments.at(-1)!.startSec).toBeGreaterThan(0);
  });

  it("no speech at all is a permanent failure", () => {
    expect(() => fromWhisper({ text: " ", segments: [] }, MODEL)).toThrow(PermanentJobError);
  });
});

describe("transcriptCharBudget", () => {
  it("fits the transcript in the model's context with room for the answer", () => {
    // 24k-token context: (24000 - 6000 answer - 2500 prompt) tokens at 3 characters each.
    expect(transcriptCharBudget("@cf/meta/llama-3.3-70b-instruct-fp8-fast")).toBe(46_500);
    expect(transcriptCharBudget("@cf/some/unknown-model")).toBe(46_500);
    // A long-context model is capped at the OpenAI path's budget.
    expect(transcriptCharBudget("@cf/meta/llama-4-scout-17b-16e-instruct")).toBe(200_000);
  });
});

describe("promptFrom", () => {
  it("names the course and lecture, then the course's terms", () => {
    expect(promptFrom({ courseTitle: "Biochemistry 201", lectureTitle: "The Krebs cycle" }, ["Oxaloacetate", "NADH", "nadh", " FADH2 "])).toBe(
      "Biochemistry 201. The Krebs cycle. Terms: Oxaloacetate, NADH, FADH2.",
    );
    expect(promptFrom({}, [])).toBeUndefined();
    expect(promptFrom({ lectureTitle: "Why?" }, [])).toBe("Why?");
  });

  it("stops adding terms before the prompt outgrows what Whisper reads", () => {
    const terms = Array.from({ length: 200 }, (_, i) => `term number ${i}`);
    const prompt = promptFrom({ courseTitle: "Course" }, terms)!;
    expect(prompt.length).toBeLessThanOrEqual(MAX_PROMPT_CHARS);
    expect(prompt).toMatch(/^Course\. Terms: term number 0, term number 1, .*\.$/);
  });
});
