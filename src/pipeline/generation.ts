/**
 * Generation stage: the five study artifacts and the lecture's concept threads, from the stored
 * transcript segments. A model writes them (structured outputs, on OpenAI or Workers AI) when a
 * generation provider is configured; otherwise the offline generator does (./providers). Storage
 * keys and rows are keyed by lecture and type, so a second
 * run replaces the first.
 */
import { loadGenerationInput, saveArtifactRecords } from "../db/artifacts.ts";
import { lectureOfJob, objectKeys } from "./keys.ts";
import type { JobRow } from "../db/rows.ts";
import { saveLectureThreads, type ThreadUpsert } from "../db/threads.ts";
import { ARTIFACT_TYPES, buildArtifact, CONTENT_SCHEMAS, type GeneratedContent } from "../domain/artifacts.ts";
import { EmptyTranscriptError } from "../domain/generation/offline.ts";
import { groundContent } from "../domain/grounding.ts";
import { searchableItems } from "../domain/search/items.ts";
import { withMomentLinks } from "../domain/search/links.ts";
import { saveSegmentEmbeddings } from "../db/search.ts";
import { embedTexts } from "./openai/embeddings.ts";
import { findPreset } from "../domain/presets.ts";
import { detectConceptsOffline, normalizeConceptTitle } from "../domain/threads/detect.ts";
import { PermanentJobError } from "./errors.ts";
import type { Services } from "../services.ts";
import { writeJson } from "../storage/index.ts";
import { createOpenAI, type DetectedConcept } from "./openai/index.ts";
import { generationProvider } from "./providers/index.ts";
import { openAIBaseUrl } from "./providers/openai.ts";

export interface GenerationParams {
  courseId: string;
  presetId: string;
  openaiModel: string;
}

function paramsOf(job: JobRow, fallbackModel: string): GenerationParams {
  const p = job.params as Partial<GenerationParams>;
  if (!p.courseId || !p.presetId) throw new PermanentJobError("The generation job has no course or preset.");
  return { courseId: p.courseId, presetId: p.presetId, openaiModel: p.openaiModel || fallbackModel };
}

function noteFor(concept: DetectedConcept, isNew: boolean, lectureId: string): string {
  if (isNew) return `First appears in lecture ${lectureId}: ${concept.summary}`;
  const verbs: Record<string, string> = { refinement: "refined", complexity: "taken further", contradiction: "challenged" };
  const how = verbs[concept.changeType ?? "refinement"] ?? "refined";
  return `Revisited and ${how} in lecture ${lectureId}: ${concept.evidence}`;
}

