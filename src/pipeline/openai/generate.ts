/**
 * Study material from a transcript through OpenAI structured outputs. The model answers in a
 * strict, model-facing schema (every field required, nullable instead of optional, a fixed-depth
 * outline, citations as segment markers); that answer is converted into the API's content shapes
 * and validated with the same zod schemas the API serves.
 */
import type OpenAI from "openai";
import { z } from "zod";
import { CONTENT_SCHEMAS, type GeneratedContent, type OutlineNode, type SourceRef } from "../../domain/artifacts.ts";
import type { Preset } from "../../domain/presets.ts";
import type { TranscriptSegment } from "../../domain/transcript.ts";
import { PermanentJobError } from "../errors.ts";
import {
  type Acceptance,
  chunkSegments,
  clean,
  DEFAULT_TRANSCRIPT_CHAR_BUDGET,
  formatIssue,
  numberedTranscript,
  openAIChat,
  requestStructured,
  type SegmentRange,
  type StructuredChat,
  summariseIssues,
} from "./structured.ts";

export { DEFAULT_TRANSCRIPT_CHAR_BUDGET };

export interface GenerateInput {
  segments: TranscriptSegment[];
  preset: Preset;
  title?: string;
  model: string;
  /** Longest numbered transcript sent in one request; longer ones are generated per chunk and merged. */
  charBudget?: number;
}

// ---- model-facing schema ----

const cites = z
  .array(z.number().int().min(0))
  .describe("The [n] markers of the transcript segments this item is based on, usually one to three.");
const text = (description: string) => z.string().describe(description);

const Leaf = z.object({ title: text("Node title."), points: z.array(z.string()).nullable() });
const Branch = z.object({ title: text("Node title."), points: z.array(z.string()).nullable(), children: z.array(Leaf).nullable() });
const Root = z.object({ title: text("Node title."), points: z.array(z.string()).nullable(), children: z.array(Branch).nullable() });

export const StudyMaterialModelSchema = z.object({
  overview: text("Two to four sentences on what this lecture (or this part of it) covers."),
  sections: z
    .array(z.object({ title: text("One of the section titles given in the instructions."), bullets: z.array(z.string()).min(1), segmentIndexes: cites }))
    .min(1),
  outline: z.array(Root).min(1).describe("The lecture's structure in teaching order, at most three levels deep."),
  key_terms: z
    .array(
      z.object({
        term: z.string(),
        definition: z.string(),
        example: z.string().nullable().describe("An example the lecture itself gives, else null."),
        segmentIndexes: cites,
      }),
    )
    .min(1),
  flashcards: z
    .array(
      z.object({
        front: text("A question or cue."),
        back: text("The answer."),
        difficulty: z.enum(["easy", "medium", "hard"]).nullable(),
        tags: z.array(z.string()).nullable(),
        segmentIndexes: cites,
      }),
    )
    .min(1),
  exam_questions: z
    .array(
      z.object({
        prompt: z.string(),
        type: z.enum(["multiple-choice", "short-answer", "essay", "true-false"]),
        answer: text("The correct answer, or the points a good answer makes."),
        choices: z.array(z.string()).nullable().describe("Options for multiple-choice and true-false questions, else null."),
        correctChoiceIndex: z.number().int().min(0).nullable().describe("0-based index of the correct choice, else null."),
        segmentIndexes: cites,
      }),
    )
    .min(1),
});
export type StudyMaterialModelOutput = z.infer<typeof StudyMaterialModelSchema>;

const OverviewModelSchema = z.object({ overview: text("Three to five sentences on what the whole lecture covers.") });

/** Response-format names; the local fake OpenAI server answers according to them. */
export const STUDY_MATERIAL_FORMAT = "study_material";
export const LECTURE_OVERVIEW_FORMAT = "lecture_overview";

const TASK = "generate study material";
const INVALID = "Generated study material failed validation";

// ---- prompts shaped by the preset ----

