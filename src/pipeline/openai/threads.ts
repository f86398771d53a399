/**
 * Concept threads through one structured-output call: which of the course's existing threads this
 * lecture returns to, and which concepts it introduces.
 */
import type OpenAI from "openai";
import { z } from "zod";
import type { TranscriptSegment } from "../../domain/transcript.ts";
import {
  chunkSegments,
  clean,
  DEFAULT_TRANSCRIPT_CHAR_BUDGET,
  numberedTranscript,
  openAIChat,
  requestStructured,
  type SegmentRange,
  type StructuredChat,
} from "./structured.ts";
import { truncateChars } from "../../domain/generation/text.ts";
import type { DetectedConcept } from "../../domain/threads/detect.ts";

export type { DetectedConcept };


export interface ExistingThread {
  id: string;
  title: string;
  titleKey: string;
  summary: string;
}

export interface DetectConceptsInput {
  lectureId: string;
  segments: TranscriptSegment[];
  existing: ExistingThread[];
  model: string;
  normalize: (title: string) => string;
  charBudget?: number;
}

export const EVIDENCE_MAX_CHARS = 180;
export const CONFIDENCE_NEW = 0.85;
export const CONFIDENCE_UPDATE = 0.9;
export const THREAD_CONCEPTS_FORMAT = "thread_concepts";

const CHANGE_TYPES = ["refinement", "contradiction", "complexity"] as const;

export const ThreadConceptsModelSchema = z.object({
  new_concepts: z.array(
    z.object({
      title: z.string().describe("2 to 5 words."),
      summary: z.string().describe("One or two sentences on what the concept is, as the lecture presents it."),
      evidence: z.string().describe("A short quote or close paraphrase from the transcript, under 180 characters."),
      segment_index: z.number().int().describe("The [n] marker of the segment the evidence comes from."),
      complexity_level: z.number().int().describe("1 (introductory) to 5 (advanced)."),
    }),
  ),
  concept_updates: z.array(
    z.object({
      title: z.string().describe("Exactly one of the existing thread titles."),
      change_type: z.enum(CHANGE_TYPES),
      summary: z.string().describe("The thread's summary, updated with what this lecture adds."),
      evidence: z.string().describe("A short quote or close paraphrase from the transcript, under 180 characters."),
      segment_index: z.number().int().describe("The [n] marker of the segment the evidence comes from."),
      new_complexity_level: z.number().int().nullable().describe("1 to 5 when the lecture changes the concept's level, else null."),
    }),
  ),
});
export type ThreadConceptsModelOutput = z.infer<typeof ThreadConceptsModelSchema>;

const SYSTEM = [
  "You track concepts across the lectures of one course. You get the course's existing concept threads and the transcript of a new lecture.",
  "Report in new_concepts the concepts this lecture really teaches that are not among the existing threads, at most 8, the most important first.",
  "Report in concept_updates the existing threads this lecture returns to. Copy the title exactly from the existing list. change_type is:",
  "- refinement: the lecture adds detail, an example or a new angle;",
  "- complexity: the lecture takes the concept to a more advanced level (give new_complexity_level);",
  "- contradiction: the lecture says something that conflicts with the thread's summary.",
  "Rules: only concepts that are really present in the transcript; concise titles of 2 to 5 words; invent nothing.",
  "evidence is a short quote or close paraphrase of the transcript, and segment_index the [n] marker of the segment it comes from.",
  "complexity_level runs from 1 (introductory) to 5 (advanced).",
].join("\n");

function userPrompt(existing: readonly ExistingThread[], segments: readonly TranscriptSegment[], range: SegmentRange): string {
  const threads = existing.length ? existing.map((t) => `- ${clean(t.title)}: ${clean(t.summary)}`).join("\n") : "(none yet)";
  return `Existing threads:\n${threads}\n\nLecture transcript:\n${numberedTranscript(segments, range)}`;
}

export function detectConceptsWithOpenAI(client: OpenAI, input: DetectConceptsInput): Promise<{ concepts: DetectedConcept[] }> {
  return detectConcepts(openAIChat(client), input);
}

/** Provider-neutral; a transcript over budget is read part by part. */
export async function detectConcepts(chat: StructuredChat, input: DetectConceptsInput): Promise<{ concepts: DetectedConcept[] }> {
  if (input.segments.every((s) => clean(s.text) === "")) return { concepts: [] };
  // A transcript over budget is read part by part; the answers are merged by title key below.
  const ranges = chunkSegments(input.segments, input.charBudget ?? DEFAULT_TRANSCRIPT_CHAR_BUDGET);
  const answers: ThreadConceptsModelOutput[] = [];
  for (const range of ranges) {
    answers.push(
      await requestStructured(chat, {
        model: input.model,
        name: THREAD_CONCEPTS_FORMAT,
        schema: ThreadConceptsModelSchema,
        messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: userPrompt(input.existing, input.segments, range) },
        ],
        accept: (out) => ({ ok: true, value: out }),
        task: "detect the lecture's concepts",
        invalidLabel: "Detected concepts failed validation",
      }),
    );
  }
  return { concepts: mapConcepts(answers, input) };
}

const clampLevel = (n: number | null | undefined, fallback: number) =>
  typeof n === "number" && Number.isFinite(n) ? Math.min(5, Math.max(1, Math.round(n))) : fallback;

/** Model answers → detected concepts, matched to existing threads by normalised title. */
export function mapConcepts(answers: readonly ThreadConceptsModelOutput[], input: Pick<DetectConceptsInput, "segments" | "existing" | "normalize">): DetectedConcept[] {
  const byKey = new Map(input.existing.map((t) => [t.titleKey, t]));
  const last = Math.max(0, input.segments.length - 1);
  const segmentIndexOf = (n: number) => (Number.isFinite(n) ? Math.min(last, Math.max(0, Math.round(n))) : 0);
  const out = new Map<string, DetectedConcept>();

  const add = (raw: { title: string; summary: string; evidence: string; segment_index: number }, level: number | null, change: DetectedConcept["changeType"]) => {
    const title = clean(raw.title);
    const key = title ? input.normalize(title) : "";
    if (!key || out.has(key)) return; // the first mention of a concept wins
    const segmentIndex = segmentIndexOf(raw.segment_index);
    const evidence = truncateChars(clean(raw.evidence) || clean(input.segments[segmentIndex]?.text), EVIDENCE_MAX_CHARS);
    const summary = clean(raw.summary) || evidence;
    if (!summary) return;
    const thread = byKey.get(key);
    out.set(key, {
      title: thread ? thread.title : title,
      titleKey: key,
      existingThreadId: thread?.id ?? null,
      summary,
      evidence,
      segmentIndex,
      confidence: thread ? CONFIDENCE_UPDATE : CONFIDENCE_NEW,
      // Updates without a new level report the minimum; the store keeps the thread's higher level.
      complexityLevel: clampLevel(level, 1),
      // An "update" of a thread that does not exist is a new concept; a "new" concept that
      // already has a thread is a refinement of it.
      changeType: thread ? (change ?? "refinement") : null,
    });
  };

  // Updates first: when the model lists a concept both ways, the update carries more.
  for (const answer of answers) for (const u of answer.concept_updates) add(u, u.new_complexity_level, u.change_type);
  for (const answer of answers) for (const c of answer.new_concepts) add(c, c.complexity_level, null);
  return [...out.values()];
}
