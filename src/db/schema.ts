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
  customType,
  foreignKey,
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
  type AnyPgColumn,
} from "drizzle-orm/pg-core";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });
const createdAt = () => timestamptz("created_at").notNull().defaultNow();
const updatedAt = () => timestamptz("updated_at").notNull().defaultNow();

/**
 * Ownership: courses and lectures are keyed by (owner_id, id), so two owners may both have
 * `lec-001`; everything derived from a lecture carries its owner_id and references the lecture by
 * both columns. Jobs, artifacts, exports and threads have server-made UUIDs but carry the owner
 * too, so every query filters by it directly.
 */
const ownerId = () => text("owner_id").notNull();

export const courses = pgTable(
  "courses",
  {
    owner_id: ownerId(),
    id: text("id").notNull(),
    title: text("title").notNull(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.id] }), index("courses_owner_created_idx").on(t.owner_id, t.created_at, t.id)],
);

export const lectures = pgTable(
  "lectures",
  {
    owner_id: ownerId(),
    id: text("id").notNull(),
    course_id: text("course_id").notNull(),
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
    /** When the retention sweep deleted the raw audio (the transcript and material stay). */
    audio_expired_at: timestamptz("audio_expired_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.owner_id, t.id] }),
    foreignKey({ name: "lectures_course_fk", columns: [t.owner_id, t.course_id], foreignColumns: [courses.owner_id, courses.id] }).onDelete("cascade"),
    index("lectures_owner_created_idx").on(t.owner_id, t.created_at, t.id),
    index("lectures_owner_course_created_idx").on(t.owner_id, t.course_id, t.created_at, t.id),
  ],
);

/** A row derived from a lecture goes with it: (owner_id, lecture_id) references the lecture. */
const lectureRef = (table: string, t: { owner_id: AnyPgColumn; lecture_id: AnyPgColumn }) =>
  foreignKey({ name: `${table}_lecture_fk`, columns: [t.owner_id, t.lecture_id], foreignColumns: [lectures.owner_id, lectures.id] }).onDelete("cascade");

/**
 * "The job is active" as literal SQL: the partial indexes' predicate (drizzle-kit writes it into the
 * migration), which an ON CONFLICT clause must repeat verbatim to use them.
 */
export const activeJob = sql.raw(`status in (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ")})`);

export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
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
    lectureRef("jobs", t),
    index("jobs_owner_lecture_created_idx").on(t.owner_id, t.lecture_id, t.created_at, t.id),
    index("jobs_owner_created_idx").on(t.owner_id, t.created_at, t.id),
    // The admin's view of every owner's jobs.
    index("jobs_created_idx").on(t.created_at, t.id),
    index("jobs_status_updated_idx").on(t.status, t.updated_at),
    // The recovery sweep looks only at active jobs: a small partial index keeps an idle sweep cheap.
    index("jobs_active_idx").on(t.status, t.lease_expires_at).where(activeJob),
    // At most one active job per (lecture, stage): enqueue deduplicates on this index.
    uniqueIndex("jobs_active_stage_uq")
      .on(t.owner_id, t.lecture_id, t.job_type)
      .where(activeJob),
  ],
);

/**
 * The facts a lecture's progress is worked out from, one row per lecture, kept current by the
 * database: at the commit of any change to a lecture's jobs or transcription chunks, a trigger
 * rewrites its row (`pegasus_refresh_lecture_progress`, drizzle/0008_lecture_progress_refresh.sql).
 * Reading a course of 1,000 lectures then reads 1,000 small rows instead of finding every stage's
 * newest job. Only facts are kept; the rules stay in src/domain/progress.ts. A lecture without
 * jobs has no row.
 */
export const lectureProgress = pgTable(
  "lecture_progress",
  {
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    /** The three stages' newest job statuses in pipeline order, space-separated; `-` for none. */
    statuses: text("statuses").notNull(),
    /** The newest of those jobs' updated_at (created_at when that is missing). */
    activity_at: timestamptz("activity_at"),
    /**
     * A JSON array with one entry per stage in pipeline order: null, or the newest job as
     * [id, status, created_at, updated_at, error, chunks done, chunks total].
     */
    stages: text("stages").notNull(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.lecture_id] }), lectureRef("lecture_progress", t)],
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

