/**
 * The database goes away in the middle of a pipeline running on the real local queue: silent
 * (requests hang) or down (connections dropped). Once it is back, every job must reach a final
 * state, each stage exactly once per lecture, with nothing but the queue and the cron sweep
 * (driven here once a second) to bring it there. This project runs with a 2 s lease, a 2 s
 * lost-message threshold and a 1 s database deadline (vitest.config.ts), the defaults scaled down
 * from 60 s / 60 s / 5 s so the test takes seconds instead of minutes.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { call, json, uid } from "../support/http.ts";
import { ingestOk, post } from "../support/lectures.ts";
import { deliver, jobRow, queuedJob } from "../support/jobs.ts";

type Fault = "pass" | "hang" | "refuse";

/** Switches the database fault now, or arms it to start right after a request containing `after`. */
async function setFault(order: { mode: Fault; after?: string; forMs?: number }) {
  const res = await fetch(`${env.TEST_FAULT_PROXY}/__fault`, { method: "POST", body: JSON.stringify(order) });
  expect(res.status).toBe(204);
}

async function sweep() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env as never, ctx);
  await waitOnExecutionContext(ctx);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jobsOf(lectureId: string) {
  const res = await call(`/lectures/${lectureId}/jobs`);
  if (res.status !== 200) return null; // the database may still be waking up
  return (await json(res)).jobs as { id: string; jobType: string; status: string; attempt: number; error: string | null }[];
}

/** Runs the sweep once a second, as cron would (scaled), until every job of the lectures is final. */
async function settle(lectureIds: string[], deadlineMs: number) {
  const started = Date.now();
  for (;;) {
    const all = await Promise.all(lectureIds.map(jobsOf));
    if (all.every((jobs) => jobs && jobs.length === 3 && jobs.every((j) => j.status === "completed" || j.status === "failed")))
      return { jobs: all.flat() as NonNullable<Awaited<ReturnType<typeof jobsOf>>>, ms: Date.now() - started };
    if (Date.now() - started > deadlineMs) {
      throw new Error(`jobs not final after ${deadlineMs} ms: ${JSON.stringify(all.flat().map((j) => j && [j.jobType, j.status, j.attempt, j.error]))}`);
    }
    await sweep().catch(() => {});
    await sleep(1000);
  }
}

async function runPipelineThrough(fault: Fault) {
  const courseId = uid("c");
  const lectureIds = Array.from({ length: 4 }, () => uid("lec"));
  for (const lectureId of lectureIds) await ingestOk({ courseId, lectureId });
  // The outage begins the moment a consumer has claimed a job: its stage and the recording of its
  // outcome meet a missing database, the case that used to leave jobs running for 15 minutes.
  await setFault({ mode: fault, after: "set status = 'running'", forMs: 3000 });
  for (const lectureId of lectureIds) {
    for (const stage of ["transcribe", "generate", "export"]) {
      // Like a real client, retry a 503 after a pause (a retried start is deduplicated).
      let res = await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined);
      while (res.status === 503) {
        await sleep(500);
        res = await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined);
      }
      expect(res.status).toBe(200);
    }
  }
  await sleep(3000);
  const { jobs, ms } = await settle(lectureIds, 45_000);
  // The outage did happen: the armed fault went off.
  const state = (await (await fetch(`${env.TEST_FAULT_PROXY}/__fault`)).json()) as { armed: boolean };
  expect(state.armed).toBe(false);
  expect(jobs.map((j) => [j.jobType, j.status])).toEqual(jobs.map((j) => [j.jobType, "completed"]));
  // Each stage ran to completion once per lecture: one job each, no duplicates.
  for (const lectureId of lectureIds) {
    const stages = (await jobsOf(lectureId))!.map((j) => j.jobType).sort();
    expect(stages).toEqual(["export", "generation", "transcription"]);
    const summary = await json(await call(`/lectures/${lectureId}/summary`));
    expect(summary).toMatchObject({ overallStatus: "completed", progressPercent: 100, artifactCount: 5 });
  }
  return ms;
}

describe("a database outage in the middle of a pipeline", () => {
  // Each test starts with a database that answers, whatever the one before it left armed.
  beforeEach(() => setFault({ mode: "pass" }));

  it("a silent database: every job still completes, once, after it answers again", async () => {
    await runPipelineThrough("hang");
  }, 60_000);

  it("a database that drops connections: every job still completes, once, after it is back", async () => {
    await runPipelineThrough("refuse");
  }, 60_000);

  it("a stage whose outcome cannot be written is retried, not acknowledged, and taken over once its lease lapses", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await setFault({ mode: "refuse", after: "set status = 'running'", forMs: 1500 });
    const first = await deliver([{ jobId: job.id }]);
    expect(first.result.explicitAcks).toEqual([]);
    expect(first.result.retryMessages.map((m) => m.msgId)).toEqual(first.ids);

    await sleep(1600); // the database is back; the job is still running under the dead claim
    expect(await jobRow(job.id)).toMatchObject({ status: "running", attempt: 1 });
    await sleep(1000); // the 2 s lease lapses: the redelivered message takes over
    const again = await deliver([{ jobId: job.id }]);
    expect(again.result.explicitAcks).toEqual(again.ids);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempt: 2 });
  });
});

describe("reads while the database is away", () => {
  it.each(["hang", "refuse"] as const)("%s: 503 database_unavailable with Retry-After, for a single statement and for a batch alike", async (mode) => {
    const lectureId = uid("lec");
    const courseId = uid("course");
    await ingestOk({ courseId, lectureId });
    await setFault({ mode });
    try {
      for (const path of [`/lectures/${lectureId}`, `/lectures/${lectureId}/progress`, `/lectures/${lectureId}/summary`, `/courses/${courseId}/progress`]) {
        const res = await call(path);
        expect(res.status, path).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        expect(await json(res)).toMatchObject({ code: "database_unavailable", status: 503 });
      }
    } finally {
      await setFault({ mode: "pass" });
    }
  });
});
