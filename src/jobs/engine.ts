/**
 * The job engine: create and dispatch jobs, and run one claimed job through its stage.
 * Postgres holds the truth; the queue only wakes the consumer.
 */
import {
  claimJob,
  createJobOrGetActive,
  extendLease,
  markNotEnqueued,
  scheduleRetry,
  type ClaimResult,
} from "../db/jobs.ts";
import type { JobRow } from "../db/rows.ts";
import { completeJobWithEvents, failJobWithEvents } from "../db/webhooks.ts";
import { announceJobChange } from "../push/index.ts";
import type { JobType } from "../domain/jobs.ts";
import type { Services } from "../services.ts";
import { noteActivity } from "./activity.ts";
import type { JobMessage } from "./messages.ts";

export interface ClassifiedError {
  transient: boolean;
  /** What the job shows as its error: safe for clients to read. */
  message: string;
}

/**
 * What the runner needs from the stages it runs (the pipeline hands it over through the
 * services): run a job's stage, and tell a failure worth another attempt from a final one.
 */
export interface StageRegistry {
  run(services: Services, job: JobRow): Promise<Record<string, unknown>>;
  /** Runs one unit of a job's work (a message with `unit`); the stage keeps the unit's state. */
  runUnit(services: Services, jobId: string, unit: number): Promise<UnitOutcome>;
  classify(error: unknown): ClassifiedError;
}

/** What became of a unit: finished (or failed for good), to be retried after a delay, or nothing to do. */
export type UnitOutcome = { kind: "done" } | { kind: "retry"; delaySec: number } | { kind: "skipped" };

/**
 * Thrown by a stage that handed its claim back to wait for its units (the stage has already put
 * the job row back in the queue): nothing is recorded, and the job runs again when woken.
 */
export class StageSuspended extends Error {
  override name = "StageSuspended";
}

export interface EnqueueRequest {
  ownerId: string;
  lectureId: string;
  jobType: JobType;
  params?: Record<string, unknown>;
  replayedFromJobId?: string;
  /** The lecture's course, when the caller knows it: kept in the params so live progress needs no lookup. */
  courseId?: string;
}

export interface EnqueueResult {
  job: JobRow;
  deduplicated: boolean;
}

export function log(fields: Record<string, unknown>) {
  console.log(JSON.stringify(fields));
}

/**
 * Creates the job (or finds the stage's active one) and hands it over: to the queue, or, in
 * inline mode, straight to its stage so the response carries the final status.
 */
export async function enqueueJob(services: Services, request: EnqueueRequest): Promise<EnqueueResult> {
  const { config, db } = services;
  const inline = config.inlineJobs;
  const { job, deduplicated } = await createJobOrGetActive(db, {
    id: crypto.randomUUID(),
    ownerId: request.ownerId,
    lectureId: request.lectureId,
    jobType: request.jobType,
    params: request.courseId ? { courseId: request.courseId, ...request.params } : (request.params ?? {}),
    maxAttempts: config.jobs.maxAttempts,
    replayedFromJobId: request.replayedFromJobId,
    enqueued: !inline,
  });
  if (deduplicated) return { job, deduplicated };
  await Promise.all([noteActivity(services.storage), announceJobChange(services, job)]);

  if (inline) {
    const outcome = await executeJob(services, job.id, { respectPrerequisites: false, finalAttempt: true });
    return { job: outcome.job ?? job, deduplicated: false };
  }

  try {
    await config.queue!.send({ jobId: job.id } satisfies JobMessage, { contentType: "json" });
  } catch (error) {
    // The row stays queued; the recovery sweep sends it later. Nothing is lost.
    log({ level: "error", msg: "queue send failed", jobId: job.id, jobType: job.job_type, error: services.stages.classify(error).message });
    await markNotEnqueued(db, job.id).catch(() => {});
  }
  return { job, deduplicated: false };
}

export type ExecuteOutcome =
  | { kind: "completed"; job: JobRow | null }
  | { kind: "failed"; job: JobRow | null; error: string; exhausted: boolean }
  | { kind: "retry"; job: JobRow | null; error: string; delaySec: number }
  | { kind: "waiting"; job?: undefined; prerequisite: JobType }
  | { kind: "suspended"; job?: undefined }
  | { kind: "skipped"; job?: undefined; status: string | null };

/** The delay before attempt `attempt + 1`: the configured bucket plus up to 10 % jitter. */
export function retryDelaySec(delays: readonly number[], attempt: number, random = Math.random): number {
  const base = delays[Math.min(attempt - 1, delays.length - 1)] ?? 60;
  return Math.round(base + base * 0.1 * random());
}

