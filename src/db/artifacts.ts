/** Artifact rows (one per lecture and type) and the reads the generation and export stages need. */
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { jobGuard, type JobClaim } from "./job-guard.ts";
import { artifacts, courses, lectureExports, lectures, threads } from "./schema.ts";
import { segmentsOf } from "./transcripts.ts";
import { courseThreadsForMatching } from "./threads.ts";

export async function loadGenerationInput(db: Db, lectureId: string, courseId: string) {
  const [[lecture], segments, existingThreads] = await db.batch([
    db.select().from(lectures).where(eq(lectures.id, lectureId)),
    segmentsOf(db, lectureId),
    courseThreadsForMatching(db, courseId),
  ]);
  return { lecture: lecture ?? null, segments, existingThreads };
}

export interface ArtifactRecordInput {
  id: string;
  lectureId: string;
  courseId: string;
  presetId: string;
  artifactType: string;
  storagePath: string;
  summaryOverview: string | null;
  summarySectionCount: number | null;
}

/**
 * Regeneration replaces the row of each (lecture, type). Given the generation job, nothing is
 * written unless that job still runs under the same attempt (see job-guard.ts).
 */
export async function saveArtifactRecords(db: Db, records: ArtifactRecordInput[], job?: JobClaim) {
  if (records.length === 0) return;
  const { lock, owned } = jobGuard(db, job);
  const rows = JSON.stringify(records);
  await db.batch([
    ...lock,
    db
      .insert(artifacts)
      .select(sql`
        select r."id", r."lectureId", r."courseId", r."presetId", r."artifactType", r."storagePath",
          r."summaryOverview", r."summarySectionCount", now()
        from jsonb_to_recordset(${rows}::jsonb) as r("id" text, "lectureId" text, "courseId" text, "presetId" text,
          "artifactType" text, "storagePath" text, "summaryOverview" text, "summarySectionCount" int)
        where ${owned}`)
      .onConflictDoUpdate({
        target: [artifacts.lecture_id, artifacts.artifact_type],
        set: {
          course_id: sql`excluded.course_id`,
          preset_id: sql`excluded.preset_id`,
          storage_path: sql`excluded.storage_path`,
          summary_overview: sql`excluded.summary_overview`,
          summary_section_count: sql`excluded.summary_section_count`,
          created_at: sql`now()`,
        },
      }),
  ] as unknown as Parameters<Db["batch"]>[0]);
}

/** The storage paths of the lecture's artifacts (to delete the objects once the rows are gone). */
export const artifactPathsOf = (db: Db, lectureId: string) =>
  db.select({ path: artifacts.storage_path }).from(artifacts).where(eq(artifacts.lecture_id, lectureId));

/** Deletes the lecture's artifact rows when `when` holds (for a batch that decides in SQL). */
export const clearArtifactsStatement = (db: Db, lectureId: string, when: SQL = sql`true`) =>
  db.delete(artifacts).where(and(eq(artifacts.lecture_id, lectureId), when));

export async function loadExportInput(db: Db, lectureId: string) {
  const [[lecture], artifactRows, threadRows] = await db.batch([
    db
      .select({ lecture: lectures, courseTitle: courses.title })
      .from(lectures)
      .innerJoin(courses, eq(courses.id, lectures.course_id))
      .where(eq(lectures.id, lectureId)),
    db.select().from(artifacts).where(eq(artifacts.lecture_id, lectureId)).orderBy(asc(artifacts.artifact_type)),
    db
      .select()
      .from(threads)
      .where(sql`${threads.lecture_refs} @> ${JSON.stringify([lectureId])}::jsonb`)
      .orderBy(asc(threads.created_at), asc(threads.id)),
  ]);
  return { lecture: lecture ?? null, artifactRows, threadRows };
}

/** Given the export job, nothing is written unless that job still runs under the same attempt. */
export async function saveExportRecords(db: Db, lectureId: string, paths: Record<string, string>, job?: JobClaim) {
  const rows = Object.entries(paths).map(([type, path]) => ({ id: `${lectureId}-${type}`, type, path }));
  if (rows.length === 0) return;
  const { lock, owned } = jobGuard(db, job);
  await db.batch([
    ...lock,
    db
      .insert(lectureExports)
      .select(sql`
        select r.id, ${lectureId}::text, r.type, r.path, now()
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id text, type text, path text)
        where ${owned}`)
      .onConflictDoUpdate({
        target: [lectureExports.lecture_id, lectureExports.export_type],
        set: { storage_path: sql`excluded.storage_path`, created_at: sql`now()` },
      }),
  ] as unknown as Parameters<Db["batch"]>[0]);
}