/**
 * Full-text search: the text configuration every tsvector and tsquery uses (English stemming, so
 * "elastic" finds "elasticity"), and a stored column Postgres computes from the text on every
 * write, so no write path has to maintain the index and no query re-parses the text to rank it.
 */
export const SEARCH_CONFIG = "english";
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
/**
 * GIN without its pending list (fastupdate): rows are written a lecture at a time, where updating
 * the index at once costs little, and a search never scans a list of unindexed entries (up to 4 MB
 * after a bulk insert, which made a rare term's search linear in the course).
 */
const searchIndex = (name: string, column: AnyPgColumn) => index(name).using("gin", column).with({ fastupdate: false });
const searchVector = () => tsvector("search_vector").generatedAlwaysAs(sql.raw(`to_tsvector('${SEARCH_CONFIG}'::regconfig, "text")`));

export const transcriptSegments = pgTable(
  "transcript_segments",
  {
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    segment_index: integer("segment_index").notNull(),
    start_sec: doublePrecision("start_sec").notNull(),
    end_sec: doublePrecision("end_sec").notNull(),
    text: text("text").notNull(),
    search_vector: searchVector(),
  },
  (t) => [
    primaryKey({ columns: [t.owner_id, t.lecture_id, t.segment_index] }),
    lectureRef("transcript_segments", t),
    searchIndex("transcript_segments_search_idx", t.search_vector),
  ],
);

/**
 * Embeddings of transcript segments (semantic search with an OpenAI key), stored as plain
 * `real[]` so PGlite and PostgreSQL without pgvector keep them too; they go with their segment.
 */
export const segmentEmbeddings = pgTable(
  "segment_embeddings",
  {
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    segment_index: integer("segment_index").notNull(),
    model: text("model").notNull(),
    embedding: real("embedding").array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.owner_id, t.lecture_id, t.segment_index] }),
    foreignKey({
      name: "segment_embeddings_segment_fk",
      columns: [t.owner_id, t.lecture_id, t.segment_index],
      foreignColumns: [transcriptSegments.owner_id, transcriptSegments.lecture_id, transcriptSegments.segment_index],
    }).onDelete("cascade"),
  ],
);

export const artifacts = pgTable(
  "artifacts",
  {
    /** `<lecture>-<type>`, unique per owner like the lecture id it is made from. */
    id: text("id").notNull(),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    course_id: text("course_id").notNull(),
    preset_id: text("preset_id").notNull(),
    artifact_type: text("artifact_type").notNull(),
    storage_path: text("storage_path").notNull(),
    summary_overview: text("summary_overview"),
    summary_section_count: integer("summary_section_count"),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.id] }), lectureRef("artifacts", t), uniqueIndex("artifacts_lecture_type_uq").on(t.owner_id, t.lecture_id, t.artifact_type)],
);

/**
 * The searchable items of a lecture's artifacts (a key term, a card, a question, an outline node,
 * a summary section), one row each, with the transcript times they are grounded in. Written with
 * the artifact rows; they go with them (a regenerated, re-ingested or deleted lecture).
 */
export const artifactItems = pgTable(
  "artifact_items",
  {
    owner_id: ownerId(),
    artifact_id: text("artifact_id").notNull(),
    lecture_id: text("lecture_id").notNull(),
    artifact_type: text("artifact_type").notNull(),
    item_index: integer("item_index").notNull(),
    text: text("text").notNull(),
    segment_index: integer("segment_index"),
    start_sec: doublePrecision("start_sec"),
    end_sec: doublePrecision("end_sec"),
    search_vector: searchVector(),
  },
  (t) => [
    primaryKey({ columns: [t.owner_id, t.artifact_id, t.item_index] }),
    foreignKey({ name: "artifact_items_artifact_fk", columns: [t.owner_id, t.artifact_id], foreignColumns: [artifacts.owner_id, artifacts.id] }).onDelete("cascade"),
    index("artifact_items_lecture_idx").on(t.owner_id, t.lecture_id),
    searchIndex("artifact_items_search_idx", t.search_vector),
  ],
);

