import { createRoute, z } from "@hono/zod-openapi";
import { lectureKey, ownerOf } from "../auth/authenticate.ts";
import { etag } from "hono/etag";
import {
  getLecture,
  getLectureProgressData,
  getLectureSummaryData,
  listLectureJobs,
  listLectures,
} from "../db/lectures.ts";
import type { JobRow } from "../db/rows.ts";
import { lectureProgress } from "../domain/progress.ts";
import { requireJsonObjectBody } from "../lib/json-body.ts";
import { exportLinkTemplate, lectureLinks } from "../lib/links.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { optionalId, pageQuery, pathId, safeText } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { IngestFieldsSchema } from "../pipeline/ingest-form.ts";
import { deleteLectureData } from "../pipeline/deletion.ts";
import { ingestLecture } from "../pipeline/ingest.ts";
import { startExport, startGeneration, startTranscription } from "../pipeline/start.ts";
import { jobOut, lectureOut, stageJobOut } from "./representations.ts";
import { lectureArtifactsView } from "./views/lecture-artifacts.ts";
import {
  ArtifactRecordSchema,
  ArtifactsByTypeSchema,
  ExportRecordSchema,
  JobAcceptedSchema,
  JobSchema,
  LectureProgressSchema,
  LectureSchema,
  LectureSummarySchema,
  PaginationSchema,
} from "./schemas.ts";

const tags = ["lectures"];
const lectureParams = z.object({ lecture_id: pathId("lecture_not_found", "lec-001") });

const IngestFormSchema = IngestFieldsSchema.extend({
  audio: z.string().openapi({
    type: "string",
    format: "binary",
    description: "The recording (any format OpenAI transcribes), or a transcript: .txt, .vtt, .srt, or .json with segments.",
  }),
}).openapi("IngestForm");

const IngestResultSchema = z
  .object({
    lectureId: z.string(),
    metadataPath: z.string().openapi({ example: "r2://pegasus-media/metadata/lec-001.json" }),
    audioPath: z.string().openapi({ example: "r2://pegasus-media/audio/0b6f2c1e-….mp3" }),
  })
  .openapi("IngestResult");

const list = createRoute({
  method: "get",
  path: "/lectures",
  tags,
  summary: "Lectures, newest first",
  request: { query: z.object({ course_id: optionalId("Only this course's lectures."), ...pageQuery }) },
  responses: {
    200: jsonContent(z.object({ lectures: z.array(LectureSchema), pagination: PaginationSchema }), "A page of lectures."),
    ...problemResponses(422),
  },
});

const get = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}",
  tags,
  summary: "One lecture",
  request: { params: lectureParams },
  responses: { 200: jsonContent(LectureSchema, "The lecture."), ...problemResponses(404) },
});

const remove = createRoute({
  method: "delete",
  path: "/lectures/{lecture_id}",
  tags,
  summary: "Delete a lecture and everything made from it",
  description:
    "Removes the lecture, its recording, transcript, study material, exports, jobs (a running stage writes nothing more) and its place in the course's threads; threads left without a lecture go too. Stored objects are removed right away, or by the next sweep if storage is unavailable. A second DELETE is 404.",
  request: { params: lectureParams },
  responses: { 204: { description: "Deleted." }, ...problemResponses(404) },
});

const transcribe = createRoute({
  method: "post",
  path: "/lectures/{lecture_id}/transcribe",
  tags,
  summary: "Start transcription",
  request: {
    params: lectureParams,
    query: z.object({
      model: z
        .string()
        .regex(/^[A-Za-z0-9._:-]{1,64}$/)
        .default("base")
        .openapi({
          description:
            "With OpenAI, `base` (or any Whisper size name) means whisper-1 and other OpenAI transcription models pass through; Workers AI always uses WORKERS_AI_TRANSCRIPTION_MODEL.",
        }),
    }),
  },
  responses: { 200: jsonContent(JobAcceptedSchema, "The job (final status in inline mode)."), ...problemResponses(404, 422) },
});