export function humanise(key: string): string {
  const words = key.replace(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const STYLE: Record<string, string> = {
  concise_academic: "Write concisely in an academic register: precise terminology, exact definitions, no filler.",
  conceptual: "Centre everything on concepts and how they connect: what each idea is, what it depends on, and how it relates to the others.",
  plain_language:
    "Use plain, everyday language for someone meeting the subject for the first time: explain each technical term when it first appears and lean on the lecture's own examples.",
  low_clutter: "Keep it calm and uncluttered: one idea per bullet, simple sentences, no asides or nested qualifications, the same layout throughout.",
  argumentative: "Follow the argument: the claims made, the reasoning offered for them, the evidence the lecturer cites, and what is left open or contested.",
};

const CHUNKING: Record<string, string> = {
  very_short: "Make every bullet, outline point, flashcard side and answer very short: about 10 words at most, one fact each. Prefer more small items to fewer long ones.",
  short: "Keep bullets and points short: about 15 words at most, one idea each, in simple sentences.",
  medium: "Write each bullet as one complete sentence of roughly 15 to 25 words that makes sense on its own.",
  hierarchical:
    "Organise from general to specific: top-level outline nodes are the main concepts, their children the sub-concepts and details (three levels at most); bullets name a concept and how it relates to another.",
};

function presetInstructions(preset: Preset): string[] {
  const profile = preset.outputProfile;
  const sections = profile.sections.map((s) => `"${humanise(s)}"`).join(", ");
  return [
    `Preset: ${preset.name}. ${STYLE[profile.summary_style] ?? `Write in a ${humanise(profile.summary_style).toLowerCase()} style.`}`,
    `The summary has these sections, with exactly these titles, in this order: ${sections}. If the lecture offers nothing for one of them, leave that section out instead of filling it.`,
    CHUNKING[profile.chunking] ?? `Granularity of bullets and points: ${humanise(profile.chunking).toLowerCase()}.`,
    profile.question_focus
      ? "This preset is for testing yourself: write 8 to 12 exam questions mixing multiple-choice, short-answer, true-false and at least one essay question, several of them hard (applying, comparing or reasoning across parts of the lecture rather than recalling a sentence), and 12 to 20 flashcards with difficulty set, hard ones included."
      : "Write 4 to 6 exam questions, mostly short-answer and multiple-choice that check understanding, and 8 to 12 flashcards.",
    "Use fewer items when the transcript is short; never pad.",
  ];
}

function systemPrompt(preset: Preset): string {
  return [
    "You turn a lecture transcript into study material for a student.",
    "Use only the lecture's content. Do not add facts, names, numbers, examples or claims the transcript does not contain; you may rephrase, condense and reorganise. Leave out anything the transcript leaves unclear rather than guessing.",
    "Every transcript line starts with its segment marker [n]. In each segmentIndexes field list the n of the segments the item is based on; cite only markers that appear in the transcript.",
    "Write in the language the lecture is given in.",
    ...presetInstructions(preset),
    "Outline: the lecture's topics in teaching order; points hold details, children hold sub-topics; use null where a node has none.",
    "Key terms: the lecture's important terms with the definition it gives; example only when the lecture gives one, otherwise null.",
    "Flashcards: a question or cue on the front, the answer on the back; tags are short topic labels or null.",
    'Exam questions: multiple-choice questions have 3 to 5 choices and correctChoiceIndex (0-based) pointing at the right one, and the answer repeats that choice; true-false questions have choices ["True", "False"]; short-answer and essay questions have choices and correctChoiceIndex null.',
  ].join("\n");
}

function userPrompt(input: GenerateInput, range: SegmentRange, part: { index: number; count: number } | null): string {
  const head = [
    `Lecture title: ${clean(input.title) || "(untitled)"}`,
    part
      ? `This is part ${part.index + 1} of ${part.count} of the lecture (segments [${range.start}] to [${range.end - 1}]). Cover only this part; the overview describes this part.`
      : null,
    "Transcript:",
  ].filter((line): line is string => line !== null);
  return `${head.join("\n")}\n${numberedTranscript(input.segments, range)}`;
}

// ---- model output → content ----

function list(values: readonly string[] | null | undefined): string[] {
  return (values ?? []).map(clean).filter((v) => v.length > 0);
}

/** Citations become seekable sources; markers outside the part the model saw are dropped. */
function sourcesFor(indexes: readonly number[], segments: readonly TranscriptSegment[], range: SegmentRange): { sources?: SourceRef[] } {
  const seen = [...new Set(indexes.filter((i) => Number.isInteger(i) && i >= range.start && i < range.end))].sort((a, b) => a - b);
  if (seen.length === 0) return {};
  return {
    sources: seen.map((i) => {
      const s = segments[i] as TranscriptSegment;
      return { segmentIndex: i, startSec: s.startSec, endSec: Math.max(s.startSec, s.endSec) };
    }),
  };
}

interface ModelNode {
  title: string;
  points: string[] | null;
  children?: ModelNode[] | null;
}

function outlineNode(node: ModelNode): OutlineNode {
  const points = list(node.points);
  const children = (node.children ?? []).map(outlineNode);
  return { title: clean(node.title), ...(points.length ? { points } : {}), ...(children.length ? { children } : {}) };
}

// Validation paths are reported in the model's own field names, so the repair prompt is actionable.
const MODEL_PATH: Record<keyof GeneratedContent, (path: readonly PropertyKey[]) => readonly PropertyKey[]> = {
  summary: (p) => p,
  outline: (p) => p,
  "key-terms": (p) => ["key_terms", ...p.slice(1)],
  flashcards: (p) => ["flashcards", ...p.slice(1)],
  "exam-questions": (p) => ["exam_questions", ...p.slice(1)],
};

export function validateContent(content: GeneratedContent): string[] {
  const issues: string[] = [];
  for (const type of Object.keys(CONTENT_SCHEMAS) as (keyof GeneratedContent)[]) {
    const result = CONTENT_SCHEMAS[type].safeParse(content[type]);
    if (!result.success) for (const issue of result.error.issues) issues.push(formatIssue({ message: issue.message, path: MODEL_PATH[type](issue.path) }));
  }
  content["exam-questions"].questions.forEach((q, i) => {
    const where = `exam_questions[${i}]`;
    if (q.type === "multiple-choice" && (q.choices?.length ?? 0) < 2) issues.push(`${where}.choices: a multiple-choice question needs at least 2 choices`);
    if (q.correctChoiceIndex !== undefined && q.correctChoiceIndex >= (q.choices?.length ?? 0))
      issues.push(`${where}.correctChoiceIndex: ${q.correctChoiceIndex} does not point at one of the ${q.choices?.length ?? 0} choices`);
    if (q.type === "multiple-choice" && q.correctChoiceIndex === undefined) issues.push(`${where}.correctChoiceIndex: a multiple-choice question needs the index of its correct choice`);
  });
  return issues;
}

export function toContent(out: StudyMaterialModelOutput, segments: readonly TranscriptSegment[], range: SegmentRange): GeneratedContent {
  return {
    summary: {
      overview: clean(out.overview),
      sections: out.sections.map((s) => ({ title: clean(s.title), bullets: list(s.bullets), ...sourcesFor(s.segmentIndexes, segments, range) })),
    },
    outline: { outline: out.outline.map(outlineNode) },
    "key-terms": {
      terms: out.key_terms.map((t) => {
        const example = clean(t.example);
        return { term: clean(t.term), definition: clean(t.definition), ...(example ? { example } : {}), ...sourcesFor(t.segmentIndexes, segments, range) };
      }),
    },
    flashcards: {
      cards: out.flashcards.map((c) => {
        const tags = list(c.tags);
        return {
          front: clean(c.front),
          back: clean(c.back),
          ...(c.difficulty ? { difficulty: c.difficulty } : {}),
          ...(tags.length ? { tags } : {}),
          ...sourcesFor(c.segmentIndexes, segments, range),
        };
      }),
    },
    "exam-questions": {
      questions: out.exam_questions.map((q) => {
        const choices = list(q.choices);
        // An index is meaningless without choices (the model sometimes sends 0 for an essay).
        const index = choices.length > 0 && q.correctChoiceIndex !== null ? { correctChoiceIndex: q.correctChoiceIndex } : {};
        return {
          prompt: clean(q.prompt),
          type: q.type,
          answer: clean(q.answer),
          ...(choices.length ? { choices } : {}),
          ...index,
          ...sourcesFor(q.segmentIndexes, segments, range),
        };
      }),
    },
  };
}

function acceptStudyMaterial(segments: readonly TranscriptSegment[], range: SegmentRange) {
  return (out: StudyMaterialModelOutput): Acceptance<GeneratedContent> => {
    const content = toContent(out, segments, range);
    const issues = validateContent(content);
    return issues.length ? { ok: false, issues } : { ok: true, value: content };
  };
}

// ---- generation ----

const MAP_CONCURRENCY = 3;

export function generateWithOpenAI(client: OpenAI, input: GenerateInput): Promise<GeneratedContent> {
  return generateStudyMaterial(openAIChat(client), input);
}

/** Provider-neutral: per-part structured requests (map), then a merged overview (reduce). */
export async function generateStudyMaterial(chat: StructuredChat, input: GenerateInput): Promise<GeneratedContent> {
  if (input.segments.length === 0 || input.segments.every((s) => clean(s.text) === "")) throw new PermanentJobError("Transcript text is empty.");
  const ranges = chunkSegments(input.segments, input.charBudget ?? DEFAULT_TRANSCRIPT_CHAR_BUDGET);
  const system = systemPrompt(input.preset);

  const generatePart = (range: SegmentRange, index: number) =>
    requestStructured(chat, {
      model: input.model,
      name: STUDY_MATERIAL_FORMAT,
      schema: StudyMaterialModelSchema,
      messages: [
        { role: "system", content: system },
        { role: "user", content: userPrompt(input, range, ranges.length > 1 ? { index, count: ranges.length } : null) },
      ],
      accept: acceptStudyMaterial(input.segments, range),
      task: TASK,
      invalidLabel: INVALID,
    });

  if (ranges.length === 1) return generatePart(ranges[0] as SegmentRange, 0);

  const parts = await mapLimit(ranges, MAP_CONCURRENCY, generatePart);
  const overview = await requestStructured(chat, {
    model: input.model,
    name: LECTURE_OVERVIEW_FORMAT,
    schema: OverviewModelSchema,
    messages: [
      {
        role: "system",
        content: [
          "You write the overview of a whole lecture from the overviews of its consecutive parts.",
          "Use only what the part overviews say; add nothing. Three to five sentences, in the lecture's language.",
          `Preset: ${input.preset.name}. ${STYLE[input.preset.outputProfile.summary_style] ?? ""}`.trim(),
        ].join("\n"),
      },
      {
        role: "user",
        content: [`Lecture title: ${clean(input.title) || "(untitled)"}`, ...parts.map((p, i) => `Part ${i + 1}: ${p.summary.overview}`)].join("\n"),
      },
    ],
    accept: (out) => {
      const text = clean(out.overview);
      return text ? { ok: true, value: text } : { ok: false, issues: ["overview: must not be empty"] };
    },
    task: TASK,
    invalidLabel: INVALID,
  });

  const merged = mergeParts(parts, overview, input.preset);
  const issues = validateContent(merged);
  if (issues.length) throw new PermanentJobError(`${INVALID}: ${summariseIssues(issues)}`);
  return merged;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After one failure the job fails anyway; starting more requests would only spend quota.
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---- deterministic merge of per-part results ----

/** Caps on the merged lists; parts contribute in turn, so no stretch of the lecture is crowded out. */
export const MERGE_CAPS = { bulletsPerSection: 12, outlineNodes: 30, terms: 40, cards: 50, questions: 30 } as const;

const keyOf = (text: string) => clean(text).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();

function unionSources(...lists: (SourceRef[] | undefined)[]): { sources?: SourceRef[] } {
  const bySegment = new Map<number, SourceRef>();
  for (const s of lists.flat()) if (s && !bySegment.has(s.segmentIndex)) bySegment.set(s.segmentIndex, s);
  return bySegment.size ? { sources: [...bySegment.values()].sort((a, b) => a.segmentIndex - b.segmentIndex) } : {};
}

/** Round-robin selection across parts up to `cap`, returned in part order. */
function takeBalanced<T>(lists: T[][], cap: number): T[] {
  const counts = lists.map(() => 0);
  let taken = 0;
  for (let round = 0; taken < cap; round++) {
    let progressed = false;
    lists.forEach((l, i) => {
      if (taken < cap && round < l.length) {
        counts[i]! += 1;
        taken++;
        progressed = true;
      }
    });
    if (!progressed) break;
  }
  return lists.flatMap((l, i) => l.slice(0, counts[i]));
}

/** Drops later items whose key was already seen (in any part), keeping per-part lists. */
function dedupeAcross<T>(lists: T[][], key: (item: T) => string, merge?: (kept: T, dropped: T) => void): T[][] {
  const seen = new Map<string, T>();
  return lists.map((l) =>
    l.filter((item) => {
      const k = key(item);
      const kept = seen.get(k);
      if (kept !== undefined) {
        merge?.(kept, item);
        return false;
      }
      seen.set(k, item);
      return true;
    }),
  );
}

function mergeOutline(nodes: OutlineNode[]): OutlineNode[] {
  const out: OutlineNode[] = [];
  const byTitle = new Map<string, OutlineNode>();
  for (const node of nodes) {
    const kept = byTitle.get(keyOf(node.title));
    if (!kept) {
      const copy = { ...node };
      byTitle.set(keyOf(node.title), copy);
      out.push(copy);
      continue;
    }
    const points = [...new Map([...(kept.points ?? []), ...(node.points ?? [])].map((p) => [keyOf(p), p])).values()];
    const children = mergeOutline([...(kept.children ?? []), ...(node.children ?? [])]);
    if (points.length) kept.points = points;
    if (children.length) kept.children = children;
  }
  return out;
}

export function mergeParts(parts: GeneratedContent[], overview: string, preset: Preset): GeneratedContent {
  // Sections: same title across parts → one section, in the preset's order first.
  const order = preset.outputProfile.sections.map((s) => keyOf(humanise(s)));
  const sectionKeys: string[] = [];
  const sectionParts = new Map<string, { title: string; bullets: string[][]; sources: SourceRef[][] }>();
  for (const part of parts) {
    for (const section of part.summary.sections) {
      const key = keyOf(section.title);
      let entry = sectionParts.get(key);
      if (!entry) {
        entry = { title: section.title, bullets: [], sources: [] };
        sectionParts.set(key, entry);
        sectionKeys.push(key);
      }
      entry.bullets.push(section.bullets);
      entry.sources.push(section.sources ?? []);
    }
  }
  const rank = (key: string) => (order.indexOf(key) >= 0 ? order.indexOf(key) : order.length);
  const sections = [...sectionKeys]
    .sort((a, b) => rank(a) - rank(b) || sectionKeys.indexOf(a) - sectionKeys.indexOf(b))
    .map((key) => {
      const entry = sectionParts.get(key)!;
      const bullets = takeBalanced(dedupeAcross(entry.bullets, keyOf), MERGE_CAPS.bulletsPerSection);
      return { title: entry.title, bullets, ...unionSources(...entry.sources) };
    });

  const outline = mergeOutline(takeBalanced(parts.map((p) => p.outline.outline), MERGE_CAPS.outlineNodes));

  type Term = GeneratedContent["key-terms"]["terms"][number];
  const terms = takeBalanced(
    dedupeAcross(
      parts.map((p) => p["key-terms"].terms.map((t) => ({ ...t }))),
      (t: Term) => keyOf(t.term),
      (kept, dropped) => Object.assign(kept, unionSources(kept.sources, dropped.sources)),
    ),
    MERGE_CAPS.terms,
  );
  const cards = takeBalanced(
    dedupeAcross(
      parts.map((p) => p.flashcards.cards),
      (c) => keyOf(c.front),
    ),
    MERGE_CAPS.cards,
  );
  const questions = takeBalanced(
    dedupeAcross(
      parts.map((p) => p["exam-questions"].questions),
      (q) => keyOf(q.prompt),
    ),
    MERGE_CAPS.questions,
  );

  return {
    summary: { overview, sections },
    outline: { outline },
    "key-terms": { terms },
    flashcards: { cards },
    "exam-questions": { questions },
  };
}