export const lectureExports = pgTable(
  "exports",
  {
    /** `<lecture>-<type>`, unique per owner like the lecture id it is made from. */
    id: text("id").notNull(),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    export_type: text("export_type").notNull(),
    storage_path: text("storage_path").notNull(),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.id] }), lectureRef("exports", t), uniqueIndex("exports_lecture_type_uq").on(t.owner_id, t.lecture_id, t.export_type)],
);

export const threads = pgTable(
  "threads",
  {
    id: text("id").primaryKey(),
    owner_id: ownerId(),
    course_id: text("course_id").notNull(),
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
    foreignKey({ name: "threads_course_fk", columns: [t.owner_id, t.course_id], foreignColumns: [courses.owner_id, courses.id] }).onDelete("cascade"),
    index("threads_owner_course_created_idx").on(t.owner_id, t.course_id, t.created_at, t.id),
    uniqueIndex("threads_course_title_uq").on(t.owner_id, t.course_id, t.title_key),
    index("threads_lecture_refs_idx").using("gin", t.lecture_refs),
  ],
);

export const threadEvolutionNotes = pgTable(
  "thread_evolution_notes",
  {
    thread_id: text("thread_id")
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    change_type: text("change_type").notNull(),
    note: text("note").notNull(),
    created_at: createdAt(),
  },
  // One note per thread and lecture: regenerating a lecture replaces its note.
  (t) => [primaryKey({ columns: [t.thread_id, t.lecture_id] }), lectureRef("thread_evolution_notes", t)],
);

export const threadOccurrences = pgTable(
  "thread_occurrences",
  {
    thread_id: text("thread_id")
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    course_id: text("course_id").notNull(),
    artifact_id: text("artifact_id").notNull(),
    evidence: text("evidence").notNull(),
    confidence: real("confidence").notNull(),
    segment_index: integer("segment_index"),
    captured_at: timestamptz("captured_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.thread_id, t.lecture_id] }),
    lectureRef("thread_occurrences", t),
    index("thread_occurrences_lecture_idx").on(t.owner_id, t.lecture_id),
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

/**
 * Resumable (tus) uploads in progress, and finished ones until they expire (so HEAD still names
 * the lecture). Bytes go to a multipart upload at `key` in parts of `part_size`; what did not fill
 * a part waits in the object `tail_key`. `upload_offset` = parts * part_size + tail length, and
 * only ever grows by a committed write. `lock_token`/`locked_until` let one PATCH at a time write.
 */
export const tusUploads = pgTable(
  "tus_uploads",
  {
    owner_id: ownerId(),
    id: text("id").notNull(),
    key: text("key").notNull(),
    multipart_upload_id: text("multipart_upload_id"),
    part_size: integer("part_size").notNull(),
    part_etags: jsonb("part_etags").$type<string[]>().notNull().default([]),
    tail_key: text("tail_key"),
    upload_length: bigint("upload_length", { mode: "number" }).notNull(),
    upload_offset: bigint("upload_offset", { mode: "number" }).notNull().default(0),
    /** SHA-256 of the first upload_offset bytes, resumable (src/lib/sha256.ts): no read-back at the end. */
    sha256_state: text("sha256_state"),
    /** The validated ingest fields, file name and type, and `autostart`. */
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull(),
    lock_token: text("lock_token"),
    locked_until: timestamptz("locked_until"),
    expires_at: timestamptz("expires_at").notNull(),
    completed_at: timestamptz("completed_at"),
    lecture_id: text("lecture_id"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.id] }), index("tus_uploads_expires_idx").on(t.expires_at)],
);

/**
 * API keys for servers, scripts and dashboards. Only a SHA-256 hash of the secret is kept; the
 * prefix (the secret's first characters) lets a person recognise a key in a list.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    owner_id: ownerId(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    secret_hash: text("secret_hash").notNull(),
    scopes: jsonb("scopes").$type<string[]>().notNull(),
    created_at: createdAt(),
    last_used_at: timestamptz("last_used_at"),
  },
  (t) => [uniqueIndex("api_keys_secret_hash_uq").on(t.secret_hash), index("api_keys_owner_created_idx").on(t.owner_id, t.created_at, t.id)],
);

/**
 * Idempotency-Key records: the first response to a POST, replayed to its retries for 24 h.
 * `response_status` is null while the first request is still being handled.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    owner_id: ownerId(),
    key: text("key").notNull(),
    /** What identifies "the same request": method, path and a hash of the body. */
    fingerprint: text("fingerprint").notNull(),
    response_status: integer("response_status"),
    response_headers: jsonb("response_headers").$type<Record<string, string>>(),
    response_body: text("response_body"),
    created_at: createdAt(),
    expires_at: timestamptz("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.key] }), index("idempotency_keys_expires_idx").on(t.expires_at)],
);

/**
 * Stored objects whose rows are gone (a deleted lecture or course, expired audio) and that are
 * still to be removed from the bucket. Written in the same transaction that deletes the rows,
 * removed once the object is; the sweep retries what a request could not delete. An entry naming
 * a lecture is dropped instead if that lecture exists again when it comes due (the key is the new
 * lecture's now); entries with a later `not_before` catch what a stage still running during the
 * deletion wrote late.
 */
export const objectDeletions = pgTable(
  "object_deletions",
  {
    path: text("path").notNull(),
    not_before: timestamptz("not_before").notNull().defaultNow(),
    owner_id: text("owner_id"),
    lecture_id: text("lecture_id"),
    attempts: integer("attempts").notNull().default(0),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.path, t.not_before] }), index("object_deletions_due_idx").on(t.not_before)],
);