const GenerateBodySchema = z
  .object({
    course_id: optionalId().nullable(),
    preset_id: optionalId().nullable(),
    openai_model: safeText({ max: 100 })
      .nullable()
      .optional()
      .openapi({
        description:
          "A generation model the operator allows: OPENAI_MODEL and OPENAI_MODELS with OpenAI, WORKERS_AI_MODEL with Workers AI; others are a 422.",
      }),
  })
  .openapi("GenerateRequest", { description: "All fields optional; `{}` uses the lecture's course and preset." });

const generate = createRoute({
  method: "post",
  path: "/lectures/{lecture_id}/generate",
  tags,
  summary: "Start generation of the study artifacts and threads",
  middleware: [requireJsonObjectBody()] as const,
  request: {
    params: lectureParams,
    body: { content: { "application/json": { schema: GenerateBodySchema } }, required: true },
  },
  responses: { 200: jsonContent(JobAcceptedSchema, "The job (final status in inline mode)."), ...problemResponses(400, 404, 413, 422) },
});

const exportRoute = createRoute({
  method: "post",
  path: "/lectures/{lecture_id}/export",
  tags,
  summary: "Start the Markdown, Anki, PDF and JSON exports",
  request: { params: lectureParams },
  responses: { 200: jsonContent(JobAcceptedSchema, "The job (final status in inline mode)."), ...problemResponses(404) },
});

const jobs = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/jobs",
  tags,
  summary: "The lecture's jobs, newest first",
  request: { params: lectureParams, query: z.object(pageQuery) },
  responses: {
    200: jsonContent(z.object({ lectureId: z.string(), jobs: z.array(JobSchema), pagination: PaginationSchema }), "A page of jobs."),
    ...problemResponses(404, 422),
  },
});

const progress = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/progress",
  tags,
  summary: "Stage-by-stage progress (ETag; answer If-None-Match with 304)",
  middleware: [etag()] as const,
  request: { params: lectureParams },
  responses: {
    200: jsonContent(LectureProgressSchema, "Progress of the three stages."),
    304: { description: "Unchanged since the ETag given in If-None-Match." },
    ...problemResponses(404),
  },
});

const summary = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/summary",
  tags,
  summary: "Compact lecture dashboard",
  request: { params: lectureParams },
  responses: { 200: jsonContent(LectureSummarySchema, "Counts, stage progress and links."), ...problemResponses(404) },
});

const artifacts = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/artifacts",
  tags,
  summary: "Generated artifacts (inlined in r2 mode, presigned URLs in s3 mode), export records and threads",
  request: {
    params: lectureParams,
    query: z.object({
      artifact_type: optionalId("Only this artifact type.", "summary"),
      preset_id: optionalId("Only artifacts generated with this preset."),
      ...pageQuery,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        lectureId: z.string(),
        artifacts: ArtifactsByTypeSchema,
        artifactRecords: z.array(ArtifactRecordSchema),
        artifactPaths: z.record(z.string(), z.string()),
        artifactDownloadUrls: z.record(z.string(), z.string()),
        exportRecords: z.array(ExportRecordSchema),
        lecture: LectureSchema,
        pagination: PaginationSchema,
      }),
      "The lecture's artifacts.",
    ),
    ...problemResponses(404, 422),
  },
});

function accepted(job: JobRow, deduplicated: boolean, extra: { courseId?: string; presetId?: string } = {}) {
  return {
    jobId: job.id,
    status: job.status,
    jobType: job.job_type,
    ...extra,
    ...(deduplicated ? { deduplicated: true } : {}),
  };
}

const router = createRouter();

