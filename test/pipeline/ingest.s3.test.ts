/**
 * Ingest failures in s3 mode: storage refusing a multi-part upload ends the request promptly,
 * with nothing left behind.
 */
import { describe, expect, it } from "vitest";
import { call, json, uid } from "../support/http.ts";
import { ingest } from "../support/lectures.ts";

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
});
