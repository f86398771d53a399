import { api, ok } from "../support/client.ts";
import { describe, expect, it } from "vitest";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import { ingestOk, post, waitForJob } from "../support/lectures.ts";

const inline = { PLC_INLINE_JOBS: "1" };

describe("GET /jobs/{id}", () => {
  it("returns the seed keys plus attempts and timestamps", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const started = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, inline));
    const job = await json(await call(`/jobs/${started.jobId}`));
    expect(job).toMatchObject({
      id: started.jobId,
      status: "completed",
      jobType: "transcription",
      error: null,
      lectureId,
      attempt: 1,
      maxAttempts: 4,
      nextAttemptAt: null,
      replayedFromJobId: null,
    });
    expect(job.result).toMatchObject({ lectureId, transcriptPath: `r2://pegasus-media/${TEST_PREFIX}transcripts/${lectureId}.json` });
    for (const key of ["createdAt", "updatedAt", "startedAt", "finishedAt"]) expect(job[key]).toMatch(/Z$/);
  });

  it("answers 404 Job not found.", async () => {
    const res = await call("/jobs/unknown");
    expect(res.status).toBe(404);
    expect((await json(res)).detail).toBe("Job not found.");
  });

  it("sends an ETag and answers 304 while the job is unchanged", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const { jobId } = await json(await post(`/lectures/${lectureId}/export`, undefined, inline));
    const first = await call(`/jobs/${jobId}`);
    const etag = first.headers.get("etag")!;
    expect((await call(`/jobs/${jobId}`, { headers: { "If-None-Match": etag } })).status).toBe(304);
  });
});

describe("failed jobs and replay", () => {
  it("fails export at once without artifacts, and replays it as a linked job", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const started = await json(await post(`/lectures/${lectureId}/export`, undefined, inline));
    expect(started.status).toBe("failed");
    const failed = await json(await call(`/jobs/${started.jobId}`));
    expect(failed.error).toBe("Artifacts not found. Run generation first.");
    expect(failed.attempt).toBe(1);

    const replay = await post(`/jobs/${started.jobId}/replay`);
    expect(replay.status).toBe(200);
    const body = await json(replay);
    expect(body).toMatchObject({ jobType: "export", replayedFromJobId: started.jobId });
    expect(body.jobId).not.toBe(started.jobId);
    const replayed = await waitForJob(body.jobId);
    expect(replayed.replayedFromJobId).toBe(started.jobId);
  });

  it("refuses to replay a job that did not fail (409), and unknown jobs (404)", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const { jobId } = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, inline));
    const res = await post(`/jobs/${jobId}/replay`);
    expect(res.status).toBe(409);
    expect((await json(res)).detail).toBe("Only failed jobs can be replayed.");
    expect((await post("/jobs/unknown/replay")).status).toBe(404);
  });
});

describe("GET /jobs", () => {
  it("filters by status, type, lecture and course, newest first, with pagination", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId });
    const t = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, inline));
    const e = await json(await post(`/lectures/${lectureId}/export`, undefined, inline));

    const ids = (body: { jobs: { id: string }[] }) => body.jobs.map((j) => j.id);
    const all = await ok(await api.jobs.$get({ query: { course_id: courseId } }));
    expect(ids(all)).toEqual([e.jobId, t.jobId]);
    expect(all.pagination).toMatchObject({ total: 2, count: 2, hasMore: false });

    const failed = await ok(await api.jobs.$get({ query: { status: "failed", lecture_id: lectureId } }));
    expect(ids(failed)).toEqual([e.jobId]);
    const transcriptions = await ok(await api.jobs.$get({ query: { job_type: "transcription", lecture_id: lectureId } }));
    expect(ids(transcriptions)).toEqual([t.jobId]);

    const page = await ok(await api.jobs.$get({ query: { course_id: courseId, limit: "1", offset: "1" } }));
    expect(ids(page)).toEqual([t.jobId]);

    const bad = await call("/jobs?status=done");
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors[0]).toMatchObject({ loc: ["query", "status"], type: "enum" });
  });
});
