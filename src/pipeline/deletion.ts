/**
 * A student deletes a lecture or a course: the rows go in one transaction that also lists every
 * stored object they pointed at (src/db/deletion.ts); the objects are then removed, and whatever
 * the bucket refused is retried by the cron sweep. Also the retention of raw audio.
 */
import { deleteCourse, deleteLecture, dueObjectDeletions, expireAudio, settleObjectDeletions, type DeletionPlan, type DueDeletion } from "../db/deletion.ts";
import type { LectureKey } from "../db/owner.ts";
import { ARTIFACT_TYPES } from "../domain/artifacts.ts";
import { EXPORT_FORMATS } from "../domain/exports/index.ts";
import { noteActivity } from "../jobs/activity.ts";
import type { Services } from "../services.ts";
import { LECTURE_PLACEHOLDER, lectureObjectTemplates } from "./keys.ts";

/** Objects removed per pass; a request removes one pass inline, the sweep the rest. */
const PASS_SIZE = 200;
const PARALLEL = 16;

function planFor(services: Services, owner: string): DeletionPlan {
  const extensions = Object.values(EXPORT_FORMATS).map((format) => format.extension);
  const { leaseSec, stageTimeoutSec } = services.config.jobs;
  return {
    derivedUris: lectureObjectTemplates(owner, ARTIFACT_TYPES, extensions).map((key) => services.storage.uri(key)),
    placeholder: LECTURE_PLACEHOLDER,
    lateWritesSec: stageTimeoutSec + leaseSec,
  };
}

/** False when the caller has no such lecture. */
export async function deleteLectureData(services: Services, key: LectureKey): Promise<boolean> {
  const deleted = await deleteLecture(services.db, key, planFor(services, key.owner));
  if (deleted) await afterDeletion(services);
  return deleted;
}

/** False when the caller has no such course. */
export async function deleteCourseData(services: Services, owner: string, courseId: string): Promise<boolean> {
  const deleted = await deleteCourse(services.db, owner, courseId, planFor(services, owner));
  if (deleted) await afterDeletion(services);
  return deleted;
}

async function afterDeletion(services: Services) {
  // The late-write check runs from the sweep, which must not go idle before it is due.
  await noteActivity(services.storage, { force: true });
  // Best effort: what this pass leaves (a large course, an unavailable bucket) the sweep removes.
  await purgeDeletedObjects(services).catch((error) =>
    console.error(JSON.stringify({ level: "warn", msg: "object deletion deferred to the sweep", error: String((error as Error)?.message ?? error) })),
  );
}

/** Removes one pass of the objects due for deletion. */
export async function purgeDeletedObjects(services: Services): Promise<{ deleted: number; failed: number; pending: boolean }> {
  const { db, storage } = services;
  const { due, waiting } = await dueObjectDeletions(db, PASS_SIZE);
  const done: DueDeletion[] = [];
  const failed: DueDeletion[] = [];
  for (let i = 0; i < due.length; i += PARALLEL) {
    await Promise.all(
      due.slice(i, i + PARALLEL).map(async (entry) => {
        const key = storage.keyOf(entry.path);
        try {
          // A URI of another bucket or store is not ours to delete: only forgotten.
          if (key) await storage.delete(key);
          done.push(entry);
        } catch {
          failed.push(entry);
        }
      }),
    );
  }
  await settleObjectDeletions(db, done, failed);
  // Pending keeps the sweep awake: more due than one pass, failures to retry, or late-write checks to come.
  return { deleted: done.length, failed: failed.length, pending: due.length === PASS_SIZE || failed.length > 0 || waiting };
}

/** Audio is expired at most this many lectures per sweep. */
const RETENTION_BATCH = 1000;
/** One daily run expires at most this many batches; the rest wait for the next day. */
const MAX_RETENTION_ROUNDS = 50;

/** Deletes raw audio past `PLC_AUDIO_RETENTION_DAYS` (transcripts and material stay). */
export async function runRetention(services: Services): Promise<number> {
  const days = services.config.audioRetentionDays;
  if (days === undefined) return 0;
  // Batches until none is full, so a day with more lectures due than one batch does not fall behind.
  let expired = 0;
  for (let round = 0; round < MAX_RETENTION_ROUNDS; round++) {
    const n = await expireAudio(services.db, days, RETENTION_BATCH);
    expired += n;
    if (n < RETENTION_BATCH) break;
  }
  return expired;
}
