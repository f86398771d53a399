/**
 * Uploads that already are transcripts (.vtt, .srt, .txt, .json) become timed segments here
 * instead of going to a speech-to-text provider. Parsers are tolerant of what real caption tools
 * emit (BOMs, CRLF, missing hours, styling tags) and strict only about having some text.
 */
import type { TranscriptSegment, TranscriptWord } from "../transcript.ts";
import { sentenceSpans } from "./sentences.ts";

export type TranscriptKind = "vtt" | "srt" | "txt" | "json";

export interface ParsedTranscript {
  text: string;
  segments: TranscriptSegment[];
  language: string | null;
  /** Word times from a speech-to-text provider that reports them. */
  words?: TranscriptWord[];
}

/** A transcript upload we cannot use; the message is meant for the student who uploaded it. */
export class TranscriptParseError extends Error {
  override name = "TranscriptParseError";
}

const KIND_BY_EXTENSION: Record<string, TranscriptKind> = { vtt: "vtt", srt: "srt", txt: "txt", text: "txt", json: "json" };
const KIND_BY_CONTENT_TYPE: Record<string, TranscriptKind> = {
  "text/vtt": "vtt",
  "application/x-subrip": "srt",
  "text/srt": "srt",
  "application/srt": "srt",
  "text/plain": "txt",
  "application/json": "json",
};

/**
 * Which transcript format an upload is, or null for audio. The extension decides; the content
 * type is only consulted for a file name without one.
 */
export function transcriptKindOf(filename: string, contentType?: string): TranscriptKind | null {
  const base = filename.trim().split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  if (dot > 0 && dot < base.length - 1) return KIND_BY_EXTENSION[base.slice(dot + 1).toLowerCase()] ?? null;
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return (type && KIND_BY_CONTENT_TYPE[type]) || null;
}

export function parseTranscriptUpload(
  kind: TranscriptKind,
  text: string,
  opts: { durationSec?: number } = {},
): ParsedTranscript {
  const clean = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  switch (kind) {
    case "vtt":
      return finish(parseVtt(clean));
    case "srt":
      return finish(parseSrt(clean));
    case "txt":
      return finish(parsePlainText(clean, opts.durationSec));
    case "json":
      return finish(parseJson(clean));
  }
}

function finish(parsed: ParsedTranscript): ParsedTranscript {
  // Cue order is not guaranteed by every tool; a stable sort keeps ties in file order.
  const segments = parsed.segments
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.startSec - b.s.startSec || a.i - b.i)
    .map(({ s }) => s);
  return { text: segments.map((s) => s.text).join(" "), segments, language: parsed.language };
}

function segment(startSec: number, endSec: number, text: string): TranscriptSegment {
  const start = Math.max(0, roundMs(startSec));
  return { startSec: start, endSec: Math.max(start, roundMs(endSec)), text };
}

function roundMs(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}

// ---- cue text ----

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  nbsp: " ",
  quot: '"',
  apos: "'",
  lrm: "",
  rlm: "",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Caption payload to plain words: tags out first, so an escaped "&lt;b&gt;" survives as text. */
function cueText(lines: string[]): string {
  return decodeEntities(
    lines
      .join(" ")
      .replace(/<[^>]*>/g, "")
      .replace(/\{\\[^}]*\}/g, ""), // SSA override codes some SRT exports carry ("{\an8}")
  )
    .replace(/\s+/g, " ")
    .trim();
}

// ---- WebVTT ----

const TIMESTAMP = String.raw`(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?`;
const TIMING_LINE = new RegExp(String.raw`^\s*${TIMESTAMP}\s*-->\s*${TIMESTAMP}`);

function timingOf(line: string): { start: number; end: number } | null {
  const m = TIMING_LINE.exec(line);
  if (!m) return null;
  return { start: seconds(m[1], m[2], m[3], m[4]), end: seconds(m[5], m[6], m[7], m[8]) };
}

function seconds(h: string | undefined, m: string | undefined, s: string | undefined, ms: string | undefined): number {
  const millis = ms ? Number(ms.padEnd(3, "0")) : 0;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0) + millis / 1000;
}

function parseVtt(text: string): ParsedTranscript {
  const blocks = text.split(/\n[ \t]*\n/).map((b) => b.split("\n"));
  let language: string | null = null;
  let cues = 0;
  const segments: TranscriptSegment[] = [];
  blocks.forEach((lines, index) => {
    const first = lines[0]?.trim() ?? "";
    if (index === 0 && /^WEBVTT(?:[ \t]|$)/.test(first)) {
      // Header metadata, e.g. "Language: en" as YouTube writes it.
      for (const line of lines.slice(1)) {
        const m = /^Language:\s*(\S+)/i.exec(line.trim());
        if (m?.[1]) language = m[1];
      }
      return;
    }
    if (/^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(first)) return;
    const timingIndex = lines.findIndex((l) => l.includes("-->"));
    if (timingIndex < 0) return;
    const timing = timingOf(lines[timingIndex] as string);
    if (!timing) return;
    cues++;
    const body = cueText(lines.slice(timingIndex + 1));
    if (body) segments.push(segment(timing.start, timing.end, body));
  });
  if (cues === 0) throw new TranscriptParseError("The .vtt file has no cues.");
  if (segments.length === 0) throw new TranscriptParseError("The .vtt file's cues are all empty.");
  return { text: "", segments: mergeRepeats(segments), language };
}

