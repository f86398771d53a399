/**
 * Webhook delivery: the consumer of the webhooks queue. One message = one attempt of one delivery,
 * signed per Standard Webhooks with the same `webhook-id` (the event's id) on every attempt. The
 * URL is checked again before each attempt (DNS may have changed), redirects are not followed,
 * an attempt times out after 10 s and at most RESPONSE_EXCERPT bytes of the answer are read.
 * Timeouts, network errors, 408, 429 and 5xx are retried on WEBHOOK_RETRY_DELAYS_SEC; any other
 * answer stops the delivery. Retries are fresh messages with a delay, so the queue's own retry
 * budget is spent only when the database is unreachable.
 */
import { abandonDelivery, claimDelivery, recordAttempt, type AttemptOutcome } from "../db/webhooks.ts";
import type { WebhookAttempt } from "../db/schema.ts";
import { classifyResponse, DISABLE_AFTER_SEC } from "../domain/webhooks.ts";
import { isWebhookMessage, type WebhookMessage } from "./messages.ts";
import { unseal } from "../lib/secret-box.ts";
import { webhookHeaders } from "../lib/standard-webhooks.ts";
import { servicesFromEnv, type Services } from "../services.ts";
import { webhookPayload } from "./events.ts";
import { checkWebhookUrl } from "./url-safety.ts";

export const WEBHOOKS_QUEUE = "pegasus-webhooks";
const ATTEMPT_TIMEOUT_MS = 10_000;
const RESPONSE_EXCERPT = 2_048;
/** Longer than an attempt can take: a duplicate message waits for the attempt under way. */
const LEASE_SEC = 30;
/** Cloudflare Queues delay a message by at most 12 hours. */
const MAX_QUEUE_DELAY_SEC = 43_200;

const log = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));

/** Reads at most `limit` bytes of a body as text and drops the rest. */
async function excerpt(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk.subarray(0, bytes.length - offset), offset);
    offset += Math.min(chunk.byteLength, bytes.length - offset);
    if (offset >= bytes.length) break;
  }
  return new TextDecoder().decode(bytes);
}

export interface AttemptReport {
  deliveryId: string;
  outcome: AttemptOutcome["kind"] | "abandoned";
  statusCode: number | null;
}

/** One attempt of one delivery; null when the delivery is not due (or already being attempted). */
export async function attemptDelivery(services: Services, deliveryId: string): Promise<AttemptReport | null> {
  const { db, config } = services;
  const delivery = await claimDelivery(db, deliveryId, LEASE_SEC);
  if (!delivery) return null;
  if (delivery.disabled_at) {
    await abandonDelivery(db, delivery.id, "Not attempted: the endpoint is disabled.");
    return { deliveryId, outcome: "abandoned", statusCode: null };
  }
  const key = config.webhooks.secretKey;
  // Configuration is fixed by a deploy: the lease lapses and the queue retries the message.
  if (!key) throw new Error("WEBHOOK_SECRET_KEY is not set: webhook secrets cannot be opened");

  const started = Date.now();
  const attempt: WebhookAttempt = { at: new Date(started).toISOString(), statusCode: null, latencyMs: 0, error: null };
  let verdict: "succeeded" | "retry" | "failed";
  const check = await checkWebhookUrl(config, delivery.url);
  if (!check.ok) {
    attempt.error = `Not sent: ${check.reason}`;
    verdict = check.unavailable ? "retry" : "failed";
  } else {
    const secrets = [await unseal(key, delivery.secret_sealed)];
    if (delivery.previous_valid && delivery.previous_secret_sealed) secrets.push(await unseal(key, delivery.previous_secret_sealed));
    const body = JSON.stringify(webhookPayload(delivery.event_type, delivery.event_created_at, delivery.data));
    const headers = await webhookHeaders(secrets, delivery.event_id, Math.floor(started / 1000), body);
    try {
      const res = await fetch(delivery.url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": "Pegasus-Webhooks/1.0" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const text = await excerpt(res, RESPONSE_EXCERPT).catch(() => "");
      attempt.statusCode = res.status;
      verdict = classifyResponse(res.status);
      if (verdict !== "succeeded")
        attempt.error = res.status >= 300 && res.status < 400 ? `HTTP ${res.status}: redirects are not followed` : `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
    } catch (error) {
      const timedOut = (error as Error)?.name === "TimeoutError";
      attempt.error = timedOut ? `No answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : `Request failed: ${String((error as Error)?.message ?? error).slice(0, 200)}`;
      verdict = "retry";
    }
  }
  attempt.latencyMs = Date.now() - started;

  const delaySec = config.webhooks.retryDelaysSec[delivery.attempt_count];
  const outcome: AttemptOutcome =
    verdict === "retry" ? (delaySec === undefined ? { kind: "failed" } : { kind: "retry", delaySec }) : { kind: verdict };
  if (verdict === "retry" && delaySec === undefined) attempt.error = `${attempt.error} (gave up after ${delivery.attempt_count + 1} attempts)`;
  const { endpointDisabled } = await recordAttempt(db, delivery, attempt, outcome, DISABLE_AFTER_SEC);
  if (outcome.kind === "retry") {
    if (endpointDisabled) await abandonDelivery(db, delivery.id, `${attempt.error}; the endpoint is now disabled.`);
    else {
      await config.webhooks.queue
        ?.send({ deliveryId } satisfies WebhookMessage, { delaySeconds: Math.min(outcome.delaySec, MAX_QUEUE_DELAY_SEC), contentType: "json" })
        .catch(() => {}); // the sweep resends an overdue delivery
    }
  }
  log({ msg: "webhook attempt", deliveryId, eventType: delivery.event_type, attempt: delivery.attempt_count + 1, outcome: outcome.kind, statusCode: attempt.statusCode, latencyMs: attempt.latencyMs, ...(attempt.error ? { error: attempt.error } : {}) });
  return { deliveryId, outcome: outcome.kind, statusCode: attempt.statusCode };
}

export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: object) {
  let services: Services;
  try {
    services = servicesFromEnv(env);
  } catch {
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  await Promise.all(
    batch.messages.map(async (message) => {
      if (!isWebhookMessage(message.body)) return message.ack();
      try {
        await attemptDelivery(services, message.body.deliveryId);
        message.ack();
      } catch (error) {
        // The database (or the configuration) failed us: the queue tries again.
        log({ level: "error", msg: "webhook delivery not processed", deliveryId: message.body.deliveryId, error: String((error as Error)?.message ?? error) });
        message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.max(0, message.attempts - 1)) });
      }
    }),
  );
}