export async function runGeneration(services: Services, job: JobRow) {
  const { db, storage, config } = services;
  const params = paramsOf(job, config.ai.generation.model);
  const preset = findPreset(params.presetId);
  if (!preset) throw new PermanentJobError("Invalid preset_id.");

  const lectureKey = lectureOfJob(job);
  const input = await loadGenerationInput(db, lectureKey, params.courseId);
  if (!input.lecture) throw new PermanentJobError("Lecture not found.");
  if (input.segments.length === 0) throw new PermanentJobError("Transcript not found. Run transcription first.");
  const lectureId = input.lecture.id;
  const segments = input.segments;

  // A job queued before the provider changed may name a model the new one does not serve.
  const { allowedModels, model: defaultModel } = config.ai.generation;
  const provider = generationProvider(config, allowedModels.includes(params.openaiModel) ? params.openaiModel : defaultModel);
  const byModel = provider.name !== "offline";
  const generator = provider.label;
  let raw: GeneratedContent;
  try {
    raw = await provider.generate({ segments, preset, title: input.lecture.title });
  } catch (error) {
    if (error instanceof EmptyTranscriptError) throw new PermanentJobError("Transcript text is empty.");
    throw error;
  }
  const content = withMomentLinks(groundContent(raw, segments), lectureId);
  for (const type of ARTIFACT_TYPES) {
    const check = CONTENT_SCHEMAS[type].safeParse(content[type]);
    if (!check.success) throw new PermanentJobError(`Generated ${type} is invalid: ${check.error.issues[0]?.message ?? "schema mismatch"}`);
  }

  // Threads: link the lecture's concepts to the course's existing threads.
  const existing = input.existingThreads;
  let concepts: DetectedConcept[];
  if (byModel) {
    try {
      ({ concepts } = await provider.detectConcepts({ lectureId, segments, existing, normalize: normalizeConceptTitle }));
    } catch (error) {
      // Threads are a bonus on top of the artifacts: when the model fails at them, the offline detector
      // does the job rather than failing the whole generation.
      console.log(JSON.stringify({ level: "warn", msg: "thread detection fell back to offline", jobId: job.id, error: String((error as Error)?.message ?? error) }));
      ({ concepts } = detectConceptsOffline({ lectureId, segments, existing }));
    }
  } else {
    ({ concepts } = detectConceptsOffline({ lectureId, segments, existing }));
  }
  const existingByKey = new Map(existing.map((t) => [t.titleKey, t]));
  const upserts: ThreadUpsert[] = concepts.map((concept) => {
    const prior = existingByKey.get(concept.titleKey);
    const isNew = !prior || prior.lectureRefs.every((ref) => ref === lectureId);
    return {
      newId: crypto.randomUUID(),
      title: concept.title,
      titleKey: concept.titleKey,
      summary: concept.summary,
      replaceSummary: Boolean(byModel && prior && concept.changeType),
      complexityLevel: concept.complexityLevel,
      changeType: isNew ? "refinement" : (concept.changeType ?? "refinement"),
      note: noteFor(concept, isNew, lectureId),
      evidence: concept.evidence,
      confidence: concept.confidence,
      segmentIndex: concept.segmentIndex,
      artifactId: `${lectureId}-summary`,
    };
  });
  const threadIds = await saveLectureThreads(db, params.courseId, lectureKey, upserts, job);
  const threadRefs = [...new Set(threadIds.values())];

  // Key terms that are threads point at them.
  content["key-terms"] = {
    terms: content["key-terms"].terms.map((term) => {
      const id = threadIds.get(normalizeConceptTitle(term.term));
      return id ? { ...term, threadRef: id } : term;
    }),
  };

  const generatedAt = new Date().toISOString();
  const artifactPaths: Record<string, string> = {};
  await Promise.all(
    ARTIFACT_TYPES.map(async (type) => {
      const artifact = buildArtifact(type, content[type], {
        id: `${lectureId}-${type}`,
        courseId: params.courseId,
        lectureId,
        presetId: params.presetId,
        generatedAt,
        threadRefs,
      });
      const key = `${objectKeys.artifactDir(lectureKey)}/${type}.json`;
      await writeJson(storage, key, artifact);
      artifactPaths[type] = storage.uri(key);
    }),
  );
  await saveArtifactRecords(
    db,
    ARTIFACT_TYPES.map((type) => ({
      id: `${lectureId}-${type}`,
      ownerId: lectureKey.owner,
      lectureId,
      courseId: params.courseId,
      presetId: params.presetId,
      artifactType: type,
      storagePath: artifactPaths[type]!,
      summaryOverview: type === "summary" ? content.summary.overview : null,
      summarySectionCount: type === "summary" ? content.summary.sections.length : null,
    })),
    job,
    searchableItems(content, segments),
  );

  // Semantic search: the segments' embeddings. A bonus like threads: full-text search works
  // without them, so a provider failure here is logged rather than failing the material.
  // Embeddings come from OpenAI whichever provider wrote the material.
  const client = config.openai.apiKey ? createOpenAI({ apiKey: config.openai.apiKey, baseUrl: await openAIBaseUrl(config) }) : null;
  let embedded = 0;
  if (client) {
    try {
      const vectors = await embedTexts(client, config.openai.embeddingModel, segments.map((s) => s.text));
      await saveSegmentEmbeddings(db, lectureKey, config.openai.embeddingModel, vectors, job);
      embedded = vectors.length;
    } catch (error) {
      console.log(JSON.stringify({ level: "warn", msg: "segment embeddings not stored", jobId: job.id, error: String((error as Error)?.message ?? error) }));
    }
  }

  return {
    lectureId,
    outputDir: storage.uri(objectKeys.artifactDir(lectureKey)),
    artifactPaths,
    threadIds: threadRefs,
    generator,
    ...(client ? { embeddedSegments: embedded } : {}),
  };
}
