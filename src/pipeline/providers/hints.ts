/**
 * What a speech-to-text model is told about a recording before it hears it: the course and lecture
 * titles and the course's thread terms, so names and jargon come out spelled as the course spells them.
 */
import { courseVocabulary } from "../../db/courses.ts";
import type { Db } from "../../db/client.ts";
import type { LectureKey } from "../../db/owner.ts";
import type { LectureRow } from "../../db/rows.ts";
import type { TranscriptionHints } from "./types.ts";

/** Whisper reads at most 224 prompt tokens; this many characters stays well inside that. */
export const MAX_PROMPT_CHARS = 600;

export function promptFrom(titles: { courseTitle?: string | null; lectureTitle?: string | null }, terms: readonly string[]): string | undefined {
  const head = [titles.courseTitle, titles.lectureTitle]
    .map((t) => (t ?? "").replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .map((t) => (/[.!?]$/.test(t) ? t : `${t}.`))
    .join(" ");
  const kept: string[] = [];
  const seen = new Set<string>();
  const render = (list: readonly string[]) => [head, list.length ? `Terms: ${list.join(", ")}.` : ""].filter(Boolean).join(" ");
  for (const raw of terms) {
    const term = raw.replace(/\s+/g, " ").trim();
    if (!term || seen.has(term.toLowerCase())) continue;
    if (render([...kept, term]).length > MAX_PROMPT_CHARS) break;
    seen.add(term.toLowerCase());
    kept.push(term);
  }
  const prompt = render(kept).slice(0, MAX_PROMPT_CHARS);
  return prompt || undefined;
}

export async function transcriptionHints(db: Db, key: LectureKey, lecture: LectureRow, requestedModel?: string): Promise<TranscriptionHints> {
  const vocabulary = lecture.course_id ? await courseVocabulary(db, key.owner, lecture.course_id) : { courseTitle: null, threadTitles: [] };
  const prompt = promptFrom({ courseTitle: vocabulary.courseTitle, lectureTitle: lecture.title }, vocabulary.threadTitles);
  return {
    ...(prompt ? { prompt } : {}),
    ...(lecture.duration_sec ? { durationSec: lecture.duration_sec } : {}),
    ...(requestedModel ? { requestedModel } : {}),
  };
}
