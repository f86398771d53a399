import { describe, expect, it } from "vitest";
import { parseTranscriptUpload, TranscriptParseError, transcriptKindOf } from "../../../src/domain/transcripts/parse.ts";
import { splitSentences } from "../../../src/domain/transcripts/sentences.ts";

const crlf = (text: string) => text.replace(/\n/g, "\r\n");

function expectParseError(fn: () => unknown, message: string | RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TranscriptParseError);
  if (typeof message === "string") expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

describe("transcriptKindOf", () => {
  it.each([
    ["lecture.vtt", undefined, "vtt"],
    ["LECTURE.VTT", undefined, "vtt"],
    ["week 3/captions.Srt", undefined, "srt"],
    ["notes.txt", "application/octet-stream", "txt"],
    ["transcript.JSON", undefined, "json"],
    ["talk.mp3", "text/plain", null],
    ["talk.m4a", undefined, null],
    ["archive.tar.gz", undefined, null],
    ["captions", "text/vtt; charset=utf-8", "vtt"],
    ["captions", "application/x-subrip", "srt"],
    ["recording", "audio/mpeg", null],
    ["recording", undefined, null],
  ] as const)("%s (%s) → %s", (name, type, kind) => {
    expect(transcriptKindOf(name, type)).toBe(kind);
  });
});

describe("WebVTT", () => {
  const vtt = [
    "\uFEFFWEBVTT - Biology 101, week 3",
    "Kind: captions",
    "Language: en",
    "",
    "NOTE This file was exported by hand.",
    "It spans two lines.",
    "",
    "STYLE",
    "::cue { color: yellow }",
    "",
    "REGION",
    "id:bottom width:40%",
    "",
    "intro-1",
    "00:01.000 --> 00:04.500 align:start position:10%",
    "<v Prof. Okafor>Welcome back,</v>",
    "<b>everyone</b>.",
    "",
    "2",
    "00:00:04.500 --> 00:00:09.250",
    "Membranes &amp; <i>transport</i>: 3 &lt; 4 &gt; 2&nbsp;today.",
    "",
    "3",
    "00:09.250 --> 00:12.000",
    "<c.highlight>Osmosis</c> <00:00:10.000>moves <00:00:11.000>water.",
    "",
    "4",
    "00:12.000 --> 00:13.000",
    "   ",
    "",
    "01:02:03.004 --> 01:02:05.000 line:0",
    "Last cue, with hours.",
    "",
  ].join("\n");

  it("parses cues, drops header, NOTE/STYLE/REGION blocks, tags, entities and empty cues", () => {
    const result = parseTranscriptUpload("vtt", crlf(vtt));
    expect(result.segments).toEqual([
      { startSec: 1, endSec: 4.5, text: "Welcome back, everyone." },
      { startSec: 4.5, endSec: 9.25, text: "Membranes & transport: 3 < 4 > 2 today." },
      { startSec: 9.25, endSec: 12, text: "Osmosis moves water." },
      { startSec: 3723.004, endSec: 3725, text: "Last cue, with hours." },
    ]);
    expect(result.language).toBe("en");
    expect(result.text).toBe("Welcome back, everyone. Membranes & transport: 3 < 4 > 2 today. Osmosis moves water. Last cue, with hours.");
  });

  it("keeps an escaped tag as text rather than stripping it", () => {
    const result = parseTranscriptUpload("vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nType &lt;b&gt; for bold\n");
    expect(result.segments[0]?.text).toBe("Type <b> for bold");
  });

  it("tolerates a missing header and sorts cues by start time", () => {
    const result = parseTranscriptUpload("vtt", "00:05.000 --> 00:06.000\nsecond\n\n00:01.000 --> 00:02.000\nfirst\n");
    expect(result.segments.map((s) => s.text)).toEqual(["first", "second"]);
    expect(result.language).toBeNull();
  });

  it("merges a cue whose text repeats the previous one", () => {
    const result = parseTranscriptUpload("vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nsame\n\n00:02.000 --> 00:03.000\nsame\n");
    expect(result.segments).toEqual([{ startSec: 1, endSec: 3, text: "same" }]);
  });

  it("clamps an end before the start", () => {
    const result = parseTranscriptUpload("vtt", "WEBVTT\n\n00:05.000 --> 00:04.000\nbackwards\n");
    expect(result.segments).toEqual([{ startSec: 5, endSec: 5, text: "backwards" }]);
  });

  it("rejects a file without cues, or with only empty cues", () => {
    expectParseError(() => parseTranscriptUpload("vtt", "WEBVTT\n\nNOTE nothing here\n"), "The .vtt file has no cues.");
    expectParseError(() => parseTranscriptUpload("vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<b></b>\n"), "The .vtt file's cues are all empty.");
  });
});

