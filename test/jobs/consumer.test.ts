import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listDeadLetters } from "../../src/db/jobs.ts";
import { uid } from "../support/http.ts";
import { ingestOk, transcribedLecture, waitForJob } from "../support/lectures.ts";
import { deliver, jobRow, queuedJob, testServices } from "../support/jobs.ts";

describe("queue consumer (synthetic batches)", () => {
  it("acks a message whose stage succeeds and records the result", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription", { model: "base" });
    const { ids, result } = await deliver([{ jobId: job.id }]);
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
    const done = await jobRow(job.id);
    expect(done).toMatchObject({ status: "completed", attempt: 1, error: null });
    expect(done!.result).toMatchObject({ lectureId, segmentCount: expect.any(Number) });
    expect(done!.finished_at).not.toBeNull();
  });

  it("fails a permanent error at once and acks: audio without an OpenAI key", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([new Uint8Array([1, 2, 3])], { type: "audio/mpeg" }), filename: "talk.mp3" });
    const job = await queuedJob(lectureId, "transcription");
    const { ids, result } = await deliver([{ jobId: job.id }]);
    expect(result.explicitAcks).toEqual(ids);
    const failed = await jobRow(job.id);
    expect(failed).toMatchObject({ status: "failed", attempt: 1 });
    expect(failed!.error).toContain("OPENAI_API_KEY");
    expect(await listDeadLetters(testServices().db, job.id)).toEqual([]); // permanent: not a dead letter
  });

  it("treats a duplicate or late delivery of a finished job as a no-op", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    await deliver([{ jobId: job.id }]);
    const before = await jobRow(job.id);
    const { ids, result } = await deliver([{ jobId: job.id }, { jobId: job.id }]);
    expect(result.explicitAcks).toEqual(ids);
    expect(await jobRow(job.id)).toEqual(before);
  });

  it("decides each message of a mixed batch on its own", async () => {
    const ok = uid("ok");
    const audio = uid("audio");
    await ingestOk({ courseId: uid("c"), lectureId: ok });
    await ingestOk({ courseId: uid("c"), lectureId: audio, file: new Blob([new Uint8Array([9])]), filename: "a.m4a" });
    const good = await queuedJob(ok, "transcription");
    const bad = await queuedJob(audio, "transcription");
    const { ids, result } = await deliver([{ jobId: good.id }, { nonsense: true }, { jobId: bad.id }, { jobId: "no-such-job" }]);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(result.retryBatch.retry).toBe(false);
    expect((await jobRow(good.id))!.status).toBe("completed");
    expect((await jobRow(bad.id))!.status).toBe("failed");
  });

  it("keeps a generation waiting while its transcription is pending, without spending an attempt", async () => {
    const lectureId = uid("lec");
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId });
    const transcription = await queuedJob(lectureId, "transcription");
    const generation = await queuedJob(lectureId, "generation", { courseId, presetId: "exam-mode", openaiModel: "gpt-4o-mini" });
    const { ids, result } = await deliver([{ jobId: generation.id }]);
    expect(result.explicitAcks).toEqual(ids);
    const waiting = await jobRow(generation.id);
    expect(waiting).toMatchObject({ status: "queued", attempt: 0, error: null });
    expect(waiting!.next_attempt_at).not.toBeNull(); // a fresh message was sent with a delay

    // Once the transcription is done, the re-sent message (real queue) runs the generation.
    await deliver([{ jobId: transcription.id }]);
    const done = await waitForJob(generation.id);
    expect(done).toMatchObject({ status: "completed", attempt: 1 });
  });

  it("fails a generation at once when no transcription exists or is pending", async () => {
    const lectureId = uid("lec");
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId });
    const generation = await queuedJob(lectureId, "generation", { courseId, presetId: "exam-mode", openaiModel: "gpt-4o-mini" });
    await deliver([{ jobId: generation.id }]);
    expect(await jobRow(generation.id)).toMatchObject({ status: "failed", error: "Transcript not found. Run transcription first.", attempt: 1 });
  });

  it("records every message that reaches the dead-letter queue and fails its job", async () => {
    const lectureId = await transcribedLecture({ courseId: uid("c"), lectureId: uid("lec") });
    const job = await queuedJob(lectureId, "export");
    const { ids, result } = await deliver([{ jobId: job.id }, "not even json"], { queue: "pegasus-jobs-dlq", attempts: 11 });
    expect(result.explicitAcks).toEqual(ids);
    const letters = await listDeadLetters(testServices().db, job.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ job_id: job.id, attempts: 11, message: { jobId: job.id } });
    const failed = await jobRow(job.id);
    expect(failed!.status).toBe("failed");
    expect(failed!.error).toMatch(/exhausted/);
    // The same message delivered again (queues deliver at least once) is recorded once.
    await deliver([{ jobId: job.id }], { queue: "pegasus-jobs-dlq", ids: [ids[0]!] });
    expect(await listDeadLetters(testServices().db, job.id)).toHaveLength(1);
  });

  it("keeps every message when the configuration is broken: the whole batch is retried", async () => {
    const { result } = await deliver([{ jobId: "a" }, { jobId: "b" }], { overrides: { DATABASE_URL: "mysql://nope" } });
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
  });

  it("retries (never acks) messages it cannot even claim because the database is down", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const down = { NEON_FETCH_ENDPOINT: `${env.TEST_FAULT_PROXY}/refuse/sql` };
    const { ids, result } = await deliver([{ jobId: job.id }, { jobId: job.id }], { overrides: down });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([...ids].sort());
    expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempt: 0 }); // untouched: nothing was lost
    // The dead-letter consumer likewise keeps what it could not record.
    const dlq = await deliver([{ jobId: job.id }], { overrides: down, queue: "pegasus-jobs-dlq" });
    expect(dlq.result.retryMessages.map((m) => m.msgId)).toEqual(dlq.ids);
  });
});
