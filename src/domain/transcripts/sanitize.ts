/**
 * The last step before a transcript is stored, whatever produced it (an upload's parser or a
 * speech-to-text provider): text that Postgres accepts and later stages can trust, and times that
 * are real numbers within a lecture's day. Pure: no I/O.
 */
import type { TranscriptSegment, TranscriptWord } from "../transcript.ts";
import type { ParsedTranscript } from "./parse.ts";

/** A lecture lasts at most a day (ingest refuses a longer duration too). */
export const MAX_TRANSCRIPT_SEC = 86_400;

// C0 and C1 controls except tab and line feed. Postgres refuses NUL outright; the rest is noise
// from broken encoders that would end up in study material and exports.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// A language tag ("en", "en-US", "pt_BR", "yue") or a spelled-out name ("english"), nothing longer.
const LANGUAGE = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,3}$/;

/** Lone surrogates become U+FFFD; control characters other than tab and line feed go. */
export function sanitizeText(text: string): string {
  return text.toWellFormed().replace(CONTROL, "");
}

/** The language as a short tag, or null when what was given is not one. */
export function sanitizeLanguage(language: string | null): string | null {
  if (language === null) return null;
  const tag = sanitizeText(language).trim();
  return LANGUAGE.test(tag) ? tag : null;
}

function sanitizeTime(sec: number): number {
  if (Number.isNaN(sec)) return 0;
  return Math.min(Math.max(sec, 0), MAX_TRANSCRIPT_SEC);
}

/** Cleans text and language, bounds times (end never before start) and drops segments left empty. */
export function sanitizeTranscript(transcript: ParsedTranscript): ParsedTranscript {
  const segments: TranscriptSegment[] = [];
  for (const segment of transcript.segments) {
    const text = sanitizeText(segment.text).trim();
    if (!text) continue;
    const startSec = sanitizeTime(segment.startSec);
    segments.push({ startSec, endSec: Math.max(startSec, sanitizeTime(segment.endSec)), text });
  }
  const words: TranscriptWord[] = [];
  for (const w of transcript.words ?? []) {
    const word = sanitizeText(w.word).trim();
    if (!word) continue;
    const startSec = sanitizeTime(w.startSec);
    words.push({ startSec, endSec: Math.max(startSec, sanitizeTime(w.endSec)), word });
  }
  // Both producers make the text by joining the segments; rebuilding it keeps the two in step.
  return {
    text: segments.map((s) => s.text).join(" "),
    segments,
    language: sanitizeLanguage(transcript.language),
    ...(words.length ? { words } : {}),
  };
}
