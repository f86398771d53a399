/**
 * Lecture reads and the ingest write. Reads are one round trip each; ingest is one batch.
 */
import { and, asc, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { PageRequest } from "../lib/pagination.ts";
import type { Db } from "./client.ts";
import { threadDetails } from "./courses.ts";
import { stageJobFields } from "./stage-jobs.ts";
import { artifacts, courses, jobs, lectureExports, lectures, threads } from "./schema.ts";

export async function listLectures(db: Db, filter: { courseId?: string }, page: PageRequest) {
  const where = filter.courseId ? eq(lectures.course_id, filter.courseId) : undefined;
  const [rows, [total]] = await db.batch([
    db.select().from(lectures).where(where).orderBy(desc(lectures.created_at), desc(lectures.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(lectures).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function getLecture(db: Db, id: string) {
  const [row] = await db.select().from(lectures).where(eq(lectures.id, id));
  return row ?? null;
}

/** The newest job of each stage of one lecture. */
export const latestStageJobs = (db: Db, lectureId: string) =>
  db
    .selectDistinctOn([jobs.job_type], stageJobFields)
    .from(jobs)
    .where(eq(jobs.lecture_id, lectureId))
    .orderBy(asc(jobs.job_type), desc(jobs.created_at), desc(jobs.id));

export async function getLectureProgressData(db: Db, lectureId: string) {
  const [[lecture], latestJobs] = await db.batch([
    db.select().from(lectures).where(eq(lectures.id, lectureId)),
    latestStageJobs(db, lectureId),
  ]);
  return { lecture: lecture ?? null, latestJobs };
}

export async function getLectureSummaryData(db: Db, lectureId: string) {
  const [[lecture], latestJobs, artifactTypes, exportTypes] = await db.batch([
    db.select().from(lectures).where(eq(lectures.id, lectureId)),
    latestStageJobs(db, lectureId),
    db
      .select({ type: artifacts.artifact_type })
      .from(artifacts)
      .where(eq(artifacts.lecture_id, lectureId))
      .orderBy(asc(artifacts.artifact_type), asc(artifacts.id)),
    db
      .select({ type: lectureExports.export_type })
      .from(lectureExports)
      .where(eq(lectureExports.lecture_id, lectureId))
      .orderBy(asc(lectureExports.export_type), asc(lectureExports.id)),
  ]);
  return {
    lecture: lecture ?? null,
    latestJobs,
    artifactTypes: artifactTypes.map((r) => r.type),
    exportTypes: exportTypes.map((r) => r.type),
  };
}

export interface ArtifactFilter {
  artifactType?: string;
  presetId?: string;
}

export async function getLectureArtifactsData(db: Db, lectureId: string, filter: ArtifactFilter, page: PageRequest) {
  const conditions: SQL[] = [eq(artifacts.lecture_id, lectureId)];
  if (filter.artifactType) conditions.push(eq(artifacts.artifact_type, filter.artifactType));
  if (filter.presetId) conditions.push(eq(artifacts.preset_id, filter.presetId));
  const where = and(...conditions);
  const [[lecture], artifactRows, [total], exportRows, threadRows] = await db.batch([
    db.select().from(lectures).where(eq(lectures.id, lectureId)),
    db.select().from(artifacts).where(where).orderBy(asc(artifacts.artifact_type), asc(artifacts.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(artifacts).where(where),
    db.select().from(lectureExports).where(eq(lectureExports.lecture_id, lectureId)).orderBy(asc(lectureExports.export_type), asc(lectureExports.id)),
    db
      .select({ thread: threads, ...threadDetails })
      .from(threads)
      .where(sql`${threads.lecture_refs} @> ${JSON.stringify([lectureId])}::jsonb`)
      .orderBy(desc(threads.created_at), desc(threads.id)),
  ]);
  return { lecture: lecture ?? null, artifactRows, total: total?.n ?? 0, exportRows, threadRows };
}

export async function listLectureJobs(db: Db, lectureId: string, page: PageRequest) {
  const [lecture, rows, [total]] = await db.batch([
    db.select({ id: lectures.id }).from(lectures).where(eq(lectures.id, lectureId)),
    db.select().from(jobs).where(eq(jobs.lecture_id, lectureId)).orderBy(desc(jobs.created_at), desc(jobs.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(jobs).where(eq(jobs.lecture_id, lectureId)),
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

/**
 * Upserts the course (its title changes only when one is given) and the lecture, in one
 * transaction. Returns the lecture's previous audio path, so the caller can delete that object.
 */
export async function saveIngest(db: Db, r: IngestRecord) {
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
  const [, [lecture]] = await db.batch([
    db
      .insert(courses)
      .values({ id: r.courseId, title: r.courseTitle ?? r.courseId })
      .onConflictDoUpdate({
        target: courses.id,
        set: {
          title: sql`coalesce(${givenTitle}::text, ${courses.title})`,
          updated_at: sql`case when ${givenTitle}::text is null then ${courses.updated_at} else now() end`,
        },
      }),
    db
      .insert(lectures)
      .values({ id: r.lectureId, ...fields })
      .onConflictDoUpdate({ target: lectures.id, set: { ...fields, updated_at: sql`now()` } })
      // A sub-select in RETURNING sees the table as it was before this statement.
      .returning({
        id: lectures.id,
        created_at: lectures.created_at,
        previous_audio_path: sql<string | null>`(select l.audio_path from ${lectures} l where l.id = ${r.lectureId})`,
      }),
  ]);
  return { previousAudioPath: lecture?.previous_audio_path ?? null, createdAt: lecture!.created_at };
}
