/** Export rows: one per (lecture, export type), replaced on re-export. */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { lectureExports, lectures } from "./schema.ts";

export async function getExportForDownload(db: Db, lectureId: string, exportType: string) {
  const [lecture, [row]] = await db.batch([
    db.select({ id: lectures.id }).from(lectures).where(eq(lectures.id, lectureId)),
    db
      .select()
      .from(lectureExports)
      .where(and(eq(lectureExports.lecture_id, lectureId), eq(lectureExports.export_type, exportType))),
  ]);
  return { lectureExists: lecture.length > 0, row: row ?? null };
}

/** The storage paths of the lecture's exports (to delete the files once the rows are gone). */
export const exportPathsOf = (db: Db, lectureId: string) =>
  db.select({ path: lectureExports.storage_path }).from(lectureExports).where(eq(lectureExports.lecture_id, lectureId));

/** Deletes the lecture's export rows when `when` holds (for a batch that decides in SQL). */
export const clearExportsStatement = (db: Db, lectureId: string, when: SQL = sql`true`) =>
  db.delete(lectureExports).where(and(eq(lectureExports.lecture_id, lectureId), when));
