/**
 * Transient provider failures (the local OpenAI server answering 503/429), with an OpenAI key set
 * for the whole project so the real queue consumer sees it too.
 */
import { api, ok } from "../support/client.ts";
import { describe, expect, it, vi } from "vitest";
import { listDeadLetters } from "../../src/db/jobs.ts";
import { json, uid } from "../support/http.ts";
import { ingestOk, post, waitForJob } from "../support/lectures.ts";
import { deliver, jobRow, queuedJob, testServices } from "../support/jobs.ts";

const SPOKEN = "The mitochondrion makes ATP.\nIt has an inner membrane folded into cristae.\nThe electron transport chain sits in that membrane.";

async function audioLecture(filename: string) {
  const lectureId = uid("lec");
  await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([SPOKEN], { type: "audio/mpeg" }), filename });
  return lectureId;
}

const seconds = (a: string, b: string) => (Date.parse(a) - Date.parse(b)) / 1000;

describe("retries (synthetic deliveries)", () => {
  it("retries a transient failure with the configured backoff bucket, then gives up into the dead-letter queue", async () => {
    const lectureId = await audioLecture(`always-503-${crypto.randomUUID()}.mp3`);
    const job = await queuedJob(lectureId, "transcription");
    const overrides = { JOB_RETRY_DELAYS_SEC: "10,60,300" };

    for (const [attempt, bucket] of [[1, 10], [2, 60], [3, 300]] as const) {
      const { ids, result } = await deliver([{ jobId: job.id }], { overrides });
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
      expect(result.explicitAcks).toEqual([]);
      const row = (await jobRow(job.id))!;
      expect(row).toMatchObject({ status: "queued", attempt });
      expect(row.error).toMatch(/503/);
      const delay = seconds(row.next_attempt_at!, row.updated_at);
      expect(delay).toBeGreaterThanOrEqual(bucket - 0.5);
      expect(delay).toBeLessThanOrEqual(bucket * 1.1 + 1);
    }

    const { ids, result } = await deliver([{ jobId: job.id }], { overrides });
    expect(result.explicitAcks).toEqual(ids);
    const failed = (await jobRow(job.id))!;
    expect(failed).toMatchObject({ status: "failed", attempt: 4 });
    expect(failed.error).toMatch(/gave up after 4 attempts/);
    // The exhausted job went to the dead-letter queue, whose consumer recorded it.
    await vi.waitFor(async () => expect(await listDeadLetters(testServices().db, job.id)).toHaveLength(1), { timeout: 10_000 });
  });

  it("retries a 429 (transient) and acks a success within the same batch", async () => {
    const limited = await queuedJob(await audioLecture(`status-429-${crypto.randomUUID()}.mp3`), "transcription");
    const fine = await queuedJob(await audioLecture(`ok-${crypto.randomUUID()}.mp3`), "transcription");
    const { ids, result } = await deliver([{ jobId: limited.id }, { jobId: fine.id }]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([ids[0]]);
    expect(result.explicitAcks).toEqual([ids[1]]);
    expect((await jobRow(limited.id))!.status).toBe("queued");
    expect((await jobRow(fine.id))!.status).toBe("completed");
  });
});

describe("retries through the real local queue", () => {
  it("a stage that fails transiently twice, then succeeds, ends completed on attempt 3", async () => {
    const lectureId = await audioLecture(`fail-twice-${crypto.randomUUID()}.mp3`);
    const { jobId } = await json(await post(`/lectures/${lectureId}/transcribe`));
    const done = await waitForJob(jobId, ["completed", "failed"], 25_000);
    expect(done).toMatchObject({ status: "completed", attempt: 3, maxAttempts: 4 });
    expect(done.result.segmentCount).toBe(3);
  });

  it("a stage that always fails ends failed and is recorded as a dead letter", async () => {
    const lectureId = await audioLecture(`always-503-${crypto.randomUUID()}.mp3`);
    const { jobId } = await json(await post(`/lectures/${lectureId}/transcribe`));
    const failed = await waitForJob(jobId, ["failed"], 25_000);
    expect(failed.attempt).toBe(4);
    await vi.waitFor(async () => expect(await listDeadLetters(testServices().db, jobId)).toHaveLength(1), { timeout: 10_000 });
    const view = await ok(await api.jobs.$get({ query: { status: "failed", lecture_id: lectureId } }));
    expect(view.jobs.map((j) => j.id)).toEqual([jobId]);
  });

  it("transcribe, generate and export fired back to back all complete (model-written material)", async () => {
    const lectureId = await audioLecture(`talk-${crypto.randomUUID()}.mp3`);
    const t = await json(await post(`/lectures/${lectureId}/transcribe`));
    const g = await json(await post(`/lectures/${lectureId}/generate`, {}));
    const e = await json(await post(`/lectures/${lectureId}/export`));
    for (const id of [t.jobId, g.jobId, e.jobId]) expect((await waitForJob(id, ["completed", "failed"], 25_000)).status).toBe("completed");
    expect((await waitForJob(g.jobId)).result.generator).toBe("openai:gpt-4o-mini");
  });
});
