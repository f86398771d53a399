/**
 * Lecture reads and the ingest write. Reads are one round trip each; ingest is one batch.
 */
import { and, asc, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { PageRequest } from "../lib/pagination.ts";
import type { Db } from "./client.ts";
import { threadDetails } from "./courses.ts";
import { artifactPathsOf, clearArtifactsStatement } from "./artifacts.ts";
import { clearExportsStatement, exportPathsOf } from "./exports.ts";
import { stageJobFields } from "./stage-jobs.ts";
import { artifacts, courses, jobs, lectureExports, lectures, threads } from "./schema.ts";
import { unlinkLectureStatements } from "./threads.ts";
import { clearTranscriptStatement } from "./transcripts.ts";
import { lectureIs, lockLecture, ofLecture, type LectureKey } from "./owner.ts";
import { clearRecordingsStatement } from "./recordings.ts";
import { chunkProgressOf } from "./chunks.ts";

export async function listLectures(db: Db, owner: string, filter: { courseId?: string }, page: PageRequest) {
  const where = and(eq(lectures.owner_id, owner), filter.courseId ? eq(lectures.course_id, filter.courseId) : undefined);
  const [rows, [total]] = await db.batch([
    db.select().from(lectures).where(where).orderBy(desc(lectures.created_at), desc(lectures.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(lectures).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function getLecture(db: Db, key: LectureKey) {
  const [row] = await db.select().from(lectures).where(lectureIs(key));
  return row ?? null;
}

/** The newest job of each stage of one lecture. */
export const latestStageJobs = (db: Db, key: LectureKey) =>
  db
    .selectDistinctOn([jobs.job_type], stageJobFields)
    .from(jobs)
    .where(ofLecture(jobs, key))
    .orderBy(asc(jobs.job_type), desc(jobs.created_at), desc(jobs.id));

/** Chunk counts attached to the jobs they belong to (a chunked transcription's). */
function withChunks<T extends { id: string }>(latestJobs: T[], counts: { job_id: string; done: number; total: number }[]) {
  const byJob = new Map(counts.map((c) => [c.job_id, { done: Number(c.done), total: Number(c.total) }]));
  return latestJobs.map((job) => ({ ...job, chunks: byJob.get(job.id) ?? null }));
}

export async function getLectureProgressData(db: Db, key: LectureKey) {
  const [[lecture], latestJobs, chunkCounts] = await db.batch([
    db.select().from(lectures).where(lectureIs(key)),
    latestStageJobs(db, key),
    chunkProgressOf(db, key),
  ]);
  return { lecture: lecture ?? null, latestJobs: withChunks(latestJobs, chunkCounts) };
}

export async function getLectureSummaryData(db: Db, key: LectureKey) {
  const [[lecture], latestJobsRows, chunkCounts, artifactTypes, exportTypes] = await db.batch([
    db.select().from(lectures).where(lectureIs(key)),
    latestStageJobs(db, key),
    chunkProgressOf(db, key),
    db
      .select({ type: artifacts.artifact_type })
      .from(artifacts)
      .where(ofLecture(artifacts, key))
      .orderBy(asc(artifacts.artifact_type), asc(artifacts.id)),
    db
      .select({ type: lectureExports.export_type })
      .from(lectureExports)
      .where(ofLecture(lectureExports, key))
      .orderBy(asc(lectureExports.export_type), asc(lectureExports.id)),
  ]);
  return {
    lecture: lecture ?? null,
    latestJobs: withChunks(latestJobsRows, chunkCounts),
    artifactTypes: artifactTypes.map((r) => r.type),
    exportTypes: exportTypes.map((r) => r.type),
  };
}

export interface ArtifactFilter {
  artifactType?: string;
  presetId?: string;
}

export async function getLectureArtifactsData(db: Db, key: LectureKey, filter: ArtifactFilter, page: PageRequest) {
  const conditions: SQL[] = [ofLecture(artifacts, key)];
  if (filter.artifactType) conditions.push(eq(artifacts.artifact_type, filter.artifactType));
  if (filter.presetId) conditions.push(eq(artifacts.preset_id, filter.presetId));
  const where = and(...conditions);
  const [[lecture], artifactRows, [total], exportRows, threadRows] = await db.batch([
    db.select().from(lectures).where(lectureIs(key)),
    db.select().from(artifacts).where(where).orderBy(asc(artifacts.artifact_type), asc(artifacts.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(artifacts).where(where),
    db.select().from(lectureExports).where(ofLecture(lectureExports, key)).orderBy(asc(lectureExports.export_type), asc(lectureExports.id)),
    db
      .select({ thread: threads, ...threadDetails })
      .from(threads)
      .where(and(eq(threads.owner_id, key.owner), sql`${threads.lecture_refs} @> ${JSON.stringify([key.lectureId])}::jsonb`))
      .orderBy(desc(threads.created_at), desc(threads.id)),
  ]);
  return { lecture: lecture ?? null, artifactRows, total: total?.n ?? 0, exportRows, threadRows };
}

export async function listLectureJobs(db: Db, key: LectureKey, page: PageRequest) {
  const [lecture, rows, [total]] = await db.batch([
    db.select({ id: lectures.id }).from(lectures).where(lectureIs(key)),
    db.select().from(jobs).where(ofLecture(jobs, key)).orderBy(desc(jobs.created_at), desc(jobs.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(jobs).where(ofLecture(jobs, key)),
  ]);
  return { exists: lecture.length > 0, rows, total: total?.n ?? 0 };
}

export interface IngestRecord {
  courseId: string;
  courseTitle?: string;
  lectureId: string;
  presetId: string;
  title: string;
  durationSec: number;
  sourceType: string;
  audioPath: string;
  originalFilename: string | null;
  contentType: string | null;
  sizeBytes: number;
  checksumSha256: string;
}

/** What a re-ingest replaced: the rows are gone, these objects are referenced by none. */
export interface ReplacedMaterial {
  audioPath: string | null;
  transcriptPath: string | null;
  artifactPaths: string[];
  exportPaths: string[];
  /** The recordings appended after the first (src/db/recordings.ts). */
  recordingPaths: string[];
}

export type IngestOutcome =
  | { saved: true; createdAt: string; replaced: ReplacedMaterial }
  /** The lecture exists in another course (`courseId`): nothing was written. */
  | { saved: false; courseId: string };

/**
 * One transaction. Upserts the course (its title changes only when one is given) and the
 * lecture, and invalidates everything derived from the lecture's previous recording: jobs
 * (active ones are cancelled by deleting them, so progress starts from zero and a consumer still
 * running one writes nothing, see job-guard.ts), transcript segments, artifacts, exports and
 * thread links. A lecture is never moved to another course here: then nothing is written.
 * `alsoWrite` adds the caller's bookkeeping of the upload (the multipart upload row to forget, the
 * tus upload to mark finished) to the same transaction, guarded by `proceed`.
 */
export async function saveIngest(
  db: Db,
  owner: string,
  r: IngestRecord,
  alsoWrite: (proceed: SQL) => BatchItem<"pg">[] = () => [],
): Promise<IngestOutcome> {
  const id = r.lectureId;
  const key: LectureKey = { owner, lectureId: id };
  const givenTitle = r.courseTitle ?? null;
  // A re-ingest replaces everything about the lecture but its creation time.
  const fields = {
    course_id: r.courseId,
    preset_id: r.presetId,
    title: r.title,
    status: "uploaded",
    audio_path: r.audioPath,
    transcript_path: null,
    duration_sec: r.durationSec,
    source_type: r.sourceType,
    original_filename: r.originalFilename,
    content_type: r.contentType,
    size_bytes: r.sizeBytes,
    checksum_sha256: r.checksumSha256,
  };
  // Decided in SQL, as the batch cannot branch: the lecture is new or already in this course.
  const proceed = sql`not exists (select 1 from ${lectures} where ${lectureIs(key)} and ${lectures.course_id} <> ${r.courseId})`;
  const upsertLecture = db
    .insert(lectures)
    .values({ owner_id: owner, id, ...fields })
    .onConflictDoUpdate({ target: [lectures.owner_id, lectures.id], set: { ...fields, updated_at: sql`now()` }, setWhere: sql`${lectures.course_id} = excluded.course_id` })
    .returning({ created_at: lectures.created_at });
  const statements = [
    // Concurrent ingests of one lecture queue here (even for a lecture not created yet), so each
    // reads the previous state only after the one before it committed (READ COMMITTED).
    lockLecture(db, key),
    // First among the writes: a stage saving results holds its job row, so this waits for it
    // and everything it wrote is seen, and deleted, below.
    db.delete(jobs).where(and(ofLecture(jobs, key), proceed)),
    db.select({ course_id: lectures.course_id, audio_path: lectures.audio_path, transcript_path: lectures.transcript_path }).from(lectures).where(lectureIs(key)),
    artifactPathsOf(db, key),
    exportPathsOf(db, key),
    clearTranscriptStatement(db, key, proceed),
    clearRecordingsStatement(db, key, proceed),
    clearArtifactsStatement(db, key, proceed),
    clearExportsStatement(db, key, proceed),
    ...unlinkLectureStatements(db, r.courseId, key, proceed),
    // The course row last but one: concurrent uploads to one course queue on its lock, so it is
    // held for as few statements as possible.
    db
      .insert(courses)
      .select(sql`select ${owner}::text, ${r.courseId}::text, ${r.courseTitle ?? r.courseId}::text, now(), now() where ${proceed}`)
      .onConflictDoUpdate({
        target: [courses.owner_id, courses.id],
        set: {
          title: sql`coalesce(${givenTitle}::text, ${courses.title})`,
          updated_at: sql`case when ${givenTitle}::text is null then ${courses.updated_at} else now() end`,
        },
      }),
    upsertLecture,
    ...alsoWrite(proceed),
  ];
  type Paths = { path: string }[];
  type Previous = { course_id: string; audio_path: string | null; transcript_path: string | null }[];
  const results = (await db.batch(statements as unknown as Parameters<Db["batch"]>[0])) as unknown as unknown[];
  const [previous] = results[2] as Previous;
  const artifactRows = results[3] as Paths;
  const exportRows = results[4] as Paths;
  const recordingRows = results[6] as Paths;
  const [lecture] = results[statements.indexOf(upsertLecture)] as { created_at: string }[];
  // No row back: the lecture is in another course and the upsert's WHERE kept it as it was.
  if (!lecture) return { saved: false, courseId: previous!.course_id };
  return {
    saved: true,
    createdAt: lecture.created_at,
    replaced: {
      audioPath: previous?.audio_path ?? null,
      transcriptPath: previous?.transcript_path ?? null,
      artifactPaths: artifactRows.map((a) => a.path),
      exportPaths: exportRows.map((e) => e.path),
      recordingPaths: recordingRows.map((r) => r.path),
    },
  };
}
