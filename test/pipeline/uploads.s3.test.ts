/**
 * The sweep for abandoned multipart uploads in s3 mode, against the local S3 server. Rows here
 * are four hours old and the sweep looks back three: the r2 project's test sweeps one hour back
 * (its R2 binding cannot abort these ids, so it leaves their rows), a default sweep six.
 */
import { AwsClient } from "aws4fetch";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { abortAbandonedUploads } from "../../src/pipeline/uploads.ts";
import { execSql, sql, testServices } from "../support/jobs.ts";

const HOUR = 3600;
const ENDPOINT = `http://127.0.0.1:${env.TEST_S3_PORT}`;
const s3 = new AwsClient({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER", service: "s3", region: "us-east-1" });
/** The s3 project's bucket and prefix (vitest.config.ts). */
const objectUrl = (key: string) => `${ENDPOINT}/pegasus-test/pegasus/${key}`;

async function createUpload(key: string): Promise<string> {
  const response = await s3.fetch(`${objectUrl(key)}?uploads`, { method: "POST" });
  return /<UploadId>([^<]+)<\/UploadId>/.exec(await response.text())![1]!;
}

async function uploadPart(key: string, uploadId: string, n: number) {
  const response = await s3.fetch(`${objectUrl(key)}?partNumber=${n}&uploadId=${uploadId}`, { method: "PUT", body: new Uint8Array(1024) });
  await response.arrayBuffer();
  return { status: response.status, etag: response.headers.get("etag")! };
}

async function openUploads(): Promise<{ uploadId: string; key: string }[]> {
  return (await fetch(`${ENDPOINT}/__uploads`)).json();
}

async function recordUpload(key: string, uploadId: string, ageSec: number) {
  await execSql(sql`insert into multipart_uploads (key, upload_id, created_at) values (${key}, ${uploadId}, now() - make_interval(secs => ${ageSec}))`);
}

async function recorded(key: string) {
  const result = await execSql(sql`select upload_id from multipart_uploads where key = ${key}`);
  return (result as unknown as { rows: { upload_id: string }[] }).rows.map((r) => r.upload_id);
}

describe("abortAbandonedUploads (s3)", () => {
  it("aborts stale uploads, deletes orphaned objects and their rows, and leaves fresh ones", async () => {
    const key = () => `audio/${crypto.randomUUID()}.sweep`;
    const staleKey = key();
    const stale = await createUpload(staleKey);
    expect((await uploadPart(staleKey, stale, 1)).status).toBe(200);
    await recordUpload(staleKey, stale, 4 * HOUR);
    // Completed, but never recorded in a lecture: an orphaned object.
    const orphanKey = key();
    const orphan = await createUpload(orphanKey);
    const { etag } = await uploadPart(orphanKey, orphan, 1);
    const manifest = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    expect((await s3.fetch(`${objectUrl(orphanKey)}?uploadId=${orphan}`, { method: "POST", body: manifest })).status).toBe(200);
    await recordUpload(orphanKey, orphan, 4 * HOUR);
    const freshKey = key();
    const fresh = await createUpload(freshKey);
    await recordUpload(freshKey, fresh, 60);

    const result = await abortAbandonedUploads(testServices(), 3 * HOUR);
    expect(result.aborted).toBeGreaterThanOrEqual(2);

    expect(await recorded(staleKey)).toEqual([]);
    expect(await recorded(orphanKey)).toEqual([]);
    const open = (await openUploads()).map((u) => u.uploadId);
    expect(open).not.toContain(stale);
    expect(open).toContain(fresh);
    expect((await uploadPart(staleKey, stale, 2)).status).toBe(404);
    expect(await testServices().storage.get(orphanKey)).toBeNull();
    expect(await recorded(freshKey)).toEqual([fresh]);

    await testServices().storage.abortMultipart(freshKey, fresh);
    expect((await openUploads()).map((u) => u.uploadId)).not.toContain(fresh);
    await execSql(sql`delete from multipart_uploads where key = ${freshKey}`);
  });
});
