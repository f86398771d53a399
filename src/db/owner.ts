/**
 * Owner scoping shared by every query: a lecture is (owner, id), and each row derived from it
 * carries both columns.
 */
import { and, eq, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

export interface LectureKey {
  owner: string;
  lectureId: string;
}

/** The rows of `table` that belong to the lecture `key`. */
export const ofLecture = (table: { owner_id: AnyPgColumn; lecture_id: AnyPgColumn }, key: LectureKey): SQL =>
  and(eq(table.owner_id, key.owner), eq(table.lecture_id, key.lectureId))!;
