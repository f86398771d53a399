/** Artifact rows (one per lecture and type) and the reads the generation and export stages need. */
import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
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

/** Regeneration replaces the row of each (lecture, type). */
export async function saveArtifactRecords(db: Db, records: ArtifactRecordInput[]) {
  if (records.length === 0) return;
  await db
    .insert(artifacts)
    .values(
      records.map((r) => ({
        id: r.id,
        lecture_id: r.lectureId,
        course_id: r.courseId,
        preset_id: r.presetId,
        artifact_type: r.artifactType,
        storage_path: r.storagePath,
        summary_overview: r.summaryOverview,
        summary_section_count: r.summarySectionCount,
      })),
    )
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
    });
}

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

export async function saveExportRecords(db: Db, lectureId: string, paths: Record<string, string>) {
  const rows = Object.entries(paths).map(([type, path]) => ({
    id: `${lectureId}-${type}`,
    lecture_id: lectureId,
    export_type: type,
    storage_path: path,
  }));
  if (rows.length === 0) return;
  await db
    .insert(lectureExports)
    .values(rows)
    .onConflictDoUpdate({
      target: [lectureExports.lecture_id, lectureExports.export_type],
      set: { storage_path: sql`excluded.storage_path`, created_at: sql`now()` },
    });
}