/** Some caption tools repeat a cue's text in the next cue; keep one, spanning both. */
function mergeRepeats(segments: TranscriptSegment[]): TranscriptSegment[] {
  const out: TranscriptSegment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.text === s.text && s.startSec <= last.endSec + 0.001) {
      last.endSec = Math.max(last.endSec, s.endSec);
      continue;
    }
    out.push({ ...s });
  }
  return out;
}

// ---- SubRip ----

function parseSrt(text: string): ParsedTranscript {
  const lines = text.split("\n").map((l) => l.replace(/\s+$/, ""));
  const segments: TranscriptSegment[] = [];
  let cues = 0;
  let current: { start: number; end: number; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const body = cueText(current.lines);
    if (body) segments.push(segment(current.start, current.end, body));
    current = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const timing = line.includes("-->") ? timingOf(line) : null;
    if (timing) {
      flush();
      cues++;
      current = { start: timing.start, end: timing.end, lines: [] };
      continue;
    }
    if (!current) continue; // index lines and stray text between cues
    if (line.trim() === "") {
      flush();
      continue;
    }
    // A missing blank line: the next cue's index sits right above its timing line.
    if (/^\d+$/.test(line.trim()) && timingOf(lines[i + 1] ?? "")) continue;
    current.lines.push(line);
  }
  flush();
  if (cues === 0) throw new TranscriptParseError("The .srt file has no cues.");
  if (segments.length === 0) throw new TranscriptParseError("The .srt file's cues are all empty.");
  return { text: "", segments: mergeRepeats(segments), language: null };
}

// ---- plain text ----

const DEFAULT_CHARS_PER_SEC = 15;
const SHORT_SENTENCE_CHARS = 25;
const MERGED_MAX_CHARS = 200;

function parsePlainText(text: string, durationSec: number | undefined): ParsedTranscript {
  const sentences = mergeShort(
    sentenceSpans(text).map((span) => text.slice(span.start, span.end).replace(/\s+/g, " ")),
  );
  if (sentences.length === 0) throw new TranscriptParseError("The .txt file is empty.");
  const totalChars = sentences.reduce((sum, s) => sum + s.length, 0);
  const secPerChar =
    durationSec !== undefined && Number.isFinite(durationSec) && durationSec > 0 ? durationSec / totalChars : 1 / DEFAULT_CHARS_PER_SEC;
  // Boundaries come from the cumulative character count, so after rounding each segment still
  // starts exactly where the previous one ended.
  let chars = 0;
  const segments = sentences.map((sentence) => {
    const start = roundMs(chars * secPerChar);
    chars += sentence.length;
    return { startSec: start, endSec: roundMs(chars * secPerChar), text: sentence };
  });
  return { text: "", segments, language: null };
}

/** Folds "Okay." or "Right, so." into the following sentence, so segments carry content. */
function mergeShort(sentences: string[]): string[] {
  const out: string[] = [];
  let pending = "";
  for (const sentence of sentences) {
    const joined = pending ? `${pending} ${sentence}` : sentence;
    if (joined.length < SHORT_SENTENCE_CHARS) {
      pending = joined;
      continue;
    }
    pending = "";
    out.push(joined);
  }
  if (pending) {
    const last = out[out.length - 1];
    if (last !== undefined && last.length + pending.length < MERGED_MAX_CHARS) out[out.length - 1] = `${last} ${pending}`;
    else out.push(pending);
  }
  return out;
}

// ---- JSON ----

function parseJson(text: string): ParsedTranscript {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new TranscriptParseError("The .json file is not valid JSON.");
  }
  let items: unknown[];
  let language: string | null = null;
  if (Array.isArray(data)) {
    items = data;
  } else if (isRecord(data) && Array.isArray(data.segments)) {
    items = data.segments;
    if (typeof data.language === "string" && data.language.trim()) language = data.language.trim();
  } else {
    throw new TranscriptParseError(
      'The .json file has no "segments" list. Expected {"segments": [{"start", "end", "text"}, ...]} or a list of such segments.',
    );
  }
  const segments: TranscriptSegment[] = [];
  items.forEach((item, i) => {
    if (!isRecord(item)) throw new TranscriptParseError(`Segment ${i + 1} in the .json file is not an object.`);
    const start = timeValue(item.start ?? item.startSec);
    const end = timeValue(item.end ?? item.endSec);
    if (start === null) throw new TranscriptParseError(`Segment ${i + 1} in the .json file has no valid start time.`);
    if (end === null) throw new TranscriptParseError(`Segment ${i + 1} in the .json file has no valid end time.`);
    if (typeof item.text !== "string") throw new TranscriptParseError(`Segment ${i + 1} in the .json file has no text.`);
    const body = item.text.replace(/\s+/g, " ").trim();
    if (body) segments.push(segment(start, end, body));
  });
  if (segments.length === 0) throw new TranscriptParseError("The .json file has no segments with text.");
  return { text: "", segments, language };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function timeValue(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
}
