/**
 * The cron sweep: jobs whose consumer died mid-stage, and jobs whose queue message was never
 * sent, are found and finished through the real local queue.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimJob, extendLease } from "../../src/db/jobs.ts";
import worker from "../../src/index.ts";
import { callWith, json, uid } from "../support/http.ts";
import { ingestOk, waitForJob } from "../support/lectures.ts";
import { deliver, execSql, jobRow, queuedJob, sql, testServices } from "../support/jobs.ts";

async function sweep(overrides: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), { ...env, ...overrides } as never, ctx);
  await waitOnExecutionContext(ctx);
}

const failingQueue = {
  send: async () => {
    throw new Error("queue unavailable");
  },
  sendBatch: async () => {
    throw new Error("queue unavailable");
  },
};

describe("recovery sweep", () => {
  it("re-queues a job left running by a consumer that died, and it completes", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const claim = await claimJob(testServices().db, job.id, 60); // a consumer took it ...
    expect(claim.outcome).toBe("claimed");
    await execSql(sql`update jobs set started_at = now() - interval '2 hours' where id = ${job.id}`); // ... and died long ago

    await sweep();
    const done = await waitForJob(job.id, ["completed", "failed"], 20_000);
    expect(done).toMatchObject({ status: "completed", attempt: 2 });
  });

  it("fails a stuck job that has no attempt left", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await claimJob(testServices().db, job.id, 60);
    await execSql(sql`update jobs set started_at = now() - interval '2 hours', attempt = max_attempts where id = ${job.id}`);
    await sweep();
    const row = (await jobRow(job.id))!;
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/stopped without finishing.*900 s.*No attempts left/);
  });

  it("keeps a job whose queue send failed, and sends it on the next sweep", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const res = await callWith({ JOBS: failingQueue }, `/lectures/${lectureId}/transcribe`, { method: "POST" });
    expect(res.status).toBe(200);
    const { jobId, status } = await json(res);
    expect(status).toBe("queued");
    const pending = (await jobRow(jobId))!;
    expect(pending.enqueued_at).toBeNull(); // nothing is in flight for it

    await sweep();
    expect((await waitForJob(jobId, ["completed", "failed"], 20_000)).status).toBe("completed");
  });

  it("leaves healthy queued and running jobs alone", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const found = await (await import("../../src/jobs/recovery.ts")).runRecoverySweep(testServices({ JOBS: failingQueue }));
    expect(found?.resend ?? []).not.toContain(job.id);
  });

  it("re-queues a running job as soon as its lease lapses, long before the stage timeout", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await claimJob(testServices().db, job.id, 60); // claimed a minute ago; no heartbeat since
    await execSql(sql`update jobs set lease_expires_at = now() - interval '1 second', started_at = now() - interval '61 seconds' where id = ${job.id}`);

    await sweep();
    expect(await waitForJob(job.id, ["completed", "failed"], 20_000)).toMatchObject({ status: "completed", attempt: 2 });
  });
});

describe("job leases", () => {
  it("a redelivered message takes over a job whose consumer is gone (lease lapsed), and finishes it", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await claimJob(testServices().db, job.id, 60); // a consumer claimed it and died
    await execSql(sql`update jobs set lease_expires_at = now() - interval '1 second' where id = ${job.id}`);

    const { ids, result } = await deliver([{ jobId: job.id }]); // the queue redelivers its message
    expect(result.explicitAcks).toEqual(ids);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempt: 2, lease_expires_at: null });
  });

  it("a job under a live lease is left to its consumer", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await claimJob(testServices().db, job.id, 60);
    const { ids, result } = await deliver([{ jobId: job.id }]);
    expect(result.explicitAcks).toEqual(ids);
    expect(await jobRow(job.id)).toMatchObject({ status: "running", attempt: 1 });
    await sweep();
    expect(await jobRow(job.id)).toMatchObject({ status: "running", attempt: 1 });
  });

  it("a lapsed lease on the last attempt is not taken over: the sweep fails the job", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await claimJob(testServices().db, job.id, 60);
    await execSql(sql`update jobs set lease_expires_at = now() - interval '1 second', attempt = max_attempts where id = ${job.id}`);
    await deliver([{ jobId: job.id }]);
    expect(await jobRow(job.id)).toMatchObject({ status: "running" });
    await sweep();
    expect(await jobRow(job.id)).toMatchObject({ status: "failed", error: expect.stringMatching(/No attempts left/) });
  });

  it("the holder extends its lease; a consumer that was taken over, or ran past the stage timeout, cannot", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const db = testServices().db;
    const claim = await claimJob(db, job.id, 5);
    if (claim.outcome !== "claimed") throw new Error("not claimed");
    const first = claim.job;
    const before = (await jobRow(job.id))!.lease_expires_at!;
    expect(await extendLease(db, first, 60, 900)).toBe(true);
    expect(Date.parse((await jobRow(job.id))!.lease_expires_at!)).toBeGreaterThan(Date.parse(before) + 50_000);

    expect(await extendLease(db, first, 60, 0.001)).toBe(false); // past the stage timeout
    await execSql(sql`update jobs set lease_expires_at = now() - interval '1 second' where id = ${job.id}`);
    const takeover = await claimJob(db, job.id, 60);
    expect(takeover).toMatchObject({ outcome: "claimed", job: { attempt: 2 } });
    expect(await extendLease(db, first, 60, 900)).toBe(false); // the first consumer lost its claim
  });
});
