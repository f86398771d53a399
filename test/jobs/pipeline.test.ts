/**
 * The job engine end to end through the real local queue, offline (no OpenAI key).
 */
import { describe, expect, it } from "vitest";
import { call, json, uid } from "../support/http.ts";
import { ingestOk, post, waitForJob } from "../support/lectures.ts";

describe("jobs through the real local queue", () => {
  it("transcribe, generate and export fired back to back all complete", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const t = await json(await post(`/lectures/${lectureId}/transcribe`));
    const g = await json(await post(`/lectures/${lectureId}/generate`, {}));
    const e = await json(await post(`/lectures/${lectureId}/export`));
    expect([t.status, g.status, e.status]).toEqual(["queued", "queued", "queued"]);

    const jobs = [];
    for (const id of [t.jobId, g.jobId, e.jobId]) jobs.push(await waitForJob(id, ["completed", "failed"], 25_000));
    expect(jobs.map((j) => [j.status, j.attempt])).toEqual([["completed", 1], ["completed", 1], ["completed", 1]]);
    expect(jobs[1].result.generator).toBe("offline");
    expect(Object.keys(jobs[2].result.exportPaths).sort()).toEqual(["anki", "json", "markdown", "pdf"]);

    const progress = await json(await call(`/lectures/${lectureId}/progress`));
    expect(progress).toMatchObject({ overallStatus: "completed", progressPercent: 100 });
  });

  it("inline mode answers with the final status in the response", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const res = await post(`/lectures/${lectureId}/transcribe`, undefined, { PLC_INLINE_JOBS: "true" });
    expect(await json(res)).toMatchObject({ status: "completed", jobType: "transcription" });
    const failed = await post(`/lectures/${lectureId}/export`, undefined, { PLC_INLINE_JOBS: "on" });
    expect(await json(failed)).toMatchObject({ status: "failed", jobType: "export" });
  });
});
