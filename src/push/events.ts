/**
 * Webhook events: recording one (the outbox), handing its deliveries to the queue, and the payload
 * a receiver gets: `{type, timestamp, data}` with the ids, the lecture's progress snapshot (as of
 * the transaction that raised the event) and links.
 */
import { recordEvent } from "../db/webhooks.ts";
import { lectureProgress, type StageJob } from "../domain/progress.ts";
import type { WebhookEventType } from "../domain/webhooks.ts";
import { exportLinkTemplate, lectureLinks } from "../lib/links.ts";
import { toRfc3339 } from "../lib/time.ts";
import type { Services } from "../services.ts";

/**
 * Sends one queue message per delivery. A failed send is only logged: the delivery stays pending
 * and the sweep sends it once it is overdue.
 */
export async function enqueueDeliveries(services: Services, deliveryIds: string[]): Promise<void> {
  const queue = services.config.webhooks.queue;
  if (!queue || deliveryIds.length === 0) return;
  try {
    for (let i = 0; i < deliveryIds.length; i += 100)
      await queue.sendBatch(deliveryIds.slice(i, i + 100).map((deliveryId) => ({ body: { deliveryId }, contentType: "json" as const })));
  } catch (error) {
    console.log(JSON.stringify({ level: "warn", msg: "webhook deliveries not enqueued (the sweep resends them)", count: deliveryIds.length, error: String((error as Error)?.message ?? error) }));
  }
}

/**
 * Raises an event for an owner (e.g. `upload.completed` from the upload handler): stored with a
 * delivery per subscribed endpoint in one batch, then queued. `data` should carry the ids
 * (`lectureId`, `courseId`, `uploadId`, …); links are added for a lecture. Returns the event id.
 */
export async function publishEvent(
  services: Services,
  ownerId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  /** A fixed id makes raising the same event again a no-op (e.g. one per finished upload). */
  eventId?: string,
): Promise<string> {
  const id = eventId ?? `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  const deliveries = await recordEvent(services.db, { id, ownerId, type, data });
  await enqueueDeliveries(services, deliveries);
  return id;
}

/** The JSON a receiver gets. Deterministic for a delivery, so every attempt sends the same body. */
export function webhookPayload(type: string, createdAt: string, stored: Record<string, unknown>) {
  const { stageJobs, jobStatus, ...data } = stored as Record<string, unknown> & { stageJobs?: StageJob[]; jobStatus?: string };
  const lectureId = typeof data.lectureId === "string" ? data.lectureId : undefined;
  const jobId = typeof data.jobId === "string" ? data.jobId : undefined;
  const progress = stageJobs
    ? lectureProgress(stageJobs.map((j) => ({ ...j, created_at: toRfc3339(j.created_at), updated_at: toRfc3339(j.updated_at) })))
    : undefined;
  return {
    type,
    timestamp: toRfc3339(createdAt),
    data: {
      ...data,
      ...(jobStatus ? { status: jobStatus } : {}),
      ...(progress ? { progress } : {}),
      links: {
        ...(lectureId ? { ...lectureLinks(lectureId), exports: exportLinkTemplate(lectureId) } : {}),
        ...(jobId ? { job: `/jobs/${encodeURIComponent(jobId)}` } : {}),
      },
    },
  };
}