// Documented from the schema, handled by hand: the form must stream, not be buffered by a validator.
router.openAPIRegistry.registerPath({
  method: "post",
  path: "/lectures/ingest",
  tags,
  summary: "Upload a lecture recording (or transcript), streamed to storage",
  description:
    "Creates the lecture, or re-ingests it: the new recording replaces the old one and everything derived from it (transcript, artifacts, exports, thread links, jobs) is removed, so progress starts from zero. A lecture stays in its course: an upload naming another course is a 409.",
  request: { body: { content: { "multipart/form-data": { schema: IngestFormSchema } }, required: true } },
  responses: {
    200: jsonContent(IngestResultSchema, "Stored; the course and lecture rows are upserted."),
    ...problemResponses(400, 409, 413, 422),
    415: { description: "Not multipart/form-data." },
  },
});
// The route chain is kept in one expression, so its type carries every route (typed clients).
export const lectureRoutes = router
  .openapi(remove, async (c) => {
    const deleted = await deleteLectureData(c.var.services(), lectureKey(c, c.req.valid("param").lecture_id));
    if (!deleted) throw new ApiError("lecture_not_found");
    return c.body(null, 204);
  })
  .openapi(list, async (c) => {
    const { course_id, limit, offset } = c.req.valid("query");
    const page = { limit, offset };
    const { rows, total } = await listLectures(c.var.services().db, ownerOf(c), { courseId: course_id || undefined }, page);
    return c.json({ lectures: rows.map(lectureOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(get, async (c) => {
    const lecture = await getLecture(c.var.services().db, lectureKey(c, c.req.valid("param").lecture_id));
    if (!lecture) throw new ApiError("lecture_not_found");
    return c.json(lectureOut(lecture), 200);
  })
  .openapi(transcribe, async (c) => {
    const { job, deduplicated } = await startTranscription(c.var.services(), lectureKey(c, c.req.valid("param").lecture_id), c.req.valid("query").model);
    return c.json(accepted(job, deduplicated), 200);
  })
  .openapi(generate, async (c) => {
    const body = c.req.valid("json");
    const started = await startGeneration(c.var.services(), lectureKey(c, c.req.valid("param").lecture_id), {
      courseId: body.course_id,
      presetId: body.preset_id,
      openaiModel: body.openai_model,
    });
    return c.json(accepted(started.job, started.deduplicated, { courseId: started.courseId, presetId: started.presetId }), 200);
  })
  .openapi(exportRoute, async (c) => {
    const { job, deduplicated } = await startExport(c.var.services(), lectureKey(c, c.req.valid("param").lecture_id));
    return c.json(accepted(job, deduplicated), 200);
  })
  .openapi(jobs, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const page = c.req.valid("query");
    const { exists, rows, total } = await listLectureJobs(c.var.services().db, lectureKey(c, lecture_id), page);
    if (!exists) throw new ApiError("lecture_not_found");
    return c.json({ lectureId: lecture_id, jobs: rows.map(jobOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(progress, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const { lecture, latestJobs } = await getLectureProgressData(c.var.services().db, lectureKey(c, lecture_id));
    if (!lecture) throw new ApiError("lecture_not_found");
    return c.json(
      { lectureId: lecture.id, lectureStatus: lecture.status, ...lectureProgress(latestJobs.map(stageJobOut)), links: lectureLinks(lecture.id) },
      200,
    );
  })
  .openapi(summary, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const data = await getLectureSummaryData(c.var.services().db, lectureKey(c, lecture_id));
    if (!data.lecture) throw new ApiError("lecture_not_found");
    const { overallStatus, progressPercent, currentStage, hasFailedStage, stages } = lectureProgress(data.latestJobs.map(stageJobOut));
    return c.json(
      {
        lecture: lectureOut(data.lecture),
        artifactCount: data.artifactTypes.length,
        exportCount: data.exportTypes.length,
        artifactTypes: data.artifactTypes,
        exportTypes: data.exportTypes,
        overallStatus,
        progressPercent,
        currentStage,
        hasFailedStage,
        stages,
        links: { ...lectureLinks(data.lecture.id), exports: exportLinkTemplate(data.lecture.id) },
      },
      200,
    );
  })
  .openapi(artifacts, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const { artifact_type, preset_id, limit, offset } = c.req.valid("query");
    const filter = { artifactType: artifact_type || undefined, presetId: preset_id || undefined };
    const view = await lectureArtifactsView(c.var.services(), lectureKey(c, lecture_id), filter, { limit, offset });
    if (!view) throw new ApiError("lecture_not_found");
    return c.json(view, 200);
  })
  // Documented above from the schema, handled by hand: the form streams, a validator would buffer it.
  .post("/lectures/ingest", async (c) => c.json(await ingestLecture(c.var.services(), ownerOf(c), c.req.raw, c.executionCtx), 200));
