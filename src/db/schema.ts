/**
 * Postgres schema (drizzle). Lists are ordered newest first with `id` as tie-breaker
 * (`created_at desc, id desc`), which the ascending (…, created_at, id) indexes serve by a
 * backward scan. Column names are the wire names: rows are returned as snake_case.
 * Timestamps are kept as Postgres text (`mode: "string"`) so microseconds survive to the API.
 */
import { sql } from "drizzle-orm";
import { ACTIVE_STATUSES, type JobStatus, type JobType } from "../domain/jobs.ts";
import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });
const createdAt = () => timestamptz("created_at").notNull().defaultNow();
const updatedAt = () => timestamptz("updated_at").notNull().defaultNow();

export const courses = pgTable(
  "courses",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index("courses_created_idx").on(t.created_at, t.id)],
);

export const lectures = pgTable(
  "lectures",
  {
    id: text("id").primaryKey(),
    course_id: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    preset_id: text("preset_id").notNull(),
    title: text("title").notNull(),
    status: text("status").notNull(),
    audio_path: text("audio_path"),
    transcript_path: text("transcript_path"),
    duration_sec: integer("duration_sec").notNull().default(0),
    source_type: text("source_type").notNull().default("upload"),
    original_filename: text("original_filename"),
    content_type: text("content_type"),
    size_bytes: bigint("size_bytes", { mode: "number" }),
    checksum_sha256: text("checksum_sha256"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("lectures_created_idx").on(t.created_at, t.id),
    index("lectures_course_created_idx").on(t.course_id, t.created_at, t.id),
  ],
);


/**
 * "The job is active" as literal SQL: the partial indexes' predicate (drizzle-kit writes it into the
 * migration), which an ON CONFLICT clause must repeat verbatim to use them.
 */
export const activeJob = sql.raw(`status in (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ")})`);

export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    lecture_id: text("lecture_id")
      .notNull()
      .references(() => lectures.id, { onDelete: "cascade" }),
    job_type: text("job_type").$type<JobType>().notNull(),
    status: text("status").$type<JobStatus>().notNull(),
    /** Stage inputs fixed at enqueue time (model, preset, course). */
    params: jsonb("params").$type<Record<string, unknown>>().notNull().default({}),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    attempt: integer("attempt").notNull().default(0),
    max_attempts: integer("max_attempts").notNull().default(4),
    next_attempt_at: timestamptz("next_attempt_at"),
    /** Last time a queue message was sent for this job; the recovery sweep re-sends stale ones. */
    enqueued_at: timestamptz("enqueued_at"),
    /**
     * While running: the consumer holding the claim extends this as it works. Once it passes,
     * the consumer is presumed gone and a redelivery or the sweep may take the job over.
     */
    lease_expires_at: timestamptz("lease_expires_at"),
    replayed_from_job_id: text("replayed_from_job_id"),
    created_at: createdAt(),
    updated_at: updatedAt(),
    started_at: timestamptz("started_at"),
    finished_at: timestamptz("finished_at"),
  },
  (t) => [
    index("jobs_lecture_created_idx").on(t.lecture_id, t.created_at, t.id),
    index("jobs_created_idx").on(t.created_at, t.id),
    index("jobs_status_updated_idx").on(t.status, t.updated_at),
    // The recovery sweep looks only at active jobs: a small partial index keeps an idle sweep cheap.
    index("jobs_active_idx").on(t.status, t.lease_expires_at).where(activeJob),
    // At most one active job per (lecture, stage): enqueue deduplicates on this index.
    uniqueIndex("jobs_active_stage_uq")
      .on(t.lecture_id, t.job_type)
      .where(activeJob),
  ],
);

/** Every message that reached the dead-letter queue, kept for operators. */
export const jobDeadLetters = pgTable(
  "job_dead_letters",
  {
    id: text("id").primaryKey(),
    job_id: text("job_id"),
    queue: text("queue").notNull(),
    message: jsonb("message").notNull(),
    attempts: integer("attempts").notNull(),
    received_at: timestamptz("received_at").notNull().defaultNow(),
  },
  (t) => [index("job_dead_letters_job_idx").on(t.job_id)],
);

