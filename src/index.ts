/**
 * The Worker: REST API (fetch), job queue and dead-letter consumer (queue), recovery sweeps (scheduled).
 */
import { createApp } from "./app.ts";
import { handleQueueBatch } from "./jobs/consumer.ts";
import { runRecoverySweep } from "./jobs/recovery.ts";
import type { JobMessage } from "./jobs/messages.ts";
import { runUploadSweep } from "./pipeline/uploads.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueueBatch(batch, env, ctx),
  // Every minute: recover lost jobs, and abort uploads whose request died.
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runRecoverySweep(env, controller.scheduledTime));
    ctx.waitUntil(runUploadSweep(env));
  },
} satisfies ExportedHandler<Env, JobMessage>;
