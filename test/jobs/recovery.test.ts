/**
 * The cron sweep: jobs whose consumer died mid-stage, and jobs whose queue message was never
 * sent, are found and finished through the real local queue.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimJob } from "../../src/db/jobs.ts";
import worker from "../../src/index.ts";
import { callWith, json, uid } from "../support/http.ts";
import { ingestOk, waitForJob } from "../support/lectures.ts";
import { execSql, jobRow, queuedJob, sql, testServices } from "../support/jobs.ts";

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
    const claim = await claimJob(testServices().db, job.id); // a consumer took it ...
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
    await claimJob(testServices().db, job.id);
    await execSql(sql`update jobs set started_at = now() - interval '2 hours', attempt = max_attempts where id = ${job.id}`);
    await sweep();
    const row = (await jobRow(job.id))!;
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/did not finish within 900 s.*No attempts left/);
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
    const found = await (await import("../../src/jobs/recovery.ts")).runRecoverySweep({ ...env, JOBS: failingQueue });
    expect(found?.resend ?? []).not.toContain(job.id);
  });
});
