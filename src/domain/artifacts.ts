/**
 * Study artifacts, defined once: these zod schemas validate generator and model output, type the
 * code and document the API. Shapes are the artifact JSON existing clients read (decisions.md,
 * "Kept exactly"; every object closed),
 * plus an optional `sources` grounding field on the items a student studies from.
 */
import { z } from "zod";

export const ARTIFACT_TYPES = ["summary", "outline", "key-terms", "flashcards", "exam-questions"] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

const nonEmpty = z.string().min(1);

/** Where an item came from in the transcript, so a client can seek the recording. */
export const SourceRefSchema = z
  .object({
    segmentIndex: z.number().int().min(0),
    startSec: z.number().min(0),
    endSec: z.number().min(0),
  })
  .strict();
export type SourceRef = z.infer<typeof SourceRefSchema>;

const sources = z.array(SourceRefSchema).optional();

/** Plays the moment an item is grounded in: `/lectures/<id>/audio#t=start,end` (src/domain/search/links.ts). */
const link = z.string().optional();

// ---- content: what a generator (offline or model) produces ----

export const SummaryContentSchema = z
  .object({
    overview: nonEmpty,
    sections: z.array(z.object({ title: nonEmpty, bullets: z.array(nonEmpty).min(1), sources }).strict()).min(1),
  })
  .strict();

export interface OutlineNode {
  title: string;
  points?: string[];
  children?: OutlineNode[];
}
// Named (`meta.id`), so a schema document can refer to it from inside itself.
export const OutlineNodeSchema: z.ZodType<OutlineNode> = z
  .lazy(() =>
    z
      .object({
        title: nonEmpty,
        points: z.array(nonEmpty).optional(),
        children: z.array(OutlineNodeSchema).optional(),
      })
      .strict(),
  )
  .meta({ id: "OutlineNode" });
export const OutlineContentSchema = z.object({ outline: z.array(OutlineNodeSchema).min(1) }).strict();

export const KeyTermSchema = z
  .object({ term: nonEmpty, definition: nonEmpty, example: z.string().optional(), threadRef: z.string().optional(), sources })
  .strict();
export const KeyTermsContentSchema = z.object({ terms: z.array(KeyTermSchema).min(1) }).strict();

export const FlashcardSchema = z
  .object({
    front: nonEmpty,
    back: nonEmpty,
    difficulty: z.enum(["easy", "medium", "hard"]).optional(),
    tags: z.array(nonEmpty).optional(),
    threadRef: z.string().optional(),
    sources,
    link,
  })
  .strict();
export const FlashcardsContentSchema = z.object({ cards: z.array(FlashcardSchema).min(1) }).strict();

export const ExamQuestionSchema = z
  .object({
    prompt: nonEmpty,
    type: z.enum(["multiple-choice", "short-answer", "essay", "true-false"]),
    answer: nonEmpty,
    choices: z.array(nonEmpty).optional(),
    correctChoiceIndex: z.number().int().min(0).optional(),
    threadRef: z.string().optional(),
    sources,
    link,
  })
  .strict();
export const ExamQuestionsContentSchema = z.object({ questions: z.array(ExamQuestionSchema).min(1) }).strict();

export const CONTENT_SCHEMAS = {
  summary: SummaryContentSchema,
  outline: OutlineContentSchema,
  "key-terms": KeyTermsContentSchema,
  flashcards: FlashcardsContentSchema,
  "exam-questions": ExamQuestionsContentSchema,
} as const;

export type SummaryContent = z.infer<typeof SummaryContentSchema>;
export type OutlineContent = z.infer<typeof OutlineContentSchema>;
export type KeyTermsContent = z.infer<typeof KeyTermsContentSchema>;
export type FlashcardsContent = z.infer<typeof FlashcardsContentSchema>;
export type ExamQuestionsContent = z.infer<typeof ExamQuestionsContentSchema>;

/** All five contents, as one generation run produces them. */
export interface GeneratedContent {
  summary: SummaryContent;
  outline: OutlineContent;
  "key-terms": KeyTermsContent;
  flashcards: FlashcardsContent;
  "exam-questions": ExamQuestionsContent;
}

// ---- stored artifacts: content plus its metadata (ids, preset, generation time, version) ----

export const ArtifactMetadataSchema = z.object({
  id: nonEmpty,
  courseId: nonEmpty,
  lectureId: nonEmpty,
  presetId: nonEmpty,
  generatedAt: nonEmpty,
  version: nonEmpty,
  threadRefs: z.array(nonEmpty).optional(),
});
export type ArtifactMetadata = z.infer<typeof ArtifactMetadataSchema>;

const metadataFor = <T extends ArtifactType>(type: T) => ArtifactMetadataSchema.extend({ artifactType: z.literal(type) });

export const ARTIFACT_SCHEMAS = {
  summary: metadataFor("summary").extend(SummaryContentSchema.shape).strict(),
  outline: metadataFor("outline").extend(OutlineContentSchema.shape).strict(),
  "key-terms": metadataFor("key-terms").extend(KeyTermsContentSchema.shape).strict(),
  flashcards: metadataFor("flashcards").extend(FlashcardsContentSchema.shape).strict(),
  "exam-questions": metadataFor("exam-questions").extend(ExamQuestionsContentSchema.shape).strict(),
} as const;

export type Artifact<T extends ArtifactType = ArtifactType> = z.infer<(typeof ARTIFACT_SCHEMAS)[T]>;

export const ARTIFACT_VERSION = "0.3";

/** Wraps generated content in the stored artifact shape. */
export function buildArtifact<T extends ArtifactType>(
  type: T,
  content: GeneratedContent[T],
  meta: Omit<ArtifactMetadata, "version"> & { version?: string },
): Artifact<T> {
  const { threadRefs, ...rest } = meta;
  return {
    ...rest,
    version: meta.version ?? ARTIFACT_VERSION,
    artifactType: type,
    ...(threadRefs && threadRefs.length > 0 ? { threadRefs } : {}),
    ...content,
  } as Artifact<T>;
}
