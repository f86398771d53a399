/**
 * The offline generator: all five study artifacts built from the transcript alone, with no model
 * and no network. Extractive by design: every bullet, definition, card and question is made of
 * the lecture's own sentences and phrases, and points back at the segments it came from.
 * Presets shape the output (section set, bullet length, counts, question mix, difficulty).
 */
import type { GeneratedContent } from "../artifacts.ts";
import type { Preset } from "../presets.ts";
import type { TranscriptSegment } from "../transcript.ts";
import { analyse } from "./analysis.ts";
import { buildQuestions } from "./exam-questions.ts";
import { buildFlashcards } from "./flashcards.ts";
import { buildKeyTerms } from "./key-terms.ts";
import { readLecture } from "./lecture.ts";
import { buildOutline } from "./outline.ts";
import { styleFor } from "./style.ts";
import { buildSummary } from "./summary.ts";

export interface OfflineInput {
  segments: TranscriptSegment[];
  preset: Preset;
  title?: string;
}

export class EmptyTranscriptError extends Error {
  override name = "EmptyTranscriptError";
  constructor() {
    super("The transcript has no text, so there is nothing to generate study material from.");
  }
}

export function generateOffline(input: OfflineInput): GeneratedContent {
  const analysis = analyse(input.segments);
  if (analysis.sentences.length === 0 || analysis.totalWords === 0) throw new EmptyTranscriptError();
  const style = styleFor(input.preset);
  const lecture = readLecture(analysis, style, input.title);
  const outline = buildOutline(lecture);
  const flashcards = buildFlashcards(lecture);
  const questions = buildQuestions(lecture);
  return {
    summary: buildSummary(lecture, questions, flashcards),
    outline,
    "key-terms": buildKeyTerms(lecture),
    flashcards,
    "exam-questions": questions,
  };
}
