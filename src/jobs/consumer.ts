/**
 * Queue consumer for the jobs queue and its dead-letter queue. Every message is acked or retried
 * on its own, so one bad message never redelivers its batch.
 */
import { markRedelivered } from "../db/jobs.ts";
import { recordDeadLetterWithEvents } from "../db/webhooks.ts";
import { announceJobChange } from "../push/index.ts";
import { servicesFromEnv, type Services } from "../services.ts";
import { executeJob, log, OutcomeNotRecorded } from "./engine.ts";
import { isJobMessage, type JobMessage } from "./messages.ts";

export const JOBS_QUEUE = "pegasus-jobs";
export const DEAD_LETTER_QUEUE = "pegasus-jobs-dlq";

/** While a prerequisite stage is pending: 1, 2, 4, 8, then every 15 s. */
export function waitDelaySec(waits: number): number {
  return Math.min(15, 2 ** Math.max(0, waits - 1));
}

/** When even the database is unreachable there is no attempt count: back off on the queue's. */
function infrastructureDelaySec(messageAttempts: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, messageAttempts - 1));
}

async function processJobMessage(services: Services, message: Message<unknown>) {
  if (!isJobMessage(message.body)) {
    log({ level: "warn", msg: "dropping malformed job message", messageId: message.id });
    message.ack();
    return;
  }
  const body: JobMessage = message.body;
  if (typeof body.unit === "number") return processUnitMessage(services, message, body.jobId, body.unit);
  try {
    const outcome = await executeJob(services, body.jobId);
    switch (outcome.kind) {
      case "retry":
        message.retry({ delaySeconds: outcome.delaySec });
        return;
      case "waiting": {
        // A fresh message, so waiting never spends the queue's retry budget or a job attempt.
        const waits = (body.waits ?? 0) + 1;
        const delaySeconds = waitDelaySec(waits);
        await services.config.queue!.send({ jobId: body.jobId, waits } satisfies JobMessage, { delaySeconds, contentType: "json" });
        await markRedelivered(services.db, body.jobId, delaySeconds);
        log({ msg: "job waiting", jobId: body.jobId, for: outcome.prerequisite, retryInSec: delaySeconds });
        message.ack();
        return;
      }
      case "failed":
        if (outcome.exhausted) await services.config.deadLetters?.send(body, { contentType: "json" });
        message.ack();
        return;
      default:
        message.ack();
    }
  } catch (error) {
    // Could not claim the job or record its outcome (database down, queue send failed): the
    // message is retried, never acknowledged. When the stage ran but its outcome was not written,
    // the job is still running under this consumer's lease: come back once that has lapsed, so
    // the redelivery takes the job over.
    let delaySeconds = infrastructureDelaySec(message.attempts);
    if (error instanceof OutcomeNotRecorded) delaySeconds = Math.max(delaySeconds, services.config.jobs.leaseSec + 1);
    log({ level: "error", msg: "job message not processed", jobId: body.jobId, attempt: message.attempts, error: services.stages.classify(error).message, retryInSec: delaySeconds });
    message.retry({ delaySeconds });
  }
}

/** A unit inside a job: its stage keeps the unit's state; the message is only acked or retried. */
async function processUnitMessage(services: Services, message: Message<unknown>, jobId: string, unit: number) {
  try {
    const outcome = await services.stages.runUnit(services, jobId, unit);
    if (outcome.kind === "retry") message.retry({ delaySeconds: outcome.delaySec });
    else message.ack();
  } catch (error) {
    // The unit's state could not be read or written: as for a job, the message comes back later,
    // after the unit's lease has lapsed when it ran but its outcome was not written.
    let delaySeconds = infrastructureDelaySec(message.attempts);
    if (error instanceof OutcomeNotRecorded) delaySeconds = Math.max(delaySeconds, services.config.jobs.leaseSec + 1);
    log({ level: "error", msg: "unit message not processed", jobId, unit, attempt: message.attempts, error: services.stages.classify(error).message, retryInSec: delaySeconds });
    message.retry({ delaySeconds });
  }
}

/** Records every message that reached the dead-letter queue, and fails its job if still active. */
async function processDeadLetter(services: Services, message: Message<unknown>) {
  const jobId = isJobMessage(message.body) ? message.body.jobId : null;
  try {
    const { row, deliveryIds } = await recordDeadLetterWithEvents(
      services.db,
      { id: message.id, jobId, queue: DEAD_LETTER_QUEUE, message: message.body ?? null, attempts: message.attempts },
      "The job's queue messages were exhausted before it could finish.",
    );
    // A job failed here is final like any other: its webhooks and live-progress event go out.
    await announceJobChange(services, row, deliveryIds);
    log({ level: "warn", msg: "dead letter recorded", messageId: message.id, jobId });
    message.ack();
  } catch (error) {
    log({ level: "error", msg: "dead letter not recorded", messageId: message.id, jobId, error: services.stages.classify(error).message });
    message.retry({ delaySeconds: infrastructureDelaySec(message.attempts) });
  }
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: object, _ctx: ExecutionContext) {
  let services: Services;
  try {
    services = servicesFromEnv(env);
  } catch {
    // Misconfigured: keep the messages until the configuration is fixed (already logged).
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  const handle = batch.queue.endsWith("-dlq") ? processDeadLetter : processJobMessage;
  await Promise.all(batch.messages.map((message) => handle(services, message)));
}
