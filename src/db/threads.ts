/**
 * Threads: concepts tracked across a course's lectures, with one evolution note and one
 * occurrence per (thread, lecture). Saving a lecture's concepts twice changes nothing.
 */
import { and, asc, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { threadEvolutionNotes, threadOccurrences, threads } from "./schema.ts";

export const courseThreadsForMatching = (db: Db, courseId: string) =>
  db
    .select({ id: threads.id, title: threads.title, titleKey: threads.title_key, summary: threads.summary, lectureRefs: threads.lecture_refs })
    .from(threads)
    .where(eq(threads.course_id, courseId))
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
 * detected concept is upserted. Returns the thread id for each title key.
 */
export async function saveLectureThreads(db: Db, courseId: string, lectureId: string, items: ThreadUpsert[]) {
  const keys = items.map((i) => i.titleKey);
  const stale = db
    .select({ id: threads.id })
    .from(threads)
    .where(and(eq(threads.course_id, courseId), keys.length ? notInArray(threads.title_key, keys) : undefined));
  const mentions = sql`${threads.lecture_refs} @> ${JSON.stringify([lectureId])}::jsonb`;
  const cleanup = [
    db.delete(threadEvolutionNotes).where(and(eq(threadEvolutionNotes.lecture_id, lectureId), inArray(threadEvolutionNotes.thread_id, stale))),
    db.delete(threadOccurrences).where(and(eq(threadOccurrences.lecture_id, lectureId), inArray(threadOccurrences.thread_id, stale))),
    db
      .update(threads)
      .set({ lecture_refs: sql`${threads.lecture_refs} - ${lectureId}::text`, updated_at: sql`now()` })
      .where(and(inArray(threads.id, stale), mentions)),
    db.delete(threads).where(and(eq(threads.course_id, courseId), sql`${threads.lecture_refs} = '[]'::jsonb`)),
  ];
  // A fixed order (by key) keeps concurrent generations of one course from deadlocking.
  const ordered = [...items].sort((a, b) => (a.titleKey < b.titleKey ? -1 : a.titleKey > b.titleKey ? 1 : 0));
  const statements = ordered.flatMap((item) => [
    db
      .insert(threads)
      .values({
        id: item.newId,
        course_id: courseId,
        title: item.title,
        title_key: item.titleKey,
        summary: item.summary,
        status: item.complexityLevel > 2 ? "advanced" : "foundational",
        complexity_level: item.complexityLevel,
        lecture_refs: [lectureId],
      })
      .onConflictDoUpdate({
        target: [threads.course_id, threads.title_key],
        set: {
          lecture_refs: sql`(select coalesce(jsonb_agg(distinct r order by r), '[]'::jsonb)
            from jsonb_array_elements_text(${threads.lecture_refs} || excluded.lecture_refs) r)`,
          summary: item.replaceSummary ? sql`excluded.summary` : sql`${threads.summary}`,
          complexity_level: sql`greatest(${threads.complexity_level}, excluded.complexity_level)`,
          status: sql`case when greatest(${threads.complexity_level}, excluded.complexity_level) > 2 then 'advanced' else ${threads.status} end`,
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
            lecture_id: sql<string>`${lectureId}`.as("lecture_id"),
            change_type: sql<string>`${item.changeType}`.as("change_type"),
            note: sql<string>`${item.note}`.as("note"),
            created_at: sql<string>`now()`.as("created_at"),
          })
          .from(threads)
          .where(and(eq(threads.course_id, courseId), eq(threads.title_key, item.titleKey))),
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
            lecture_id: sql<string>`${lectureId}`.as("lecture_id"),
            course_id: sql<string>`${courseId}`.as("course_id"),
            artifact_id: sql<string>`${item.artifactId}`.as("artifact_id"),
            evidence: sql<string>`${item.evidence}`.as("evidence"),
            confidence: sql<number>`${item.confidence}::real`.as("confidence"),
            segment_index: sql<number | null>`${item.segmentIndex}::int`.as("segment_index"),
            captured_at: sql<string>`now()`.as("captured_at"),
          })
          .from(threads)
          .where(and(eq(threads.course_id, courseId), eq(threads.title_key, item.titleKey))),
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
