/**
 * Ingest failures in s3 mode: storage refusing a multi-part upload ends the request promptly,
 * with nothing left behind; an upload cut off mid-body is aborted.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import { ingest } from "../support/lectures.ts";
import { cutOffIngest, uploadRows } from "../support/uploads.ts";

/** The multipart uploads the local S3 server still has open. */
async function openUploads(): Promise<{ uploadId: string; key: string }[]> {
  return (await fetch(`http://127.0.0.1:${env.TEST_S3_PORT}/__uploads`)).json();
}

describe("ingest in s3 mode", () => {
  it("fails promptly and cleanly when the bucket is missing, even past the first parts", async () => {
    const lectureId = uid("lec");
    const started = Date.now();
    const res = await ingest({
      courseId: uid("c"),
      lectureId,
      file: new Blob([new Uint8Array(17 * 1024 * 1024)], { type: "audio/mpeg" }),
      filename: "long.mp3",
      overrides: { S3_BUCKET: "no-such-bucket" },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.detail).not.toMatch(/no-such-bucket|S3RVER|127\.0\.0\.1/);
    expect((await call(`/lectures/${lectureId}`)).status).toBe(404);
  });

  it("answers 503 when the storage endpoint is unreachable", async () => {
    const res = await ingest({ courseId: uid("c"), lectureId: uid("lec"), overrides: { S3_ENDPOINT_URL: "http://127.0.0.1:9" } });
    expect(res.status).toBe(503);
    expect((await json(res)).detail).toBe("File storage is unavailable right now; try again shortly.");
  });

  it("aborts the open multipart upload and removes its record when the body fails mid-upload", async () => {
    const lectureId = uid("lec");
    const ext = `c${crypto.randomUUID().slice(0, 8)}`;
    const { request, opened } = cutOffIngest(lectureId, ext);
    const ctx = createExecutionContext();
    const res = await worker.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toBe("The upload was interrupted before the whole body arrived.");

    const upload = opened()!;
    expect(upload.key).toMatch(new RegExp(`^${TEST_PREFIX}audio/[0-9a-f-]{36}\\.${ext}$`));
    await vi.waitFor(async () => expect(await uploadRows(ext)).toEqual([]));
    expect((await openUploads()).map((u) => u.uploadId)).not.toContain(upload.upload_id);
    expect((await call(`/lectures/${lectureId}`)).status).toBe(404);
  });
});
