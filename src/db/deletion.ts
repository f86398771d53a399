/**
 * Deleting a student's data: a lecture or a whole course, and raw audio past its retention. Each
 * is one transaction that removes the rows and, in the same breath, lists every object they
 * pointed at in `object_deletions`, so no row ever points at a deleted object and no object is
 * forgotten when the bucket is unavailable (the sweep retries).
 */
import { and, asc, eq, inArray, lte, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { lectureIs, lockLecture, type LectureKey } from "./owner.ts";
import { artifacts, courses, lectureExports, lectureRecordings, lectures, objectDeletions, threads, jobs } from "./schema.ts";

export interface DeletionPlan {
  /**
   * Storage URIs of the objects a lecture's pipeline writes at keys derived from its id, with
   * `placeholder` standing for the id (see src/pipeline/keys.ts).
   */
  derivedUris: string[];
  placeholder: string;
  /** How long a stage that was running during the deletion may still write (lease + stage timeout). */
  lateWritesSec: number;
}

/**
 * The objects of the lectures `which` selects: those their rows point at, and the ones derived
 * from their ids, listed for deletion now; the derived ones listed once more for after
 * `lateWritesSec`. Every entry but the audio (a key of its own per upload) names its lecture: keys
 * derived from an id are shared with a lecture created again under that id, whose objects the
 * sweep must then leave alone.
 */
function listObjects(db: Db, owner: string, which: SQL, plan: DeletionPlan) {
  const chosen = sql`select ${lectures.id} as id from ${lectures} where ${lectures.owner_id} = ${owner} and ${which}`;
  const templates = sql`jsonb_array_elements_text(${JSON.stringify(plan.derivedUris)}::jsonb)`;
  return [
    db.execute(sql`
      insert into ${objectDeletions} (path)
      select l.audio_path from ${lectures} l where l.owner_id = ${owner} and l.id in (${chosen}) and l.audio_path is not null
      union all select r.audio_path from ${lectureRecordings} r where r.owner_id = ${owner} and r.lecture_id in (${chosen})
      on conflict do nothing`),
    db.execute(sql`
      insert into ${objectDeletions} (path, owner_id, lecture_id)
      select distinct p, ${owner}::text, id from (
        select l.transcript_path as p, l.id from ${lectures} l where l.owner_id = ${owner} and l.id in (${chosen})
        union all select a.storage_path, a.lecture_id from ${artifacts} a where a.owner_id = ${owner} and a.lecture_id in (${chosen})
        union all select e.storage_path, e.lecture_id from ${lectureExports} e where e.owner_id = ${owner} and e.lecture_id in (${chosen})
        union all select replace(t, ${plan.placeholder}, c.id), c.id from (${chosen}) c, ${templates} t
      ) paths where p is not null
      on conflict do nothing`),
    db.execute(sql`
      insert into ${objectDeletions} (path, not_before, owner_id, lecture_id)
      select replace(t, ${plan.placeholder}, c.id), now() + make_interval(secs => ${plan.lateWritesSec}), ${owner}::text, c.id
      from (${chosen}) c, ${templates} t
      on conflict do nothing`),
  ];
}

/**
 * Removes the lecture and everything derived from it: its jobs (a consumer still running one then
 * writes nothing, see job-guard.ts), transcript, artifacts, exports and thread links (threads left
 * without a lecture go too). False when the caller has no such lecture.
 */
export async function deleteLecture(db: Db, key: LectureKey, plan: DeletionPlan): Promise<boolean> {
  const { owner, lectureId } = key;
  const mentions = sql`${threads.lecture_refs} @> ${JSON.stringify([lectureId])}::jsonb`;
  const results = await db.batch([
    // Serialised with ingests of the same lecture (lectures.ts).
    lockLecture(db, key),
    // The jobs first, as a re-ingest does: a stage saving results holds its job row, so this waits for it.
    db.delete(jobs).where(and(eq(jobs.owner_id, owner), eq(jobs.lecture_id, lectureId))),
    ...listObjects(db, owner, sql`${lectures.id} = ${lectureId}`, plan),
    db
      .update(threads)
      .set({ lecture_refs: sql`${threads.lecture_refs} - ${lectureId}::text`, updated_at: sql`now()` })
      .where(and(eq(threads.owner_id, owner), mentions)),
    db.delete(threads).where(and(eq(threads.owner_id, owner), sql`${threads.lecture_refs} = '[]'::jsonb`)),
    // Transcript segments, artifacts, exports, notes and occurrences go with it (foreign keys).
    db.delete(lectures).where(lectureIs(key)).returning({ id: lectures.id }),
  ] as unknown as Parameters<Db["batch"]>[0]);
  return (results.at(-1) as { id: string }[]).length > 0;
}

/** Removes the course, all its lectures and threads, as `deleteLecture` does for each lecture. */
export async function deleteCourse(db: Db, owner: string, courseId: string, plan: DeletionPlan): Promise<boolean> {
  const inCourse = sql`${lectures.course_id} = ${courseId}`;
  const results = await db.batch([
    // Lock the course first: an ingest into it waits, or commits first and is deleted with it.
    db.select({ id: courses.id }).from(courses).where(and(eq(courses.owner_id, owner), eq(courses.id, courseId))).for("update"),
    db
      .delete(jobs)
      .where(
        and(
          eq(jobs.owner_id, owner),
          inArray(jobs.lecture_id, db.select({ id: lectures.id }).from(lectures).where(and(eq(lectures.owner_id, owner), inCourse))),
        ),
      ),
    ...listObjects(db, owner, inCourse, plan),
    // Lectures, threads and everything below them go with the course (foreign keys).
    db.delete(courses).where(and(eq(courses.owner_id, owner), eq(courses.id, courseId))).returning({ id: courses.id }),
  ] as unknown as Parameters<Db["batch"]>[0]);
  return (results.at(-1) as { id: string }[]).length > 0;
}

/**
 * Raw audio of lectures whose transcription finished more than `days` ago: the row forgets the
 * recording (transcript and material stay) and the object is listed for deletion. At most
 * `limit` lectures per call.
 */
export async function expireAudio(db: Db, days: number, limit: number): Promise<number> {
  const { rows } = (await db.execute(sql`
    with due as (
      select l.owner_id, l.id, l.audio_path from ${lectures} l
      where l.audio_path is not null and l.transcript_path is not null
        and exists (
          select 1 from ${jobs} j
          where j.owner_id = l.owner_id and j.lecture_id = l.id and j.job_type = 'transcription' and j.status = 'completed'
            and j.finished_at < now() - make_interval(days => ${days}))
      order by l.updated_at
      limit ${limit}
      for update of l skip locked
    ), appended as (
      delete from ${lectureRecordings} r using due where r.owner_id = due.owner_id and r.lecture_id = due.id returning r.audio_path
    ), listed as (
      insert into ${objectDeletions} (path) select audio_path from due union all select audio_path from appended on conflict do nothing
    )
    update ${lectures} l set audio_path = null, audio_expired_at = now(), updated_at = now()
    from due where l.owner_id = due.owner_id and l.id = due.id
    returning l.id
  `)) as unknown as { rows: { id: string }[] };
  return rows.length;
}

export interface DueDeletion {
  path: string;
  not_before: string;
}

/**
 * The objects due for deletion, oldest first, and whether others wait for later. Entries waiting
 * for late writes of a lecture that exists again are dropped on the way: the objects are that
 * lecture's now.
 */
export async function dueObjectDeletions(db: Db, limit: number): Promise<{ due: DueDeletion[]; waiting: boolean }> {
  const [, due, [later]] = await db.batch([
    db.execute(sql`
      delete from ${objectDeletions} d
      where d.not_before <= now() and d.lecture_id is not null
        and exists (select 1 from ${lectures} l where l.owner_id = d.owner_id and l.id = d.lecture_id)`),
    db
      .select({ path: objectDeletions.path, not_before: objectDeletions.not_before })
      .from(objectDeletions)
      .where(lte(objectDeletions.not_before, sql`now()`))
      .orderBy(asc(objectDeletions.not_before))
      .limit(limit),
    db.select({ yes: sql<boolean>`exists (select 1 from ${objectDeletions} where ${objectDeletions.not_before} > now())` }).from(sql`(select 1) as one`),
  ]);
  return { due, waiting: later?.yes ?? false };
}

/** Done: the objects are gone. Failed: counted, for the logs and for operators. */
export async function settleObjectDeletions(db: Db, done: DueDeletion[], failed: DueDeletion[]) {
  const matches = (list: DueDeletion[]) =>
    sql`(${objectDeletions.path}, ${objectDeletions.not_before}) in (select p, n::timestamptz from jsonb_to_recordset(${JSON.stringify(list.map((d) => ({ p: d.path, n: d.not_before })))}::jsonb) as r(p text, n text))`;
  const statements = [
    ...(done.length ? [db.delete(objectDeletions).where(matches(done))] : []),
    ...(failed.length ? [db.update(objectDeletions).set({ attempts: sql`${objectDeletions.attempts} + 1` }).where(matches(failed))] : []),
  ];
  if (statements.length) await db.batch(statements as unknown as Parameters<Db["batch"]>[0]);
}