describe("SubRip", () => {
  const srt = [
    "\uFEFF1",
    "00:00:01,000 --> 00:00:02,500   ",
    "<i>Good morning.</i>   ",
    "",
    "2",
    "00:00:02.500 --> 00:00:05.000",
    '<font color="#ffff00">Today:</font> cell',
    "membranes.",
    "",
    "3",
    "00:05,000 --> 00:06,000",
    "Short form, no hours.",
    "",
    "4",
    "00:00:06,000 --> 00:00:07,000",
    "",
    "5",
    "00:00:07,000 --> 00:00:08,000 X1:40 X2:600 Y1:20 Y2:50",
    "{\\an8}Top of screen",
    "6",
    "00:00:08,000 --> 00:00:09,123",
    "No blank line before this cue.",
    "",
    "",
  ].join("\n");

  it("parses indexes, both millisecond separators, optional hours, tags and multi-line cues", () => {
    const result = parseTranscriptUpload("srt", crlf(srt));
    expect(result.segments).toEqual([
      { startSec: 1, endSec: 2.5, text: "Good morning." },
      { startSec: 2.5, endSec: 5, text: "Today: cell membranes." },
      { startSec: 5, endSec: 6, text: "Short form, no hours." },
      { startSec: 7, endSec: 8, text: "Top of screen" },
      { startSec: 8, endSec: 9.123, text: "No blank line before this cue." },
    ]);
    expect(result.language).toBeNull();
    expect(result.text).toBe("Good morning. Today: cell membranes. Short form, no hours. Top of screen No blank line before this cue.");
  });

  it("rejects text without cues and files whose cues are empty", () => {
    expectParseError(() => parseTranscriptUpload("srt", "just some words\nand more\n"), "The .srt file has no cues.");
    expectParseError(() => parseTranscriptUpload("srt", "1\n00:00:01,000 --> 00:00:02,000\n<i> </i>\n"), "The .srt file's cues are all empty.");
  });
});

describe("plain text", () => {
  it("splits sentences without breaking abbreviations, decimals or initials", () => {
    expect(
      splitSentences(
        "Dr. Lee measured 3.5 litres, e.g. in Fig. 2 of the paper. Was it enough? Yes! J. Watson agreed... Then we moved on. The vs. case is rare, approx. one in ten.",
      ),
    ).toEqual([
      "Dr. Lee measured 3.5 litres, e.g. in Fig. 2 of the paper.",
      "Was it enough?",
      "Yes!",
      "J. Watson agreed...",
      "Then we moved on.",
      "The vs. case is rare, approx. one in ten.",
    ]);
  });

  it("does not end a sentence before a lower-case word or inside an ellipsis that continues", () => {
    expect(splitSentences("We waited... and then it burst. Done.")).toEqual(["We waited... and then it burst.", "Done."]);
  });

  it("ends a sentence at a blank line even without punctuation", () => {
    expect(splitSentences("A heading without a full stop\n\nThe next paragraph starts here.")).toEqual([
      "A heading without a full stop",
      "The next paragraph starts here.",
    ]);
  });

  it("cuts unpunctuated speech into chunks of a few dozen words", () => {
    const words = Array.from({ length: 130 }, (_, i) => `word${i}`).join(" ");
    const chunks = splitSentences(words);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks) expect(chunk.split(" ").length).toBeLessThanOrEqual(60);
    expect(chunks.join(" ")).toBe(words);
  });

  it("merges very short sentences and spreads the duration by character count", () => {
    const text = "Okay. Right.\nThe membrane is a bilayer of lipids.\n\nIt controls what enters the cell, and what leaves it.";
    const result = parseTranscriptUpload("txt", crlf(text), { durationSec: 120 });
    expect(result.segments.map((s) => s.text)).toEqual([
      "Okay. Right. The membrane is a bilayer of lipids.",
      "It controls what enters the cell, and what leaves it.",
    ]);
    const [a, b] = result.segments as [(typeof result.segments)[0], (typeof result.segments)[0]];
    expect(a.startSec).toBe(0);
    expect(a.endSec).toBe(b.startSec);
    expect(b.endSec).toBe(120);
    const share = a.text.length / (a.text.length + b.text.length);
    expect(a.endSec).toBeCloseTo(120 * share, 2);
    expect(result.text).toBe(`${a.text} ${b.text}`);
  });

  it("estimates about 15 characters per second without a duration, contiguous and rounded to ms", () => {
    const text = "Diffusion moves particles down a gradient. Osmosis is the diffusion of water! Does active transport need ATP? Yes, it always does.";
    const result = parseTranscriptUpload("txt", text, {});
    const chars = result.segments.reduce((n, s) => n + s.text.length, 0);
    expect(result.segments[result.segments.length - 1]?.endSec).toBeCloseTo(chars / 15, 2);
    result.segments.forEach((s, i) => {
      expect(s.endSec).toBeGreaterThan(s.startSec);
      expect(Math.round(s.startSec * 1000) / 1000).toBe(s.startSec);
      if (i > 0) expect(s.startSec).toBe(result.segments[i - 1]?.endSec);
    });
    expect(result.segments.map((s) => s.text)).toEqual([
      "Diffusion moves particles down a gradient.",
      "Osmosis is the diffusion of water!",
      "Does active transport need ATP? Yes, it always does.",
    ]);
  });

  it("ignores a zero or negative duration", () => {
    const zero = parseTranscriptUpload("txt", "One sentence that is long enough to stand alone.", { durationSec: 0 });
    expect(zero.segments[0]?.endSec).toBeCloseTo(48 / 15, 2);
  });

  it("rejects an empty file", () => {
    expectParseError(() => parseTranscriptUpload("txt", "\uFEFF  \n\n \t"), "The .txt file is empty.");
  });
});

