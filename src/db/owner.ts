/**
 * Owner scoping shared by every query: a lecture is (owner, id), and each row derived from it
 * carries both columns.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "./client.ts";
import { lectures } from "./schema.ts";

export interface LectureKey {
  owner: string;
  lectureId: string;
}

/** The rows of `table` that belong to the lecture `key`. */
export const ofLecture = (table: { owner_id: AnyPgColumn; lecture_id: AnyPgColumn }, key: LectureKey): SQL =>
  and(eq(table.owner_id, key.owner), eq(table.lecture_id, key.lectureId))!;

/** The lecture `key` itself. */
export const lectureIs = (key: LectureKey): SQL => and(eq(lectures.owner_id, key.owner), eq(lectures.id, key.lectureId))!;

/** Namespace of the advisory locks that serialise writes to one lecture (any constant). */
const LECTURE_LOCK = 0x1ec7;

/**
 * First in a batch that replaces or deletes a lecture: concurrent ones queue here (even for a
 * lecture not created yet), so each reads the lecture only after the one before it committed.
 */
export const lockLecture = (db: Db, key: LectureKey) =>
  db.execute(sql`select pg_advisory_xact_lock(${LECTURE_LOCK}::int, hashtext(${key.owner}::text || '/' || ${key.lectureId}::text))`);
