/**
 * Response schemas shared by the routes: they document the API and type the handlers.
 */
import { z } from "@hono/zod-openapi";
import { ARTIFACT_SCHEMAS } from "../domain/artifacts.ts";
import { JOB_STATUSES, JOB_TYPES } from "../domain/jobs.ts";

const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-26T02:38:20.101644Z" });
const nullableTimestamp = timestamp.nullable();

export const PaginationSchema = z
  .object({
    limit: z.number().int(),
    offset: z.number().int(),
    count: z.number().int(),
    total: z.number().int(),
    hasMore: z.boolean(),
    nextOffset: z.number().int().nullable(),
  })
  .openapi("Pagination");

export const CourseSchema = z
  .object({ id: z.string(), title: z.string(), created_at: timestamp, updated_at: timestamp })
  .openapi("Course");

export const LectureSchema = z
  .object({
    id: z.string().openapi({ example: "lec-001" }),
    course_id: z.string(),
    preset_id: z.string(),
    title: z.string(),
    status: z.string().openapi({ example: "uploaded", description: "uploaded, then transcribed." }),
    audio_path: z.string().nullable().openapi({ example: "r2://pegasus-media/audio/lec-001/0b6f….mp3" }),
    transcript_path: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    duration_sec: z.number().int(),
    source_type: z.string(),
    original_filename: z.string().nullable(),
    content_type: z.string().nullable(),
    size_bytes: z.number().int().nullable(),
    checksum_sha256: z.string().nullable(),
    audio_expired_at: timestamp.nullable().openapi({
      description: "When the recording was deleted under the audio retention policy (PLC_AUDIO_RETENTION_DAYS); the transcript and study material stay.",
    }),
  })
  .openapi("Lecture");

export const JobSchema = z
  .object({
    id: z.string(),
    status: z.enum(JOB_STATUSES),
    jobType: z.enum(JOB_TYPES),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    lectureId: z.string().nullable(),
    attempt: z.number().int().openapi({ description: "Attempts started so far." }),
    maxAttempts: z.number().int(),
    nextAttemptAt: nullableTimestamp.openapi({ description: "When a queued retry is due." }),
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: nullableTimestamp,
    finishedAt: nullableTimestamp,
    replayedFromJobId: z.string().nullable(),
  })
  .openapi("Job");

export const JobAcceptedSchema = z
  .object({
    jobId: z.string(),
    status: z.enum(JOB_STATUSES),
    jobType: z.enum(JOB_TYPES),
    courseId: z.string().optional(),
    presetId: z.string().optional(),
    deduplicated: z.boolean().optional().openapi({ description: "True when an active job of this stage was returned instead of a new one." }),
  })
  .openapi("JobAccepted");

export const ThreadSchema = z
  .object({
    id: z.string(),
    course_id: z.string(),
    title: z.string(),
    summary: z.string(),
    status: z.string(),
    complexity_level: z.number().int(),
    lecture_refs: z.array(z.string()),
    created_at: timestamp,
    updated_at: timestamp,
    evolution_notes: z
      .array(z.object({ lecture_id: z.string(), change_type: z.string(), note: z.string(), created_at: timestamp }))
      .optional(),
    occurrences: z
      .array(
        z.object({
          lecture_id: z.string(),
          artifact_id: z.string(),
          evidence: z.string(),
          confidence: z.number(),
          segment_index: z.number().int().nullable(),
          captured_at: timestamp,
        }),
      )
      .optional(),
  })
  .openapi("Thread");

export const ArtifactRecordSchema = z
  .object({
    id: z.string(),
    lecture_id: z.string(),
    course_id: z.string(),
    preset_id: z.string(),
    artifact_type: z.string(),
    storage_path: z.string(),
    summary_overview: z.string().nullable(),
    summary_section_count: z.number().int().nullable(),
    created_at: timestamp,
  })
  .openapi("ArtifactRecord");

