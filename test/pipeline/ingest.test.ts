/**
 * Ingest against local R2: an upload cut off mid-body (the client went away) leaves no multipart
 * upload open and no record of one.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { call, json, TEST_PREFIX, uid, withCredential } from "../support/http.ts";
import { cutOffIngest, uploadRows } from "../support/uploads.ts";

const bucket = env.BUCKET as R2Bucket;

/** The upload was opened, then aborted and forgotten; no lecture was written. */
async function expectAborted(lectureId: string, ext: string, upload: { key: string; upload_id: string } | undefined) {
  expect(upload?.key).toMatch(new RegExp(`^${TEST_PREFIX}audio/[0-9a-f-]{36}\\.${ext}$`));
  await vi.waitFor(async () => expect(await uploadRows(ext)).toEqual([]));
  // R2 refuses parts for an upload that was aborted.
  await expect(bucket.resumeMultipartUpload(upload!.key, upload!.upload_id).uploadPart(3, new Uint8Array(16))).rejects.toThrow(/does not exist/);
  expect(await bucket.head(upload!.key)).toBeNull();
  expect((await call(`/lectures/${lectureId}`)).status).toBe(404);
}

describe("ingest: an upload cut off mid-body", () => {
  it("aborts the open multipart upload and removes its record when reading the body fails", async () => {
    const lectureId = uid("lec");
    const ext = `c${crypto.randomUUID().slice(0, 8)}`;
    const { request, opened } = cutOffIngest(lectureId, ext);
    // Straight into the handler, so its body read fails as it does when the client goes away.
    const ctx = createExecutionContext();
    const res = await worker.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toBe("The upload was interrupted before the whole body arrived.");
    await expectAborted(lectureId, ext, opened());
  });

  it("does the same when the body just stops (the runtime ends it early)", async () => {
    const lectureId = uid("lec");
    const ext = `c${crypto.randomUUID().slice(0, 8)}`;
    const { request, opened } = cutOffIngest(lectureId, ext);
    const res = await exports.default.fetch(request);
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toBe("The multipart body is malformed or was cut off.");
    await expectAborted(lectureId, ext, opened());
  });
});

describe("ingest: an upload declared too large", () => {
  it("answers 413 from Content-Length alone, without reading the body", async () => {
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const declared = 101 * 1024 * 1024 + 2 * 1024 * 1024; // over the 100 MB limit plus the envelope
    const request = new Request(
      "http://pegasus.test/lectures/ingest",
      withCredential({
        method: "POST",
        body,
        headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(declared) },
        duplex: "half",
      } as RequestInit),
    );
    const res = await worker.fetch(request, env, createExecutionContext());
    expect(res.status).toBe(413);
    expect((await json(res)).detail).toMatch(/exceeds the 100 MB limit/);
    // Only what a stream buffers ahead of its reader, never the declared 103 MiB.
    expect(pulled).toBeLessThanOrEqual(chunk.byteLength);
  });
});
