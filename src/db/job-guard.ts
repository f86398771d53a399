/**
 * A stage's final writes land only while its job is still running under the attempt that
 * produced them. A re-ingest deletes the lecture's jobs and the recovery sweep re-queues a lost
 * one, so a consumer that finishes late writes nothing instead of resurrecting old material.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import type { JobRow } from "./rows.ts";
import { jobs } from "./schema.ts";

export type JobClaim = Pick<JobRow, "id" | "attempt">;

export interface JobGuard {
  /** Statements to run first in the batch (empty without a job). */
  lock: ReturnType<typeof lockJob>[];
  /** A condition for every write of the batch. */
  owned: SQL;
}

/** The job is still running under this claim's attempt: the consumer holding it is the one writing. */
export const claimHeld = (job: JobClaim) => and(eq(jobs.id, job.id), eq(jobs.status, "running"), eq(jobs.attempt, job.attempt))!;

/**
 * Holding the job row (FOR SHARE) orders the batch against a re-ingest deleting it: either the
 * re-ingest waits and then removes what this batch wrote, or this batch waits and then, each of
 * its statements reading anew under READ COMMITTED, finds the job gone and writes nothing.
 */
const lockJob = (db: Db, job: JobClaim) => db.select({ id: jobs.id }).from(jobs).where(claimHeld(job)).for("share");

/** Without a job (a caller outside the job engine) the writes are unconditional. */
export function jobGuard(db: Db, job: JobClaim | undefined): JobGuard {
  if (!job) return { lock: [], owned: sql`true` };
  return { lock: [lockJob(db, job)], owned: sql`exists (select 1 from ${jobs} where ${claimHeld(job)})` };
}