/**
 * Webhook endpoints (Standard Webhooks), one owner each. The signing secret must be usable to sign,
 * so it cannot be hashed: it is stored encrypted (AES-GCM under WEBHOOK_SECRET_KEY,
 * src/lib/secret-box.ts) and never shown again after creation or rotation. After a rotation the
 * previous secret keeps signing beside the new one until `previous_secret_expires_at`.
 * `failing_since` is the first failed attempt since the last success; an endpoint failing for
 * days is disabled (`disabled_at`, `disabled_reason`).
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    owner_id: ownerId(),
    url: text("url").notNull(),
    description: text("description"),
    events: jsonb("events").$type<string[]>().notNull(),
    secret_sealed: text("secret_sealed").notNull(),
    previous_secret_sealed: text("previous_secret_sealed"),
    previous_secret_expires_at: timestamptz("previous_secret_expires_at"),
    failing_since: timestamptz("failing_since"),
    disabled_at: timestamptz("disabled_at"),
    disabled_reason: text("disabled_reason"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [index("webhook_endpoints_owner_created_idx").on(t.owner_id, t.created_at, t.id)],
);

/**
 * The outbox: events, written in the same transaction as the state change they report (a job's
 * outcome), together with one delivery per subscribed endpoint. `data` is the payload's `data`
 * as of that transaction.
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    /** Also the `webhook-id` header: the same on every attempt of every delivery of this event. */
    id: text("id").primaryKey(),
    owner_id: ownerId(),
    type: text("type").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    created_at: createdAt(),
  },
  (t) => [index("webhook_events_created_idx").on(t.created_at)],
);

/**
 * One event for one endpoint. `next_attempt_at` is when the next attempt is due (null once it
 * succeeded or failed for good); a pending delivery overdue by minutes lost its queue message and
 * is sent again by the sweep. `attempts` lists every attempt (status code, latency, error).
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    owner_id: ownerId(),
    endpoint_id: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    event_id: text("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    event_type: text("event_type").notNull(),
    status: text("status").$type<"pending" | "succeeded" | "failed">().notNull(),
    attempt_count: integer("attempt_count").notNull().default(0),
    next_attempt_at: timestamptz("next_attempt_at"),
    /** While an attempt is under way: another message for the same delivery waits until this passes. */
    lease_expires_at: timestamptz("lease_expires_at"),
    last_status_code: integer("last_status_code"),
    last_error: text("last_error"),
    last_latency_ms: integer("last_latency_ms"),
    attempts: jsonb("attempts").$type<WebhookAttempt[]>().notNull().default([]),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_event_uq").on(t.endpoint_id, t.event_id),
    index("webhook_deliveries_endpoint_created_idx").on(t.endpoint_id, t.created_at, t.id),
    // The sweep looks only at pending deliveries.
    index("webhook_deliveries_pending_idx").on(t.next_attempt_at).where(sql`status = 'pending'`),
  ],
);

