/**
 * The cron sweep: running jobs whose lease lapsed (their consumer died) or that ran past the stage
 * timeout go back to the queue, and queued jobs whose message was never sent or is overdue by
 * JOB_LOST_AFTER_SEC are sent again. With the defaults (60 s lease, 60 s threshold, a sweep every
 * minute) a job whose consumer or message was lost is running again within about two minutes.
 * Stages are idempotent (upserts, deterministic storage keys), so a second run is safe.
 */
import { recoverJobs, type RecoveryFindings } from "../db/jobs.ts";
import { recordFailureEvents } from "../db/webhooks.ts";
import { announceJobChange } from "../push/index.ts";
import type { Services } from "../services.ts";
import { log } from "./engine.ts";
import type { JobMessage } from "./messages.ts";

export async function runRecoverySweep(services: Services): Promise<RecoveryFindings | undefined> {
  const { config, db } = services;
  try {
    const found = await recoverJobs(db, config.jobs.stageTimeoutSec, config.jobs.lostAfterSec);
    if (config.queue && !config.inlineJobs) {
      for (let i = 0; i < found.resend.length; i += 100) {
        const ids = found.resend.slice(i, i + 100);
        await config.queue.sendBatch(ids.map((jobId) => ({ body: { jobId } satisfies JobMessage, contentType: "json" as const })));
      }
    }
    if (found.failedRows.length) {
      // Jobs failed for good by the sweep raise job.failed and a live-progress event like any
      // failure (recorded after the sweep's transaction; event ids are fixed per job).
      const deliveryIds = await recordFailureEvents(db, found.timedOut);
      await Promise.all([announceJobChange(services, null, deliveryIds), ...found.failedRows.map((row) => announceJobChange(services, row))]);
    }
    if (found.resend.length || found.timedOut.length)
      log({ msg: "recovery sweep", requeued: found.requeued, resent: found.resend.length, timedOut: found.timedOut });
    return found;
  } catch (error) {
    log({ level: "error", msg: "recovery sweep failed", error: services.stages.classify(error).message });
    return undefined;
  }
}
