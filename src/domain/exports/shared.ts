/**
 * Small helpers shared by the renderers: timestamps, labels and text clean-up.
 */
import type { SourceRef } from "../artifacts.ts";
import type { ExportBundle } from "./types.ts";

/** `12:34` below an hour, `1:02:03` from an hour on; fractions are dropped. */
export function formatTimestamp(totalSec: number): string {
  const sec = Number.isFinite(totalSec) && totalSec > 0 ? Math.floor(totalSec) : 0;
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${String(m).padStart(2, "0")}:${ss}`;
}

/** Timestamp of the first grounding source, if the item has one. */
export function firstSourceTimestamp(sources: readonly SourceRef[] | undefined): string | undefined {
  const first = sources?.[0];
  return first ? formatTimestamp(first.startSec) : undefined;
}

/** A, B, ..., Z, AA, AB, ... for answer choices. */
export function choiceLetter(index: number): string {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Line breaks normalised to `\n`; everything else untouched. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** For places that cannot hold a line break (titles, terms, deck names). */
export function singleLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function courseLabel(bundle: ExportBundle): string {
  return singleLine(bundle.lecture.courseTitle ?? "") || bundle.lecture.courseId;
}

export function lectureLabel(bundle: ExportBundle): string {
  return singleLine(bundle.lecture.title) || bundle.lecture.id;
}

export function presetLabel(bundle: ExportBundle): string {
  return singleLine(bundle.lecture.presetName ?? "") || bundle.lecture.presetId;
}

/**
 * `2026-11-26 02:38 UTC` from an ISO string, computed without the local time zone so every
 * isolate prints the same thing. Unparseable input is shown as given.
 */
export function formatGeneratedAt(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)} UTC`;
}

/**
 * The multiple-choice answer line: "B. <choice>" when the index points at a choice, plus the
 * model's answer text when it says more than the choice or its letter.
 */
export function describeAnswer(question: {
  answer: string;
  choices?: string[] | undefined;
  correctChoiceIndex?: number | undefined;
}): string {
  const { answer, choices, correctChoiceIndex: idx } = question;
  const choice = idx !== undefined ? choices?.[idx] : undefined;
  if (idx === undefined || choice === undefined) return answer;
  const letter = choiceLetter(idx);
  const norm = (s: string) => singleLine(s).toLowerCase().replace(/[.)]$/, "");
  const same = norm(answer) === norm(choice) || norm(answer) === letter.toLowerCase();
  return same ? `${letter}. ${choice}` : `${letter}. ${choice} — ${answer}`;
}

export const THREADS_HEADING = "Threads";
export const SECTION_TITLES = {
  summary: "Summary",
  outline: "Outline",
  "key-terms": "Key Terms",
  flashcards: "Flashcards",
  "exam-questions": "Exam Questions",
} as const;