describe("JSON", () => {
  it("accepts OpenAI verbose_json", () => {
    const body = {
      task: "transcribe",
      language: "english",
      duration: 8.5,
      text: "Hello class. Today, membranes.",
      segments: [
        { id: 0, seek: 0, start: 0.0, end: 3.2004, text: " Hello class.", tokens: [1, 2], avg_logprob: -0.2 },
        { id: 1, seek: 0, start: 3.2004, end: 8.5, text: "  Today,\nmembranes. ", tokens: [3], avg_logprob: -0.3 },
      ],
    };
    expect(parseTranscriptUpload("json", JSON.stringify(body))).toEqual({
      text: "Hello class. Today, membranes.",
      segments: [
        { startSec: 0, endSec: 3.2, text: "Hello class." },
        { startSec: 3.2, endSec: 8.5, text: "Today, membranes." },
      ],
      language: "english",
    });
  });

  it("accepts our own transcript format and a bare segment list", () => {
    const ours = { text: "ignored", language: "en", segments: [{ startSec: 1, endSec: 2, text: "One." }, { startSec: 2, endSec: 1.5, text: "Two." }] };
    expect(parseTranscriptUpload("json", JSON.stringify(ours))).toEqual({
      text: "One. Two.",
      segments: [
        { startSec: 1, endSec: 2, text: "One." },
        { startSec: 2, endSec: 2, text: "Two." },
      ],
      language: "en",
    });
    const bare = [{ start: "4.5", end: 6, text: "Later." }, { start: 0, end: 1, text: "Earlier." }, { start: 1, end: 2, text: "  " }];
    expect(parseTranscriptUpload("json", JSON.stringify(bare))).toEqual({
      text: "Earlier. Later.",
      segments: [
        { startSec: 0, endSec: 1, text: "Earlier." },
        { startSec: 4.5, endSec: 6, text: "Later." },
      ],
      language: null,
    });
  });

  it("rejects anything else with a readable reason", () => {
    expectParseError(() => parseTranscriptUpload("json", "{not json"), "The .json file is not valid JSON.");
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify({ text: "no segments" })), /no "segments" list/);
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify({ segments: "nope" })), /no "segments" list/);
    expectParseError(() => parseTranscriptUpload("json", "42"), /no "segments" list/);
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify([{ end: 1, text: "x" }])), "Segment 1 in the .json file has no valid start time.");
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify([{ start: 0, end: -1, text: "x" }])), "Segment 1 in the .json file has no valid end time.");
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify([{ start: 0, end: 1, text: "ok" }, { start: 1, end: 2 }])), "Segment 2 in the .json file has no text.");
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify([5])), "Segment 1 in the .json file is not an object.");
    expectParseError(() => parseTranscriptUpload("json", JSON.stringify({ segments: [] })), "The .json file has no segments with text.");
  });
});