/**
 * The stage ran but its outcome could not be written (the database went away). The job is still
 * `running` under this consumer's lease; the message must be retried, not acknowledged, and only
 * after the lease has lapsed, so the redelivery can take the job over.
 */
export class OutcomeNotRecorded extends Error {
  override name = "OutcomeNotRecorded";
  constructor(
    override readonly cause: unknown,
    reason: string,
  ) {
    super(`The job's outcome could not be recorded: ${reason}`);
  }
}

export interface ExecuteOptions {
  respectPrerequisites?: boolean;
  /** No retry possible (inline mode): a transient failure fails the job. */
  finalAttempt?: boolean;
}

/** Claims a queued job and runs its stage; a job already claimed or finished is left alone. */
export async function executeJob(services: Services, jobId: string, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const claim: ClaimResult = await claimJob(services.db, jobId, services.config.jobs.leaseSec, options.respectPrerequisites ?? true);
  if (claim.outcome === "waiting") return { kind: "waiting", prerequisite: claim.prerequisite };
  if (claim.outcome === "not_queued") return { kind: "skipped", status: claim.status };
  await announceJobChange(services, claim.job);
  return runClaimedJob(services, claim.job, options);
}

/**
 * Renews the job's lease a few times per lease period while its stage runs. A failed renewal
 * (database briefly away) is harmless: the next one may succeed, and if none does the lease
 * lapses and the job is taken over, which stages tolerate.
 */
function keepLease(services: Services, job: JobRow): () => void {
  const { leaseSec, stageTimeoutSec } = services.config.jobs;
  const timer = setInterval(() => {
    extendLease(services.db, job, leaseSec, stageTimeoutSec).catch(() => {});
  }, (leaseSec * 1000) / 3);
  return () => clearInterval(timer);
}

async function runClaimedJob(services: Services, job: JobRow, options: ExecuteOptions): Promise<ExecuteOutcome> {
  const started = Date.now();
  let result: Record<string, unknown> | undefined;
  let stageError: unknown;
  const releaseLease = keepLease(services, job);
  try {
    result = await services.stages.run(services, job);
  } catch (error) {
    stageError = error;
  } finally {
    releaseLease();
  }

  let outcome: ExecuteOutcome;
  try {
    outcome = stageError instanceof StageSuspended ? { kind: "suspended" } : await recordOutcome(services, job, result, stageError, options);
  } catch (error) {
    throw new OutcomeNotRecorded(error, services.stages.classify(error).message);
  }
  log({
    msg: "job",
    jobId: job.id,
    jobType: job.job_type,
    lectureId: job.lecture_id,
    attempt: job.attempt,
    maxAttempts: job.max_attempts,
    outcome: outcome.kind,
    durationMs: Date.now() - started,
    ...(outcome.kind === "failed" || outcome.kind === "retry" ? { error: outcome.error } : {}),
    ...(outcome.kind === "retry" ? { retryInSec: outcome.delaySec } : {}),
  });
  return outcome;
}

/**
 * Writes the stage's outcome on the job row. Each write is guarded by the attempt, so a consumer
 * that was taken over changes nothing.
 */
async function recordOutcome(
  services: Services,
  job: JobRow,
  result: Record<string, unknown> | undefined,
  stageError: unknown,
  options: ExecuteOptions,
): Promise<ExecuteOutcome> {
  const { db, config } = services;
  // Final outcomes record their webhook events in the same transaction (the outbox).
  if (stageError === undefined) {
    const { row, deliveryIds } = await completeJobWithEvents(db, job, result!);
    await announceJobChange(services, row, deliveryIds);
    return { kind: "completed", job: row };
  }
  const { transient, message } = services.stages.classify(stageError);
  const attemptsLeft = job.attempt < job.max_attempts;
  if (transient && attemptsLeft && !options.finalAttempt) {
    const delaySec = retryDelaySec(config.jobs.retryDelaysSec, job.attempt);
    const row = await scheduleRetry(db, job, message, delaySec);
    await announceJobChange(services, row);
    return { kind: "retry", job: row, error: message, delaySec };
  }
  const exhausted = transient && !options.finalAttempt;
  const final = exhausted ? `${message} (gave up after ${job.attempt} attempts)` : message;
  const { row, deliveryIds } = await failJobWithEvents(db, job, final);
  await announceJobChange(services, row, deliveryIds);
  return { kind: "failed", job: row, error: final, exhausted };
}
