/**
 * The Worker: REST API (fetch), job queue, dead-letter and webhook consumer (queue), recovery sweeps
 * (scheduled), and the live-progress hub (a Durable Object).
 */
import { createApp } from "./app.ts";
import { handleQueueBatch } from "./jobs/consumer.ts";
import type { JobMessage } from "./jobs/messages.ts";
import type { WebhookMessage } from "./push/messages.ts";
import { runMaintenance } from "./maintenance.ts";
import { handleWebhookBatch, WEBHOOKS_QUEUE } from "./push/delivery.ts";

// The live-progress hub (a Durable Object class must be exported by the main module).
export { ProgressHub } from "./push/progress-hub.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => (batch.queue === WEBHOOKS_QUEUE ? handleWebhookBatch(batch, env) : handleQueueBatch(batch, env, ctx)),
  // Every minute: recover lost jobs, and abort uploads whose request died (src/maintenance.ts).
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runMaintenance(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, JobMessage | WebhookMessage>;