export interface WebhookAttempt {
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * Parts of a lecture recorded later (a class split by a break). The lecture's own `audio_path`
 * is recording 1; these are 2, 3, ... in the order they were appended, and transcription
 * concatenates them in that order.
 */
export const lectureRecordings = pgTable(
  "lecture_recordings",
  {
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    /** 2 for the first appended part (the lecture's own recording is 1). */
    position: integer("position").notNull(),
    audio_path: text("audio_path").notNull(),
    original_filename: text("original_filename"),
    content_type: text("content_type"),
    size_bytes: bigint("size_bytes", { mode: "number" }).notNull(),
    checksum_sha256: text("checksum_sha256"),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.owner_id, t.lecture_id, t.position] }), lectureRef("lecture_recordings", t)],
);

/**
 * A long transcription's chunk plan, one row per recording of the job: what `cutChunk` needs
 * (format, header, every chunk's recipe) and where the recording sits on the lecture's clock.
 * Written once by the transcription job; its chunks (below) are the units the queue runs.
 */
export const transcriptionPlans = pgTable(
  "transcription_plans",
  {
    job_id: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    recording: integer("recording").notNull(),
    audio_path: text("audio_path").notNull(),
    size_bytes: bigint("size_bytes", { mode: "number" }).notNull(),
    original_filename: text("original_filename"),
    /** Seconds from the start of the lecture to the start of this recording. */
    offset_sec: doublePrecision("offset_sec").notNull(),
    duration_sec: doublePrecision("duration_sec").notNull(),
    plan: jsonb("plan").notNull(),
    /** The words the chunks are transcribed with (course, lecture and thread titles), worked out once when planning. */
    prompt: text("prompt"),
  },
  (t) => [primaryKey({ columns: [t.job_id, t.recording] })],
);

/**
 * One chunk of a long transcription: its own claim, lease and attempts, so it is retried on its
 * own and a redelivered message or a lapsed consumer never restarts the others. `pending` chunks
 * wait for a free slot (TRANSCRIBE_CONCURRENCY per job); `queued` and `running` ones hold one.
 */
export const transcriptionChunks = pgTable(
  "transcription_chunks",
  {
    job_id: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    owner_id: ownerId(),
    lecture_id: text("lecture_id").notNull(),
    /** Position over all the job's chunks, in lecture order: the unit number on the queue. */
    seq: integer("seq").notNull(),
    recording: integer("recording").notNull(),
    chunk_index: integer("chunk_index").notNull(),
    /** Seconds from the start of the recording, overlap included. */
    start_sec: doublePrecision("start_sec").notNull(),
    end_sec: doublePrecision("end_sec").notNull(),
    status: text("status").$type<"pending" | "queued" | "running" | "completed" | "failed">().notNull().default("pending"),
    attempt: integer("attempt").notNull().default(0),
    max_attempts: integer("max_attempts").notNull(),
    /** Segments with times from the start of the chunk, once transcribed. */
    result: jsonb("result").$type<{ language: string | null; segments: { startSec: number; endSec: number; text: string }[]; model: string }>(),
    error: text("error"),
    enqueued_at: timestamptz("enqueued_at"),
    next_attempt_at: timestamptz("next_attempt_at"),
    lease_expires_at: timestamptz("lease_expires_at"),
    started_at: timestamptz("started_at"),
    finished_at: timestamptz("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.job_id, t.seq] }), index("transcription_chunks_lecture_idx").on(t.owner_id, t.lecture_id)],
);
