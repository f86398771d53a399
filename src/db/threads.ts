/**
 * Threads: concepts tracked across a course's lectures, with one evolution note and one
 * occurrence per (thread, lecture). Saving a lecture's concepts twice changes nothing.
 */
import { ADVANCED_LEVEL, threadStatus } from "../domain/threads/levels.ts";
import { and, asc, eq, inArray, notInArray, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Db } from "./client.ts";
import { jobGuard, type JobClaim } from "./job-guard.ts";
import type { LectureKey } from "./owner.ts";
import { threadEvolutionNotes, threadOccurrences, threads } from "./schema.ts";

/** The threads of one owner's course. */
const ofCourse = (owner: string, courseId: string) => and(eq(threads.owner_id, owner), eq(threads.course_id, courseId))!;

export const courseThreadsForMatching = (db: Db, owner: string, courseId: string) =>
  db
    .select({ id: threads.id, title: threads.title, titleKey: threads.title_key, summary: threads.summary, lectureRefs: threads.lecture_refs })
    .from(threads)
    .where(ofCourse(owner, courseId))
    .orderBy(asc(threads.created_at), asc(threads.id));

export interface ThreadUpsert {
  /** Used only when the thread is new. */
  newId: string;
  title: string;
  titleKey: string;
  summary: string;
  /** Replace the thread's summary (a model's refined description); otherwise the first one stays. */
  replaceSummary: boolean;
  complexityLevel: number;
  changeType: string;
  note: string;
  evidence: string;
  confidence: number;
  segmentIndex: number | null;
  artifactId: string;
}

/**
 * One batch (one transaction). The lecture's links are replaced: concepts it no longer has lose
 * its note, occurrence and reference (and a thread left with no lecture goes), then every
 * detected concept is upserted. Returns the thread id for each title key. Given the generation
 * job, nothing is written unless that job still runs under the same attempt (see job-guard.ts).
 */
