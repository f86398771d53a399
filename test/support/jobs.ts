/**
 * Helpers for job-engine tests: job rows created directly (no queue message), synthetic message
 * batches for the consumer, and raw SQL for setting up states a test needs (a dead consumer).
 */
import { env } from "cloudflare:workers";
import { TEST_OWNER } from "./http.ts";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { createJobOrGetActive, getJob } from "../../src/db/jobs.ts";
import type { JobType } from "../../src/domain/jobs.ts";
import worker from "../../src/index.ts";
import { servicesFromEnv } from "../../src/services.ts";

export function testServices(overrides: Record<string, unknown> = {}) {
  return servicesFromEnv({ ...env, ...overrides });
}

/** A queued job row with no queue message behind it: only the test delivers it. */
export async function queuedJob(lectureId: string, jobType: JobType, params: Record<string, unknown> = {}, ownerId = TEST_OWNER) {
  const { job } = await createJobOrGetActive(testServices().db, {
    id: crypto.randomUUID(),
    ownerId,
    lectureId,
    jobType,
    params,
    maxAttempts: 4,
    enqueued: true,
  });
  return job;
}

export function jobRow(id: string) {
  return getJob(testServices().db, id, null);
}

let messageSeq = 0;

/** Delivers messages to the consumer as the queue would, and returns what it acked or retried. */
export async function deliver(
  bodies: unknown[],
  options: { overrides?: Record<string, unknown>; attempts?: number; queue?: string; ids?: string[] } = {},
) {
  const messages = bodies.map((body, i) => ({
    id: options.ids?.[i] ?? `msg-${++messageSeq}`,
    timestamp: new Date(),
    attempts: options.attempts ?? 1,
    body,
  }));
  const batch = createMessageBatch(options.queue ?? "pegasus-jobs", messages);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<never>, { ...env, ...options.overrides } as never, ctx);
  const result = await getQueueResult(batch, ctx);
  return { ids: messages.map((m) => m.id), result };
}

export async function execSql(query: ReturnType<typeof sql>) {
  return testServices().db.execute(query);
}

export { sql };
