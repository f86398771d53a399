/** Artifact rows (one per lecture and type) and the reads the generation and export stages need. */
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { jobGuard, type JobClaim } from "./job-guard.ts";
import { lectureIs, ofLecture, type LectureKey } from "./owner.ts";
import type { SearchableItem } from "../domain/search/items.ts";
import { artifactItems, artifacts, courses, lectureExports, lectures, threads } from "./schema.ts";
import { segmentsOf } from "./transcripts.ts";
import { courseThreadsForMatching } from "./threads.ts";

export async function loadGenerationInput(db: Db, key: LectureKey, courseId: string) {
  const [[lecture], segments, existingThreads] = await db.batch([
    db.select().from(lectures).where(lectureIs(key)),
    segmentsOf(db, key),
    courseThreadsForMatching(db, key.owner, courseId),
  ]);
  return { lecture: lecture ?? null, segments, existingThreads };
}

export interface ArtifactRecordInput {
  id: string;
  ownerId: string;
  lectureId: string;
  courseId: string;
  presetId: string;
  artifactType: string;
  storagePath: string;
  summaryOverview: string | null;
  summarySectionCount: number | null;
}

/**
 * Regeneration replaces the row of each (lecture, type), and the searchable items of those
 * artifacts with `items`. Given the generation job, nothing is written unless that job still
 * runs under the same attempt (see job-guard.ts).
 */
export async function saveArtifactRecords(db: Db, records: ArtifactRecordInput[], job?: JobClaim, items: readonly SearchableItem[] = []) {
  if (records.length === 0) return;
  const { lock, owned } = jobGuard(db, job);
  const rows = JSON.stringify(records);
  const { ownerId, lectureId } = records[0]!;
  const itemRows = JSON.stringify(
    items.map((i) => ({ a: `${lectureId}-${i.artifactType}`, t: i.artifactType, n: i.itemIndex, x: i.text, s: i.segmentIndex, b: i.startSec, e: i.endSec })),
  );
  await db.batch([
    ...lock,
    db
      .insert(artifacts)
      .select(sql`
        select r."id", r."ownerId", r."lectureId", r."courseId", r."presetId", r."artifactType", r."storagePath",
          r."summaryOverview", r."summarySectionCount", now()
        from jsonb_to_recordset(${rows}::jsonb) as r("id" text, "ownerId" text, "lectureId" text, "courseId" text, "presetId" text,
          "artifactType" text, "storagePath" text, "summaryOverview" text, "summarySectionCount" int)
        where ${owned}`)
      .onConflictDoUpdate({
        target: [artifacts.owner_id, artifacts.lecture_id, artifacts.artifact_type],
        set: {
          course_id: sql`excluded.course_id`,
          preset_id: sql`excluded.preset_id`,
          storage_path: sql`excluded.storage_path`,
          summary_overview: sql`excluded.summary_overview`,
          summary_section_count: sql`excluded.summary_section_count`,
          created_at: sql`now()`,
        },
      }),
    db
      .delete(artifactItems)
      .where(
        and(
          eq(artifactItems.owner_id, ownerId),
          eq(artifactItems.lecture_id, lectureId),
          inArray(artifactItems.artifact_type, records.map((r) => r.artifactType)),
          owned,
        ),
      ),
    db.insert(artifactItems).select(sql`
      select ${ownerId}::text, r.a, ${lectureId}::text, r.t, r.n, r.x, r.s, r.b, r.e
      from jsonb_to_recordset(${itemRows}::jsonb) as r(a text, t text, n int, x text, s int, b float8, e float8)
      where ${owned}`),
  ] as unknown as Parameters<Db["batch"]>[0]);
}

/** The storage paths of the lecture's artifacts (to delete the objects once the rows are gone). */
export const artifactPathsOf = (db: Db, key: LectureKey) =>
  db.select({ path: artifacts.storage_path }).from(artifacts).where(ofLecture(artifacts, key));

/** Deletes the lecture's artifact rows when `when` holds (for a batch that decides in SQL). */
export const clearArtifactsStatement = (db: Db, key: LectureKey, when: SQL = sql`true`) =>
  db.delete(artifacts).where(and(ofLecture(artifacts, key), when));

export async function loadExportInput(db: Db, key: LectureKey) {
  const [[lecture], artifactRows, threadRows] = await db.batch([
    db
      .select({ lecture: lectures, courseTitle: courses.title })
      .from(lectures)
      .innerJoin(courses, and(eq(courses.owner_id, lectures.owner_id), eq(courses.id, lectures.course_id)))
      .where(lectureIs(key)),
    db.select().from(artifacts).where(ofLecture(artifacts, key)).orderBy(asc(artifacts.artifact_type)),
    db
      .select()
      .from(threads)
      .where(and(eq(threads.owner_id, key.owner), sql`${threads.lecture_refs} @> ${JSON.stringify([key.lectureId])}::jsonb`))
      .orderBy(asc(threads.created_at), asc(threads.id)),
  ]);
  return { lecture: lecture ?? null, artifactRows, threadRows };
}

/** Given the export job, nothing is written unless that job still runs under the same attempt. */
export async function saveExportRecords(db: Db, key: LectureKey, paths: Record<string, string>, job?: JobClaim) {
  const rows = Object.entries(paths).map(([type, path]) => ({ id: `${key.lectureId}-${type}`, type, path }));
  if (rows.length === 0) return;
  const { lock, owned } = jobGuard(db, job);
  await db.batch([
    ...lock,
    db
      .insert(lectureExports)
      .select(sql`
        select r.id, ${key.owner}::text, ${key.lectureId}::text, r.type, r.path, now()
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id text, type text, path text)
        where ${owned}`)
      .onConflictDoUpdate({
        target: [lectureExports.owner_id, lectureExports.lecture_id, lectureExports.export_type],
        set: { storage_path: sql`excluded.storage_path`, created_at: sql`now()` },
      }),
  ] as unknown as Parameters<Db["batch"]>[0]);
}
