/**
 * What the job runner tells the outside world after it commits a job state change: the webhook
 * deliveries that change raised (already in the outbox) go to the queue, and the change goes to
 * the course's live-progress hub. Neither ever throws.
 */
import type { JobRow } from "../db/rows.ts";
import type { Services } from "../services.ts";
import { enqueueDeliveries } from "./events.ts";
import { publishJobState } from "./progress.ts";

export async function announceJobChange(services: Services, job: JobRow | null, deliveryIds: string[] = []): Promise<void> {
  await Promise.all([enqueueDeliveries(services, deliveryIds), publishJobState(services, job)]);
}

export { publishEvent } from "./events.ts";
export { publishStageProgress } from "./progress.ts";
