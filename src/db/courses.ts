/**
 * Course reads. Each function is one round trip (a single statement or one batch).
 */
import { and, asc, count, desc, eq, sql } from "drizzle-orm";
import type { PageRequest } from "../lib/pagination.ts";
import type { Db } from "./client.ts";
import { courses, lectures, threadEvolutionNotes, threadOccurrences, threads } from "./schema.ts";
import type { EvolutionNoteRow, OccurrenceRow } from "./rows.ts";

const courseIs = (owner: string, id: string) => and(eq(courses.owner_id, owner), eq(courses.id, id));

export async function listCourses(db: Db, owner: string, page: PageRequest) {
  const mine = eq(courses.owner_id, owner);
  const [rows, [total]] = await db.batch([
    db.select().from(courses).where(mine).orderBy(desc(courses.created_at), desc(courses.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(courses).where(mine),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function getCourse(db: Db, owner: string, id: string) {
  const [row] = await db.select().from(courses).where(courseIs(owner, id));
  return row ?? null;
}

export async function listCourseLectures(db: Db, owner: string, courseId: string, page: PageRequest) {
  const ofCourse = and(eq(lectures.owner_id, owner), eq(lectures.course_id, courseId));
  const [course, rows, [total]] = await db.batch([
    db.select({ id: courses.id }).from(courses).where(courseIs(owner, courseId)),
    db.select().from(lectures).where(ofCourse).orderBy(desc(lectures.created_at), desc(lectures.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(lectures).where(ofCourse),
  ]);
  return { exists: course.length > 0, rows, total: total?.n ?? 0 };
}

/** Evolution notes and occurrences ride along as JSON, so a thread list is still one statement. */
export const threadDetails = {
  evolution_notes: sql<EvolutionNoteRow[]>`coalesce((
    select json_agg(json_build_object(
      'lecture_id', n.lecture_id, 'change_type', n.change_type, 'note', n.note,
      'created_at', to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
      order by n.created_at, n.lecture_id)
    from ${threadEvolutionNotes} n where n.thread_id = ${threads.id}), '[]'::json)`,
  occurrences: sql<OccurrenceRow[]>`coalesce((
    select json_agg(json_build_object(
      'lecture_id', o.lecture_id, 'artifact_id', o.artifact_id, 'evidence', o.evidence,
      'confidence', o.confidence, 'segment_index', o.segment_index,
      'captured_at', to_char(o.captured_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
      order by o.captured_at, o.lecture_id)
    from ${threadOccurrences} o where o.thread_id = ${threads.id}), '[]'::json)`,
};

export async function listCourseThreads(db: Db, owner: string, courseId: string, page: PageRequest) {
  const ofCourse = and(eq(threads.owner_id, owner), eq(threads.course_id, courseId));
  const [course, rows, [total]] = await db.batch([
    db.select({ id: courses.id }).from(courses).where(courseIs(owner, courseId)),
    db
      .select({ thread: threads, ...threadDetails })
      .from(threads)
      .where(ofCourse)
      .orderBy(desc(threads.created_at), desc(threads.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(threads).where(ofCourse),
  ]);
  return { exists: course.length > 0, rows, total: total?.n ?? 0 };
}

/** The course's title and its thread titles, oldest first: words a recording of it likely contains. */
export async function courseVocabulary(db: Db, owner: string, courseId: string, maxThreads = 40) {
  const [course, rows] = await db.batch([
    db.select({ title: courses.title }).from(courses).where(courseIs(owner, courseId)),
    db
      .select({ title: threads.title })
      .from(threads)
      .where(and(eq(threads.owner_id, owner), eq(threads.course_id, courseId)))
      .orderBy(asc(threads.created_at), asc(threads.id))
      .limit(maxThreads),
  ]);
  return { courseTitle: course[0]?.title ?? null, threadTitles: rows.map((r) => r.title) };
}
