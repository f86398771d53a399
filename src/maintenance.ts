/**
 * The cron's work, every minute: recover lost jobs and abort abandoned uploads. When nothing was
 * started for a while (src/jobs/activity.ts) it reads one small object and leaves the database
 * alone, so an idle deployment lets its Neon compute scale to zero.
 */
import { sweepIdempotencyKeys } from "./db/idempotency.ts";
import { isIdle, noteActivity } from "./jobs/activity.ts";
import { runRecoverySweep } from "./jobs/recovery.ts";
import { runUploadSweep } from "./pipeline/uploads.ts";
import { servicesFromEnv, type Services } from "./services.ts";

export interface MaintenanceResult {
  idle: boolean;
  jobs?: Awaited<ReturnType<typeof runRecoverySweep>>;
  uploads?: Awaited<ReturnType<typeof runUploadSweep>>;
  /** Expired Idempotency-Key records deleted (undefined: the sweep failed). */
  idempotencyKeys?: number;
}

export async function runMaintenance(env: object): Promise<MaintenanceResult | undefined> {
  let services: Services;
  try {
    services = servicesFromEnv(env);
  } catch {
    return undefined; // misconfigured: already logged
  }
  if (await isIdle(services.storage)) return { idle: true };
  const [jobs, uploads, idempotencyKeys] = await Promise.all([
    runRecoverySweep(services),
    runUploadSweep(services),
    // Claims ignore expired keys anyway: a failed sweep (logged by the others) waits for the next run.
    sweepIdempotencyKeys(services.db).catch(() => undefined),
  ]);
  // Work still pending (or a sweep that failed): keep sweeping.
  if (!jobs || !uploads || jobs.active > 0 || uploads.open > 0) await noteActivity(services.storage, { force: true });
  return { idle: false, jobs, uploads, idempotencyKeys };
}
