/**
 * The sweep for abandoned multipart uploads, against local R2 and the real database.
 * Rows here are two hours old and the sweep looks back one hour, so a default (six-hour) sweep
 * run by another test never takes them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { abortAbandonedUploads } from "../../src/pipeline/uploads.ts";
import { uid } from "../support/http.ts";
import { execSql, sql, testServices } from "../support/jobs.ts";
import { ingestOk } from "../support/lectures.ts";

const bucket = env.BUCKET as R2Bucket;
const HOUR = 3600;

async function recordUpload(key: string, uploadId: string, ageSec: number) {
  await execSql(sql`insert into multipart_uploads (key, upload_id, created_at) values (${key}, ${uploadId}, now() - make_interval(secs => ${ageSec}))`);
}

async function recorded(key: string) {
  const result = await execSql(sql`select upload_id from multipart_uploads where key = ${key}`);
  return (result as unknown as { rows: { upload_id: string }[] }).rows.map((r) => r.upload_id);
}

describe("abortAbandonedUploads (r2)", () => {
  it("aborts stale uploads, deletes orphaned objects and their rows, and leaves the rest", async () => {
    const key = () => `audio/${crypto.randomUUID()}.sweep`;
    // Abandoned mid-upload: parts in the bucket, no object.
    const staleKey = key();
    const stale = await bucket.createMultipartUpload(staleKey);
    await stale.uploadPart(1, new Uint8Array(1024));
    await recordUpload(staleKey, stale.uploadId, 2 * HOUR);
    // Completed, but the request died before the lecture was written: an orphaned object.
    const orphanKey = key();
    const orphan = await bucket.createMultipartUpload(orphanKey);
    await orphan.complete([await orphan.uploadPart(1, new Uint8Array(1024))]);
    await recordUpload(orphanKey, orphan.uploadId, 2 * HOUR);
    // A lecture's recording whose row was somehow left behind: the object stays.
    const { audioPath } = await ingestOk({ courseId: uid("c"), lectureId: uid("lec") });
    const keptKey = audioPath.replace("r2://pegasus-media/", "");
    await recordUpload(keptKey, "left-behind", 2 * HOUR);
    // Still in flight.
    const freshKey = key();
    const fresh = await bucket.createMultipartUpload(freshKey);
    await recordUpload(freshKey, fresh.uploadId, 60);
    // R2 cannot abort this one (an id it never issued): the row stays for the next sweep.
    const brokenKey = key();
    await recordUpload(brokenKey, "0123456789abcdef0123456789abcdef", 2 * HOUR);

    const result = await abortAbandonedUploads(testServices(), HOUR);
    expect(result.aborted).toBeGreaterThanOrEqual(3);
    expect(result.failed).toBeGreaterThanOrEqual(1);

    for (const done of [staleKey, orphanKey, keptKey]) expect(await recorded(done), done).toEqual([]);
    await expect(bucket.resumeMultipartUpload(staleKey, stale.uploadId).uploadPart(2, new Uint8Array(16))).rejects.toThrow(/does not exist/);
    expect(await bucket.head(orphanKey)).toBeNull();
    expect(await bucket.head(keptKey)).not.toBeNull();
    expect(await recorded(brokenKey)).toEqual(["0123456789abcdef0123456789abcdef"]);
    expect(await recorded(freshKey)).toEqual([fresh.uploadId]);
    await fresh.uploadPart(1, new Uint8Array(16)); // untouched: still open

    await fresh.abort();
    await execSql(sql`delete from multipart_uploads where key in (${freshKey}, ${brokenKey})`);
  });
});
