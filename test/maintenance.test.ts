/**
 * The every-minute cron: while work is pending it sweeps, and once nothing has been started for a
 * while it reads one marker object and leaves the database alone (so Neon can scale to zero).
 * Each test keeps its marker under its own S3 prefix, away from every other test's activity.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IDLE_AFTER_SEC } from "../src/jobs/activity.ts";
import { runMaintenance } from "../src/maintenance.ts";
import { servicesFromEnv } from "../src/services.ts";
import { callWith, json, uid } from "./support/http.ts";
import { queuedJob } from "./support/jobs.ts";
import { ingestOk } from "./support/lectures.ts";

const MARKER = ".maintenance/last-activity";

function ownStorage(extra: Record<string, unknown> = {}) {
  return {
    ...env,
    STORAGE_MODE: "s3",
    S3_ENDPOINT_URL: `http://127.0.0.1:${env.TEST_S3_PORT}`,
    S3_BUCKET: "pegasus-test",
    S3_PREFIX: uid("maintenance"),
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
    ...extra,
  };
}

async function marker(e: object) {
  const object = await servicesFromEnv(e).storage.get(MARKER);
  return object ? new Response(object.body).text() : null;
}

const databaseDown = { NEON_FETCH_ENDPOINT: `${env.TEST_FAULT_PROXY}/refuse/sql` };

describe("cron maintenance", () => {
  it("starting a job marks activity, and then the sweep runs", async () => {
    const e = ownStorage();
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId, overrides: e });
    expect(await marker(e)).toBeNull();
    const res = await callWith(e, `/lectures/${lectureId}/transcribe`, { method: "POST" });
    expect((await json(res)).status).toBe("queued");
    expect(Date.now() - Date.parse((await marker(e))!)).toBeLessThan(10_000);
    const result = await runMaintenance(e);
    expect(result).toMatchObject({ idle: false, jobs: { active: expect.any(Number) }, uploads: { open: expect.any(Number) } });
  });

  it("an idle deployment's sweep never reaches the database", async () => {
    const e = ownStorage(databaseDown);
    await servicesFromEnv(e).storage.put(MARKER, new Date(Date.now() - (IDLE_AFTER_SEC + 60) * 1000).toISOString());
    expect(await runMaintenance(e)).toEqual({ idle: true }); // the database is down, yet nothing failed
  });

  it("a deployment without a marker sweeps (work may be in flight from before) and starts the clock", async () => {
    const e = ownStorage(databaseDown);
    const result = await runMaintenance(e);
    expect(result).toMatchObject({ idle: false, jobs: undefined }); // it tried: the database is down here
    expect(Date.now() - Date.parse((await marker(e))!)).toBeLessThan(10_000);
  });

  it("pending work keeps the sweep going: the marker is renewed while a job is active", async () => {
    const e = ownStorage();
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId, overrides: e });
    await queuedJob(lectureId, "transcription"); // active, its message not yet overdue
    const old = new Date(Date.now() - (IDLE_AFTER_SEC - 30) * 1000).toISOString();
    await servicesFromEnv(e).storage.put(MARKER, old);
    const result = await runMaintenance(e);
    expect(result?.idle).toBe(false);
    expect(result!.jobs!.active).toBeGreaterThan(0);
    expect(Date.parse((await marker(e))!)).toBeGreaterThan(Date.parse(old) + 20_000);
  });
});
