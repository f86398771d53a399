/**
 * A stored transcript as a download: WebVTT (players, browsers), SubRip (video editors) or plain
 * text with a timestamp per line. Pure.
 */
import type { TranscriptSegment } from "../transcript.ts";

export const TRANSCRIPT_FORMATS = {
  vtt: { contentType: "text/vtt; charset=utf-8", extension: "vtt" },
  srt: { contentType: "application/x-subrip; charset=utf-8", extension: "srt" },
  txt: { contentType: "text/plain; charset=utf-8", extension: "txt" },
} as const;
export type TranscriptFormat = keyof typeof TRANSCRIPT_FORMATS;

/** `hh:mm:ss` followed by `.mmm` (WebVTT) or `,mmm` (SubRip). */
function clock(sec: number, separator: "." | ","): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** A cue's text must stay one block: no blank lines (they end a cue) and, in WebVTT, no markup. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
const vttText = (text: string) => oneLine(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderTranscript(format: TranscriptFormat, segments: readonly TranscriptSegment[]): string {
  const cues = segments.filter((s) => oneLine(s.text).length > 0);
  switch (format) {
    case "vtt":
      return `WEBVTT\n\n${cues.map((s) => `${clock(s.startSec, ".")} --> ${clock(s.endSec, ".")}\n${vttText(s.text)}\n\n`).join("")}`;
    case "srt":
      return cues.map((s, i) => `${i + 1}\n${clock(s.startSec, ",")} --> ${clock(s.endSec, ",")}\n${oneLine(s.text)}\n\n`).join("");
    case "txt":
      return cues.map((s) => `[${clock(s.startSec, ".").slice(0, 8)}] ${oneLine(s.text)}\n`).join("");
  }
}
