/**
 * The cron's work, every minute: recover lost jobs, abort abandoned and expired uploads, remove the objects
 * of deleted data. When nothing was started for a while (src/jobs/activity.ts) it reads one small
 * object and leaves the database alone, so an idle deployment lets its Neon compute scale to zero;
 * once a day (RETENTION_AT) it expires old audio all the same.
 */
import { sweepIdempotencyKeys } from "./db/idempotency.ts";
import { isIdle, noteActivity } from "./jobs/activity.ts";
import { runRecoverySweep } from "./jobs/recovery.ts";
import { purgeDeletedObjects, runRetention } from "./pipeline/deletion.ts";
import { sweepTusUploads } from "./pipeline/tus.ts";
import { runUploadSweep } from "./pipeline/uploads.ts";
import { runWebhookSweep } from "./push/sweep.ts";
import { servicesFromEnv, type Services } from "./services.ts";

export interface MaintenanceResult {
  idle: boolean;
  jobs?: Awaited<ReturnType<typeof runRecoverySweep>>;
  uploads?: Awaited<ReturnType<typeof runUploadSweep>>;
  /** Resumable (tus) uploads: expired ones removed with their parts, waiting appends recorded. */
  tusUploads?: Awaited<ReturnType<typeof sweepTusUploads>>;
  objects?: Awaited<ReturnType<typeof purgeDeletedObjects>>;
  /** Lectures whose audio passed PLC_AUDIO_RETENTION_DAYS (on the daily run). */
  audioExpired?: number;
  /** Webhook deliveries whose queue message was lost, sent again (undefined: the sweep failed). */
  webhooks?: Awaited<ReturnType<typeof runWebhookSweep>>;
  /** Expired Idempotency-Key records deleted (undefined: the sweep failed). */
  idempotencyKeys?: number;
}

/** The daily retention pass runs at this UTC time, idle deployment or not. */
const RETENTION_AT = { hour: 3, minute: 30 };

const isRetentionTime = (at: Date) => at.getUTCHours() === RETENTION_AT.hour && at.getUTCMinutes() === RETENTION_AT.minute;

export async function runMaintenance(env: object, scheduledTime = Date.now()): Promise<MaintenanceResult | undefined> {
  let services: Services;
  try {
    services = servicesFromEnv(env);
  } catch {
    return undefined; // misconfigured: already logged
  }
  const audioExpired = isRetentionTime(new Date(scheduledTime))
    ? await runRetention(services).catch((error) => {
        console.error(JSON.stringify({ level: "error", msg: "audio retention failed", error: String((error as Error)?.message ?? error) }));
        return undefined;
      })
    : undefined;
  if (audioExpired) await noteActivity(services.storage, { force: true }); // their objects are to be removed
  if (await isIdle(services.storage)) return { idle: true, ...(audioExpired !== undefined ? { audioExpired } : {}) };
  const [jobs, uploads, tusUploads, objects, idempotencyKeys, webhooks] = await Promise.all([
    runRecoverySweep(services),
    runUploadSweep(services),
    sweepTusUploads(services),
    purgeDeletedObjects(services).catch((error) => {
      console.error(JSON.stringify({ level: "error", msg: "object deletion sweep failed", error: String((error as Error)?.message ?? error) }));
      return undefined;
    }),
    // Claims ignore expired keys anyway: a failed sweep waits for the next run.
    sweepIdempotencyKeys(services.db).catch(() => undefined),
    runWebhookSweep(services),
  ]);
  // Work still pending (or a sweep that failed): keep sweeping.
  if (!jobs || !uploads || !tusUploads || !objects || !webhooks || jobs.active > 0 || uploads.open > 0 || tusUploads.open > 0 || objects.pending || webhooks.pending > 0)
    await noteActivity(services.storage, { force: true });
  return { idle: false, jobs, uploads, tusUploads, objects, idempotencyKeys, webhooks, ...(audioExpired !== undefined ? { audioExpired } : {}) };
}