/** The stored artifacts of a lecture by type, as `/lectures/{id}/artifacts` inlines them. */
const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]).optional();

export const ArtifactsByTypeSchema = z
  .object({
    summary: orNull(ARTIFACT_SCHEMAS.summary.meta({ id: "SummaryArtifact" })),
    outline: orNull(ARTIFACT_SCHEMAS.outline.meta({ id: "OutlineArtifact" })),
    "key-terms": orNull(ARTIFACT_SCHEMAS["key-terms"].meta({ id: "KeyTermsArtifact" })),
    flashcards: orNull(ARTIFACT_SCHEMAS.flashcards.meta({ id: "FlashcardsArtifact" })),
    "exam-questions": orNull(ARTIFACT_SCHEMAS["exam-questions"].meta({ id: "ExamQuestionsArtifact" })),
    threads: z.array(ThreadSchema).optional().openapi({ description: "The threads that reference the lecture, when there are any." }),
  })
  .openapi("ArtifactsByType", {
    description: "Artifact JSON by type; null in s3 mode (see artifactDownloadUrls) or when the stored object is unreadable.",
  });

export const ExportRecordSchema = z
  .object({ id: z.string(), lecture_id: z.string(), export_type: z.string(), storage_path: z.string(), created_at: timestamp })
  .openapi("ExportRecord");

const StageSchema = z
  .object({
    status: z.enum(["not_started", ...JOB_STATUSES]),
    jobId: z.string().nullable(),
    createdAt: nullableTimestamp,
    updatedAt: nullableTimestamp,
    error: z.string().nullable(),
    chunks: z
      .object({ done: z.number().int(), total: z.number().int() })
      .optional()
      .openapi({ description: "A transcription in chunks (long audio): chunks transcribed so far and in all." }),
    message: z.string().optional().openapi({ example: "transcription: 7/12 chunks" }),
  })
  .openapi("StageSnapshot");

const StagesSchema = z.object({ transcription: StageSchema, generation: StageSchema, export: StageSchema });
const overallStatus = z.enum(["not_started", "in_progress", "completed", "failed"]);
const currentStage = z.enum([...JOB_TYPES, "completed"]);

export const LectureLinksSchema = z.object({ summary: z.string(), progress: z.string(), artifacts: z.string(), jobs: z.string() });

export const LectureProgressSchema = z
  .object({
    lectureId: z.string(),
    lectureStatus: z.string(),
    overallStatus,
    stageCount: z.number().int(),
    completedStageCount: z.number().int(),
    progressPercent: z.number().int(),
    currentStage,
    hasFailedStage: z.boolean(),
    stages: StagesSchema,
    links: LectureLinksSchema,
  })
  .openapi("LectureProgress");

export const CourseProgressSchema = z
  .object({
    courseId: z.string(),
    overallStatus,
    lectureCount: z.number().int(),
    completedLectureCount: z.number().int(),
    failedLectureCount: z.number().int(),
    inProgressLectureCount: z.number().int(),
    notStartedLectureCount: z.number().int(),
    progressPercent: z.number().int(),
    latestActivityAt: nullableTimestamp,
    lectures: z
      .array(
        LectureProgressSchema.extend({
          stageStatuses: z.object({ transcription: z.string(), generation: z.string(), export: z.string() }),
        }),
      )
      .optional()
      .openapi({ description: "Absent when include_lectures=false." }),
  })
  .openapi("CourseProgress");

export const LectureSummarySchema = z
  .object({
    lecture: LectureSchema,
    artifactCount: z.number().int(),
    exportCount: z.number().int(),
    artifactTypes: z.array(z.string()),
    exportTypes: z.array(z.string()),
    overallStatus,
    progressPercent: z.number().int(),
    currentStage,
    hasFailedStage: z.boolean(),
    stages: StagesSchema,
    links: LectureLinksSchema.extend({ exports: z.string().openapi({ example: "/exports/lec-001/{export_type}" }) }),
  })
  .openapi("LectureSummary");
