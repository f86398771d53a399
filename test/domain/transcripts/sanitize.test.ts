import { describe, expect, it } from "vitest";
import { MAX_TRANSCRIPT_SEC, sanitizeLanguage, sanitizeText, sanitizeTranscript } from "../../../src/domain/transcripts/sanitize.ts";

// Compared as JSON: it escapes lone surrogates and controls, so a failure report stays readable.
const same = (actual: unknown, expected: unknown) => expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));

describe("sanitizeText", () => {
  it("strips NUL and other control characters but keeps tab and line feed", () => {
    same(sanitizeText("a\u0000b\u0007c\u001bd\u007fe\u0085f\u009fg\rh\vi\fj"), "abcdefghij");
    same(sanitizeText("line one\nline\ttwo"), "line one\nline\ttwo");
  });

  it("replaces lone surrogates with U+FFFD and keeps real pairs", () => {
    same(sanitizeText("x\ud800y\udc00z"), "x\uFFFDy\uFFFDz");
    same(sanitizeText("end\ud83d"), "end\uFFFD");
    same(sanitizeText("emoji \ud83d\ude00 ok"), "emoji 😀 ok");
  });

  it("leaves ordinary text alone", () => {
    const text = "Café – naïve “quotes” … 日本語 and ﬁ ligatures.";
    expect(sanitizeText(text)).toBe(text);
  });
});

describe("sanitizeLanguage", () => {
  it.each([
    ["en", "en"],
    [" en-US ", "en-US"],
    ["pt_BR", "pt_BR"],
    ["yue", "yue"],
    ["english", "english"],
    ["\u0000", null],
    ["e\u0000n", "en"],
    ["", null],
    ["x", null],
    ["en US", null],
    ["<script>", null],
    ["a-very-long-language-name-that-is-not-a-tag", null],
    [null, null],
  ] as const)("%j → %j", (given, expected) => {
    expect(sanitizeLanguage(given)).toBe(expected);
  });
});

describe("sanitizeTranscript", () => {
  it("bounds times to [0, a day], keeps end ≥ start, and leaves good times as they are", () => {
    const out = sanitizeTranscript({
      text: "",
      language: "en",
      segments: [
        { startSec: 0, endSec: 2.5, text: "one" },
        { startSec: 3, endSec: 1, text: "two" },
        { startSec: -4, endSec: Number.NaN, text: "three" },
        { startSec: 10, endSec: Number.POSITIVE_INFINITY, text: "four" },
        { startSec: 1e308, endSec: 1e308, text: "five" },
        { startSec: Number.NaN, endSec: -1, text: "six" },
      ],
    });
    expect(out.segments.map((s) => [s.text, s.startSec, s.endSec])).toEqual([
      ["one", 0, 2.5],
      ["two", 3, 3],
      ["three", 0, 0],
      ["four", 10, MAX_TRANSCRIPT_SEC],
      ["five", MAX_TRANSCRIPT_SEC, MAX_TRANSCRIPT_SEC],
      ["six", 0, 0],
    ]);
    expect(MAX_TRANSCRIPT_SEC).toBe(86_400);
  });

  it("cleans segment text, drops segments left empty, and rebuilds the text from what is left", () => {
    const out = sanitizeTranscript({
      text: "ignored\u0000",
      language: "\u0000",
      segments: [
        { startSec: 0, endSec: 1, text: " Hello\u0000 world " },
        { startSec: 1, endSec: 2, text: "\u0000\u0001 \u0007" },
        { startSec: 2, endSec: 3, text: "half \ud800 pair" },
      ],
    });
    same(out, {
      text: "Hello world half \uFFFD pair",
      segments: [
        { startSec: 0, endSec: 1, text: "Hello world" },
        { startSec: 2, endSec: 3, text: "half \uFFFD pair" },
      ],
      language: null,
    });
  });

  it("leaves nothing of a transcript that is only control characters", () => {
    const out = sanitizeTranscript({ text: "", language: null, segments: [{ startSec: 0, endSec: 1, text: "\u0000\u0000" }] });
    expect(out).toEqual({ text: "", segments: [], language: null });
  });

  it("returns a clean transcript unchanged", () => {
    const clean = {
      text: "First point. Second point.",
      language: "en",
      segments: [
        { startSec: 0, endSec: 1.234, text: "First point." },
        { startSec: 1.234, endSec: 2.5, text: "Second point." },
      ],
    };
    expect(sanitizeTranscript(clean)).toEqual(clean);
  });
});

describe("sanitizeTranscript: word times", () => {
  it("cleans words like segments, bounds their times and drops empty ones; no words, no field", () => {
    const out = sanitizeTranscript({
      text: "x",
      language: "en",
      segments: [{ startSec: 0, endSec: 2, text: "Hello there" }],
      words: [
        { startSec: 0, endSec: 0.5, word: " Hel\u0000lo" },
        { startSec: 0.6, endSec: 0.4, word: "there" },
        { startSec: Number.NaN, endSec: 1, word: "\u0007" },
        { startSec: -3, endSec: 1e9, word: "ok" },
      ],
    });
    expect(out.words).toEqual([
      { startSec: 0, endSec: 0.5, word: "Hello" },
      { startSec: 0.6, endSec: 0.6, word: "there" },
      { startSec: 0, endSec: 86_400, word: "ok" },
    ]);
    expect("words" in sanitizeTranscript({ text: "a", language: null, segments: [{ startSec: 0, endSec: 1, text: "a" }] })).toBe(false);
  });
});
