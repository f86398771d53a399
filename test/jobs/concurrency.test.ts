/**
 * Two consumers racing for one job: the conditional claim lets exactly one run it. Meaningful on
 * the PostgreSQL backend (TEST_DATABASE_URL), where the two claims really run at the same time.
 */
import { describe, expect, it } from "vitest";
import { claimJob } from "../../src/db/jobs.ts";
import { executeJob } from "../../src/jobs/engine.ts";
import { uid } from "../support/http.ts";
import { ingestOk } from "../support/lectures.ts";
import { deliver, jobRow, queuedJob, testServices } from "../support/jobs.ts";

describe("claiming a job", () => {
  it("lets exactly one of many simultaneous claims win", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const db = testServices().db;
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimJob(db, job.id, 60)));
    expect(claims.filter((c) => c.outcome === "claimed")).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === "not_queued")).toHaveLength(7);
    expect((await jobRow(job.id))!.attempt).toBe(1);
  });

  it("runs the stage once when two consumers get the same message at once", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const services = testServices();
    const outcomes = await Promise.all([executeJob(services, job.id), executeJob(services, job.id)]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(["completed", "skipped"]);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempt: 1 });
  });

  it("two batches delivering the same message concurrently both ack, one runs it", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const [a, b] = await Promise.all([deliver([{ jobId: job.id }]), deliver([{ jobId: job.id }])]);
    expect(a.result.explicitAcks).toEqual(a.ids);
    expect(b.result.explicitAcks).toEqual(b.ids);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempt: 1 });
  });
});
