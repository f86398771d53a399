/**
 * Abandoned uploads: a multipart upload whose request died (client gone, Worker stopped) keeps
 * its parts in the bucket until someone aborts it. The cron sweep finds them through the
 * multipart_uploads rows the ingest keeps (src/db/uploads.ts) and aborts them.
 */
import { countOpenUploads, forgetUploads, staleUploads, type UploadRef } from "../db/uploads.ts";
import type { Services } from "../services.ts";

/**
 * An upload still open after this long was abandoned. At the default 100 MB limit six hours is
 * under 5 KB/s, far slower than any usable connection, and the ingest request that owns an upload
 * writes or deletes its row within seconds of the last byte. (R2 itself drops multipart uploads
 * only after seven days.)
 */
export const ABANDONED_UPLOAD_AFTER_SEC = 6 * 60 * 60;

/** Per sweep: the cron runs every minute, and each upload costs two storage calls (subrequests). */
const SWEEP_LIMIT = 50;
const CONCURRENCY = 6;

export interface UploadSweepResult {
  /** Uploads aborted (or found already gone) whose rows were removed. */
  aborted: number;
  /** Uploads that could not be aborted this time; their rows stay for the next sweep. */
  failed: number;
}

/**
 * Aborts the multipart uploads opened more than `olderThanSec` ago and still recorded, deletes
 * their objects when one was completed but never recorded in a lecture, and removes their rows:
 * one statement to read, one to delete.
 */
export async function abortAbandonedUploads(
  services: Pick<Services, "db" | "storage">,
  olderThanSec: number = ABANDONED_UPLOAD_AFTER_SEC,
): Promise<UploadSweepResult> {
  const { db, storage } = services;
  const stale = await staleUploads(db, olderThanSec, storage.uri(""), SWEEP_LIMIT);
  const done: UploadRef[] = [];
  let failed = 0;
  for (let i = 0; i < stale.length; i += CONCURRENCY) {
    await Promise.all(
      stale.slice(i, i + CONCURRENCY).map(async ({ key, uploadId, referenced }) => {
        try {
          // A referenced object is a lecture's recording: only the row was left behind.
          if (!referenced) {
            await storage.abortMultipart(key, uploadId);
            // The upload may have completed before its request died: then the object is an orphan.
            await storage.delete(key);
          }
          done.push({ key, uploadId });
        } catch (error) {
          failed++;
          console.error(JSON.stringify({ level: "warn", msg: "abandoned upload not aborted", key, uploadId, error: String((error as Error)?.message ?? error) }));
        }
      }),
    );
  }
  await forgetUploads(db, done);
  return { aborted: done.length, failed };
}

/** The cron's part: the sweep, logged when it found something; never throws. */
export async function runUploadSweep(services: Services): Promise<(UploadSweepResult & { open: number }) | undefined> {
  try {
    const result = await abortAbandonedUploads(services);
    if (result.aborted || result.failed) console.log(JSON.stringify({ msg: "upload sweep", ...result }));
    return { ...result, open: await countOpenUploads(services.db) };
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "upload sweep failed", error: services.stages.classify(error).message }));
    return undefined;
  }
}