export const transcriptSegments = pgTable(
  "transcript_segments",
  {
    lecture_id: text("lecture_id")
      .notNull()
      .references(() => lectures.id, { onDelete: "cascade" }),
    segment_index: integer("segment_index").notNull(),
    start_sec: doublePrecision("start_sec").notNull(),
    end_sec: doublePrecision("end_sec").notNull(),
    text: text("text").notNull(),
  },
  (t) => [primaryKey({ columns: [t.lecture_id, t.segment_index] })],
);

export const artifacts = pgTable(
  "artifacts",
  {
    id: text("id").primaryKey(),
    lecture_id: text("lecture_id")
      .notNull()
      .references(() => lectures.id, { onDelete: "cascade" }),
    course_id: text("course_id").notNull(),
    preset_id: text("preset_id").notNull(),
    artifact_type: text("artifact_type").notNull(),
    storage_path: text("storage_path").notNull(),
    summary_overview: text("summary_overview"),
    summary_section_count: integer("summary_section_count"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("artifacts_lecture_type_uq").on(t.lecture_id, t.artifact_type)],
);

export const lectureExports = pgTable(
  "exports",
  {
    id: text("id").primaryKey(),
    lecture_id: text("lecture_id")
      .notNull()
      .references(() => lectures.id, { onDelete: "cascade" }),
    export_type: text("export_type").notNull(),
    storage_path: text("storage_path").notNull(),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("exports_lecture_type_uq").on(t.lecture_id, t.export_type)],
);

export const threads = pgTable(
  "threads",
  {
    id: text("id").primaryKey(),
    course_id: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    /** Normalised title: concepts are matched to existing threads on it. */
    title_key: text("title_key").notNull(),
    summary: text("summary").notNull(),
    status: text("status").notNull(),
    complexity_level: integer("complexity_level").notNull(),
    lecture_refs: jsonb("lecture_refs").$type<string[]>().notNull().default([]),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("threads_course_created_idx").on(t.course_id, t.created_at, t.id),
    uniqueIndex("threads_course_title_uq").on(t.course_id, t.title_key),
    index("threads_lecture_refs_idx").using("gin", t.lecture_refs),
  ],
);

export const threadEvolutionNotes = pgTable(
  "thread_evolution_notes",
  {
    thread_id: text("thread_id")
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    lecture_id: text("lecture_id")
      .notNull()
      .references(() => lectures.id, { onDelete: "cascade" }),
    change_type: text("change_type").notNull(),
    note: text("note").notNull(),
    created_at: createdAt(),
  },
  // One note per thread and lecture: regenerating a lecture replaces its note.
  (t) => [primaryKey({ columns: [t.thread_id, t.lecture_id] })],
);

export const threadOccurrences = pgTable(
  "thread_occurrences",
  {
    thread_id: text("thread_id")
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    lecture_id: text("lecture_id")
      .notNull()
      .references(() => lectures.id, { onDelete: "cascade" }),
    course_id: text("course_id").notNull(),
    artifact_id: text("artifact_id").notNull(),
    evidence: text("evidence").notNull(),
    confidence: real("confidence").notNull(),
    segment_index: integer("segment_index"),
    captured_at: timestamptz("captured_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.thread_id, t.lecture_id] }),
    index("thread_occurrences_lecture_idx").on(t.lecture_id),
  ],
);

/**
 * Multipart uploads in flight. A row exists from the moment a multipart upload is opened until it
 * is completed or aborted, so an upload whose request died (client gone, Worker stopped) is found
 * and aborted by the recovery sweep instead of leaving parts in the bucket.
 */
export const multipartUploads = pgTable(
  "multipart_uploads",
  {
    key: text("key").notNull(),
    upload_id: text("upload_id").notNull(),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.key, t.upload_id] }), index("multipart_uploads_created_idx").on(t.created_at)],
);