export async function saveLectureThreads(db: Db, courseId: string, key: LectureKey, items: ThreadUpsert[], job?: JobClaim) {
  const { owner, lectureId } = key;
  const { lock, owned } = jobGuard(db, job);
  const keys = items.map((i) => i.titleKey);
  const stale = db
    .select({ id: threads.id })
    .from(threads)
    .where(and(ofCourse(owner, courseId), keys.length ? notInArray(threads.title_key, keys) : undefined));
  const cleanup = [...lock, ...unlinkStatements(db, courseId, key, stale, owned)];
  // A fixed order (by key) keeps concurrent generations of one course from deadlocking.
  const ordered = [...items].sort((a, b) => (a.titleKey < b.titleKey ? -1 : a.titleKey > b.titleKey ? 1 : 0));
  const statements = ordered.flatMap((item) => [
    db
      .insert(threads)
      .select(sql`select ${item.newId}::text, ${owner}::text, ${courseId}::text, ${item.title}::text, ${item.titleKey}::text, ${item.summary}::text,
        ${threadStatus(item.complexityLevel)}::text, ${item.complexityLevel}::int, ${JSON.stringify([lectureId])}::jsonb,
        now(), now()
        where ${owned}`)
      .onConflictDoUpdate({
        target: [threads.owner_id, threads.course_id, threads.title_key],
        set: {
          lecture_refs: sql`(select coalesce(jsonb_agg(distinct r order by r), '[]'::jsonb)
            from jsonb_array_elements_text(${threads.lecture_refs} || excluded.lecture_refs) r)`,
          summary: item.replaceSummary ? sql`excluded.summary` : sql`${threads.summary}`,
          complexity_level: sql`greatest(${threads.complexity_level}, excluded.complexity_level)`,
          status: sql`case when greatest(${threads.complexity_level}, excluded.complexity_level) >= ${ADVANCED_LEVEL} then 'advanced' else ${threads.status} end`,
          updated_at: sql`now()`,
        },
      })
      .returning({ id: threads.id, titleKey: threads.title_key }),
    db
      .insert(threadEvolutionNotes)
      .select(
        db
          .select({
            thread_id: threads.id,
            owner_id: threads.owner_id,
            lecture_id: sql<string>`${lectureId}`.as("lecture_id"),
            change_type: sql<string>`${item.changeType}`.as("change_type"),
            note: sql<string>`${item.note}`.as("note"),
            created_at: sql<string>`now()`.as("created_at"),
          })
          .from(threads)
          .where(and(ofCourse(owner, courseId), eq(threads.title_key, item.titleKey), owned)),
      )
      .onConflictDoUpdate({
        target: [threadEvolutionNotes.thread_id, threadEvolutionNotes.lecture_id],
        set: { change_type: sql`excluded.change_type`, note: sql`excluded.note` },
      }),
    db
      .insert(threadOccurrences)
      .select(
        db
          .select({
            thread_id: threads.id,
            owner_id: threads.owner_id,
            lecture_id: sql<string>`${lectureId}`.as("lecture_id"),
            course_id: sql<string>`${courseId}`.as("course_id"),
            artifact_id: sql<string>`${item.artifactId}`.as("artifact_id"),
            evidence: sql<string>`${item.evidence}`.as("evidence"),
            confidence: sql<number>`${item.confidence}::real`.as("confidence"),
            segment_index: sql<number | null>`${item.segmentIndex}::int`.as("segment_index"),
            captured_at: sql<string>`now()`.as("captured_at"),
          })
          .from(threads)
          .where(and(ofCourse(owner, courseId), eq(threads.title_key, item.titleKey), owned)),
      )
      .onConflictDoUpdate({
        target: [threadOccurrences.thread_id, threadOccurrences.lecture_id],
        set: {
          artifact_id: sql`excluded.artifact_id`,
          evidence: sql`excluded.evidence`,
          confidence: sql`excluded.confidence`,
          segment_index: sql`excluded.segment_index`,
        },
      }),
  ]);
  const all = [...cleanup, ...statements] as unknown as Parameters<Db["batch"]>[0];
  const results = (await db.batch(all)).slice(cleanup.length);
  const ids = new Map<string, string>();
  for (let i = 0; i < results.length; i += 3) {
    const [row] = results[i] as { id: string; titleKey: string }[];
    if (row) ids.set(row.titleKey, row.id);
  }
  return ids;
}

/**
 * Removes the lecture's notes, occurrences and references (only from the threads `only` lists,
 * when given) and deletes the course's threads left with no lecture; all only when `when` holds.
 */
function unlinkStatements(db: Db, courseId: string, key: LectureKey, only: SQLWrapper | undefined, when: SQL) {
  const { owner, lectureId } = key;
  const mentions = sql`${threads.lecture_refs} @> ${JSON.stringify([lectureId])}::jsonb`;
  return [
    db
      .delete(threadEvolutionNotes)
      .where(and(eq(threadEvolutionNotes.owner_id, owner), eq(threadEvolutionNotes.lecture_id, lectureId), only && inArray(threadEvolutionNotes.thread_id, only), when)),
    db
      .delete(threadOccurrences)
      .where(and(eq(threadOccurrences.owner_id, owner), eq(threadOccurrences.lecture_id, lectureId), only && inArray(threadOccurrences.thread_id, only), when)),
    db
      .update(threads)
      .set({ lecture_refs: sql`${threads.lecture_refs} - ${lectureId}::text`, updated_at: sql`now()` })
      .where(and(ofCourse(owner, courseId), only && inArray(threads.id, only), mentions, when)),
    db.delete(threads).where(and(ofCourse(owner, courseId), sql`${threads.lecture_refs} = '[]'::jsonb`, when)),
  ];
}

/** Every thread link of the lecture (a re-ingest), when `when` holds. */
export const unlinkLectureStatements = (db: Db, courseId: string, key: LectureKey, when: SQL = sql`true`) =>
  unlinkStatements(db, courseId, key, undefined, when);
