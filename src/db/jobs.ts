/**
 * Job rows: the source of truth for job status. Every state change is one conditional statement,
 * so concurrent or duplicate queue deliveries cannot both win.
 */
import { and, count, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { PageRequest } from "../lib/pagination.ts";
import type { Db } from "./client.ts";
import { claimHeld } from "./job-guard.ts";
import type { JobRow } from "./rows.ts";
import { ACTIVE_STATUSES, PREREQUISITE, type JobStatus, type JobType } from "../domain/jobs.ts";
import { activeJob, jobDeadLetters, jobs, lectures } from "./schema.ts";

const isActive = () => inArray(jobs.status, [...ACTIVE_STATUSES]);

/** Job ids are global; `owner` null (an admin's view) finds any owner's job. */
const ofOwner = (owner: string | null) => (owner === null ? undefined : eq(jobs.owner_id, owner));

export async function getJob(db: Db, id: string, owner: string | null): Promise<JobRow | null> {
  const [row] = await db.select().from(jobs).where(and(eq(jobs.id, id), ofOwner(owner)));
  return row ?? null;
}

export interface JobFilter {
  status?: JobStatus;
  jobType?: JobType;
  lectureId?: string;
  courseId?: string;
}

export async function listJobs(db: Db, owner: string | null, filter: JobFilter, page: PageRequest) {
  const conditions: SQL[] = [];
  if (owner !== null) conditions.push(eq(jobs.owner_id, owner));
  if (filter.status) conditions.push(eq(jobs.status, filter.status));
  if (filter.jobType) conditions.push(eq(jobs.job_type, filter.jobType));
  if (filter.lectureId) conditions.push(eq(jobs.lecture_id, filter.lectureId));
  if (filter.courseId)
    conditions.push(
      sql`(${jobs.owner_id}, ${jobs.lecture_id}) in (select ${lectures.owner_id}, ${lectures.id} from ${lectures} where ${and(eq(lectures.course_id, filter.courseId), owner === null ? undefined : eq(lectures.owner_id, owner))})`,
    );
  const where = conditions.length ? and(...conditions) : undefined;
  const [rows, [total]] = await db.batch([
    db.select().from(jobs).where(where).orderBy(desc(jobs.created_at), desc(jobs.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(jobs).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export interface NewJob {
  id: string;
  ownerId: string;
  lectureId: string;
  jobType: JobType;
  params: Record<string, unknown>;
  maxAttempts: number;
  replayedFromJobId?: string;
  /** False in inline mode: no queue message will be sent. */
  enqueued: boolean;
}

/**
 * Inserts a queued job unless the lecture already has an active (queued or running) job for the
 * same stage; then that job is returned with `deduplicated: true`. One statement: the partial
 * unique index on (lecture_id, job_type) decides, even under concurrency.
 */
export async function createJobOrGetActive(db: Db, job: NewJob): Promise<{ job: JobRow; deduplicated: boolean }> {
  for (let tries = 0; tries < 3; tries++) {
    const inserted = await db
      .insert(jobs)
      .values({
        id: job.id,
        owner_id: job.ownerId,
        lecture_id: job.lectureId,
        job_type: job.jobType,
        status: "queued",
        params: job.params,
        max_attempts: job.maxAttempts,
        replayed_from_job_id: job.replayedFromJobId ?? null,
        enqueued_at: job.enqueued ? sql`now()` : null,
      })
      .onConflictDoNothing({
        target: [jobs.owner_id, jobs.lecture_id, jobs.job_type],
        where: activeJob,
      })
      .returning();
    if (inserted[0]) return { job: inserted[0], deduplicated: false };
    const [active] = await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.owner_id, job.ownerId), eq(jobs.lecture_id, job.lectureId), eq(jobs.job_type, job.jobType), isActive()));
    if (active) return { job: active, deduplicated: true };
    // The active job finished between the two statements: try the insert again.
  }
  throw new Error("could not create or find an active job");
}

/** SQL for the prerequisite stage of a job type (null for a stage that has none). */
const prerequisiteStage = (jobType: SQL) =>
  sql`case ${jobType} ${sql.join(
    Object.entries(PREREQUISITE).map(([stage, before]) => sql`when ${stage}::text then ${before}::text`),
    sql` `,
  )} end`;

export type ClaimResult =
  | { outcome: "claimed"; job: JobRow }
  | { outcome: "waiting"; prerequisite: JobType }
  | { outcome: "not_queued"; status: JobStatus | null };

/**
 * Atomically moves a job to running (one attempt spent) under a fresh lease: a queued job, or a
 * running one whose lease has expired (its consumer is gone: the job is taken over). Nothing
 * changes while the prerequisite stage has a queued or running job; the caller re-delivers later.
 */
export async function claimJob(db: Db, jobId: string, leaseSec: number, respectPrerequisites = true): Promise<ClaimResult> {
  const rows = (await db.execute(sql`
    with target as (
      select id, owner_id, lecture_id, job_type, status, attempt, max_attempts, lease_expires_at from ${jobs} where id = ${jobId}
    ), claimable as (
      select (t.status = 'queued' or (t.status = 'running' and t.lease_expires_at < now() and t.attempt < t.max_attempts)) as yes
      from target t
    ), prerequisite as (
      select p.status from ${jobs} p, target t
      where p.owner_id = t.owner_id and p.lecture_id = t.lecture_id
        and p.job_type = ${prerequisiteStage(sql`t.job_type`)}
      order by p.created_at desc, p.id desc
      limit 1
    ), waiting as (
      select ${respectPrerequisites} and coalesce((select status from prerequisite) in (${sql.join(ACTIVE_STATUSES.map((s) => sql`${s}`), sql`, `)}), false) as yes
    ), claimed as (
      update ${jobs} set status = 'running', attempt = ${jobs.attempt} + 1, started_at = now(), updated_at = now(),
        next_attempt_at = null, lease_expires_at = now() + make_interval(secs => ${leaseSec})
      where id = ${jobId}
        and (status = 'queued' or (status = 'running' and lease_expires_at < now() and attempt < max_attempts))
        and not (select yes from waiting)
      returning *
    )
    select t.status as current_status, t.job_type as target_type, (select yes from waiting) as waiting,
      (select yes from claimable) as claimable,
      c.id, c.owner_id, c.lecture_id, c.job_type, c.status, c.params, c.result, c.error, c.attempt, c.max_attempts,
      c.next_attempt_at, c.enqueued_at, c.lease_expires_at, c.replayed_from_job_id, c.created_at, c.updated_at, c.started_at, c.finished_at
    from target t left join claimed c on true
  `)) as unknown as {
    rows: (Record<string, unknown> & { current_status: JobStatus; target_type: JobType; waiting: boolean; claimable: boolean })[];
  };
  const row = rows.rows[0];
  if (!row) return { outcome: "not_queued", status: null };
  if (row.id) return { outcome: "claimed", job: row as unknown as JobRow };
  if (row.claimable && row.waiting) return { outcome: "waiting", prerequisite: PREREQUISITE[row.target_type]! };
  return { outcome: "not_queued", status: row.current_status };
}

/**
 * The consumer working on a job renews its lease, so a live consumer is never taken over, but
 * never past the stage timeout: a stage hung that long is given up even if its consumer lives.
 * False when the claim is lost (taken over, cancelled, or timed out).
 */
export async function extendLease(db: Db, job: Pick<JobRow, "id" | "attempt">, leaseSec: number, stageTimeoutSec: number) {
  const rows = await db
    .update(jobs)
    .set({ lease_expires_at: sql`now() + make_interval(secs => ${leaseSec})` })
    .where(and(claimHeld(job), sql`${jobs.started_at} > now() - make_interval(secs => ${stageTimeoutSec})`))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

// Outcome writes are guarded by the claim: a consumer that lost it (taken over, or the lecture
// was re-ingested) changes nothing.

/** The statement alone, so a batch can record what the outcome raises with it (src/db/webhooks.ts). */
export const completeJobStatement = (db: Db, job: JobRow, result: Record<string, unknown>) =>
  db
    .update(jobs)
    .set({ status: "completed", result, error: null, finished_at: sql`now()`, updated_at: sql`now()`, next_attempt_at: null, lease_expires_at: null })
    .where(claimHeld(job))
    .returning();

export async function completeJob(db: Db, job: JobRow, result: Record<string, unknown>) {
  const [row] = await completeJobStatement(db, job, result);
  return row ?? null;
}

export const failJobStatement = (db: Db, job: JobRow, error: string) =>
  db
    .update(jobs)
    .set({ status: "failed", error, finished_at: sql`now()`, updated_at: sql`now()`, next_attempt_at: null, lease_expires_at: null })
    .where(claimHeld(job))
    .returning();

export async function failJob(db: Db, job: JobRow, error: string) {
  const [row] = await failJobStatement(db, job, error);
  return row ?? null;
}

/** Back to queued with the error kept, until the retry message arrives. */
export async function scheduleRetry(db: Db, job: JobRow, error: string, delaySec: number) {
  const [row] = await db
    .update(jobs)
    .set({
      status: "queued",
      error,
      next_attempt_at: sql`now() + make_interval(secs => ${delaySec})`,
      enqueued_at: sql`now()`,
      lease_expires_at: null,
      updated_at: sql`now()`,
    })
    .where(claimHeld(job))
    .returning();
  return row ?? null;
}

/** A waiting job was re-sent: refresh its bookkeeping so the recovery sweep leaves it alone. */
export async function markRedelivered(db: Db, jobId: string, delaySec: number) {
  await db
    .update(jobs)
    .set({ enqueued_at: sql`now()`, next_attempt_at: sql`now() + make_interval(secs => ${delaySec})` })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "queued")));
}

/** The queue send failed: the recovery sweep will send it. */
export async function markNotEnqueued(db: Db, jobId: string) {
  await db.update(jobs).set({ enqueued_at: null }).where(and(eq(jobs.id, jobId), eq(jobs.status, "queued")));
}

export interface RecoveryFindings {
  requeued: string[];
  timedOut: string[];
  /** The rows of the jobs the sweep failed for good (their outcome is announced like any other). */
  failedRows: JobRow[];
  resend: string[];
  /** Jobs still queued or running after the sweep: work the next sweep must look after. */
  active: number;
}

/**
 * One batch: running jobs whose lease expired (their consumer is gone) or that ran past the stage
 * timeout go back to the queue, or fail when no attempt is left; queued jobs whose message is
 * missing or overdue by `lostAfterSec` are collected for re-sending.
 */
export async function recoverJobs(db: Db, stageTimeoutSec: number, lostAfterSec: number): Promise<RecoveryFindings> {
  const stopped = `The stage stopped without finishing (its consumer was lost, or it ran past ${stageTimeoutSec} s).`;
  const exhausted = sql`${jobs.attempt} >= ${jobs.max_attempts}`;
  const [stuck, lost, [active]] = await db.batch([
    db
      .update(jobs)
      .set({
        status: sql`case when ${exhausted} then 'failed' else 'queued' end`,
        error: sql`case when ${exhausted} then ${`${stopped} No attempts left.`}::text else ${stopped}::text end`,
        finished_at: sql`case when ${exhausted} then now() else null end`,
        enqueued_at: sql`now()`,
        next_attempt_at: null,
        lease_expires_at: null,
        updated_at: sql`now()`,
      })
      .where(
        and(
          eq(jobs.status, "running"),
          sql`(${jobs.lease_expires_at} < now() or ${jobs.started_at} < now() - make_interval(secs => ${stageTimeoutSec}))`,
        ),
      )
      .returning(),
    db
      .update(jobs)
      .set({ enqueued_at: sql`now()` })
      .where(
        and(
          eq(jobs.status, "queued"),
          sql`(${jobs.enqueued_at} is null or greatest(${jobs.enqueued_at}, ${jobs.next_attempt_at}) < now() - make_interval(secs => ${lostAfterSec}))`,
        ),
      )
      .returning({ id: jobs.id }),
    db.select({ n: count() }).from(jobs).where(isActive()),
  ]);
  const requeued = stuck.filter((r) => r.status === "queued").map((r) => r.id);
  const failedRows = stuck.filter((r) => r.status === "failed") as JobRow[];
  return {
    requeued,
    timedOut: failedRows.map((r) => r.id),
    failedRows,
    resend: [...requeued, ...lost.map((r) => r.id)],
    active: active?.n ?? 0,
  };
}

export interface DeadLetter {
  id: string;
  jobId: string | null;
  queue: string;
  message: unknown;
  attempts: number;
}

/**
 * The two statements that record a dead letter: the letter, and the failure of its job when still
 * active (which returns the job's row). For a batch that also records the failure's events.
 */
export function deadLetterStatements(db: Db, letter: DeadLetter, failure: string) {
  return [
    db
      .insert(jobDeadLetters)
      .values({ id: letter.id, job_id: letter.jobId, queue: letter.queue, message: letter.message, attempts: letter.attempts })
      .onConflictDoNothing(),
    // A job whose messages ran out while it was still active is failed, not left waiting forever.
    db
      .update(jobs)
      .set({ status: "failed", error: failure, finished_at: sql`now()`, updated_at: sql`now()`, next_attempt_at: null })
      .where(and(eq(jobs.id, letter.jobId ?? ""), isActive()))
      .returning(),
  ] as const;
}

/** Dead letters of a job the caller may see (the job id is checked by its reader). */
export async function listDeadLetters(db: Db, jobId: string) {
  return db.select().from(jobDeadLetters).where(eq(jobDeadLetters.job_id, jobId));
}
