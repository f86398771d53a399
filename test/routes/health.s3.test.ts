/**
 * Readiness in s3 mode: the storage check writes and deletes a probe object through the S3 API.
 */
import { AwsClient } from "aws4fetch";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callWith, json } from "../support/http.ts";

describe("GET /health/ready in s3 mode", () => {
  it("reports storage ok after a write/delete probe against S3 that leaves nothing behind", async () => {
    const res = await call("/health/ready");
    const body = await json(res);
    expect(body.checks.storage).toEqual({ status: "ok" });
    expect(res.status).toBe(200);

    // List the probe's folder on the server: the probe object was deleted again.
    const client = new AwsClient({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER", service: "s3", region: "us-east-1" });
    const list = await client.fetch(`http://127.0.0.1:${env.TEST_S3_PORT}/pegasus-test?prefix=${encodeURIComponent("pegasus/.ready/")}`);
    expect(list.status).toBe(200);
    const xml = await list.text();
    expect(xml).toContain("<ListBucketResult");
    expect(xml).not.toContain("<Key>");
  });

  it("answers 503 with a storage reason when the S3 endpoint is unreachable", async () => {
    const res = await callWith({ S3_ENDPOINT_URL: "http://127.0.0.1:9" }, "/health/ready");
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.status).toBe("degraded");
    expect(body.checks.storage.status).toBe("error");
    expect(body.checks.storage.reason).toMatch(/^storage write\/delete probe failed \(s3\): S3 put failed: the endpoint could not be reached/);
    expect(body.checks.database.status).toBe("ok");
  });

  it("answers 503 naming the S3 setting that is missing", async () => {
    const res = await callWith({ S3_BUCKET: "", S3_SECRET_ACCESS_KEY: "" }, "/health/ready");
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.checks.storage.reason).toContain("S3_BUCKET is required when STORAGE_MODE=s3");
    expect(body.checks.storage.reason).toContain("S3_SECRET_ACCESS_KEY is required");
  });
});
