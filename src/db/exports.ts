/** Export rows: one per (lecture, export type), replaced on re-export. */
import { and, eq } from "drizzle-orm";
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
