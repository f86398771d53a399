/**
 * The Worker: REST API (fetch), job queue and dead-letter consumer (queue), recovery sweep (scheduled).
 */
import { createApp } from "./app.ts";
import { handleQueueBatch } from "./jobs/consumer.ts";
import { runRecoverySweep } from "./jobs/recovery.ts";
import type { JobMessage } from "./jobs/messages.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueueBatch(batch, env, ctx),
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runRecoverySweep(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Record<string, unknown>, JobMessage>;
