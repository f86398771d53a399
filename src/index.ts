/**
 * The Worker: REST API (fetch), job queue and dead-letter consumer (queue), recovery sweeps (scheduled).
 */
import { createApp } from "./app.ts";
import { handleQueueBatch } from "./jobs/consumer.ts";
import type { JobMessage } from "./jobs/messages.ts";
import { runMaintenance } from "./maintenance.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueueBatch(batch, env, ctx),
  // Every minute: recover lost jobs, and abort uploads whose request died (src/maintenance.ts).
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runMaintenance(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, JobMessage>;
