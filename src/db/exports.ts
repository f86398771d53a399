/** Export rows: one per (lecture, export type), replaced on re-export. */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { lectureIs, ofLecture, type LectureKey } from "./owner.ts";
import { lectureExports, lectures } from "./schema.ts";

export async function getExportForDownload(db: Db, key: LectureKey, exportType: string) {
  const [lecture, [row]] = await db.batch([
    db.select({ id: lectures.id }).from(lectures).where(lectureIs(key)),
    db
      .select()
      .from(lectureExports)
      .where(and(ofLecture(lectureExports, key), eq(lectureExports.export_type, exportType))),
  ]);
  return { lectureExists: lecture.length > 0, row: row ?? null };
}

/** The storage paths of the lecture's exports (to delete the files once the rows are gone). */
export const exportPathsOf = (db: Db, key: LectureKey) =>
  db.select({ path: lectureExports.storage_path }).from(lectureExports).where(ofLecture(lectureExports, key));

/** Deletes the lecture's export rows when `when` holds (for a batch that decides in SQL). */
export const clearExportsStatement = (db: Db, key: LectureKey, when: SQL = sql`true`) =>
  db.delete(lectureExports).where(and(ofLecture(lectureExports, key), when));
