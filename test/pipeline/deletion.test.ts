/**
 * A student deletes a lecture or a course: no row and no stored object may be left behind, a
 * stage still running meanwhile must not bring anything back, and audio past its retention goes
 * while the transcript stays.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { purgeDeletedObjects, runRetention } from "../../src/pipeline/deletion.ts";
import { pipelineStages } from "../../src/pipeline/index.ts";
import { call, callWith, json, TEST_OWNER, TEST_PREFIX, uid } from "../support/http.ts";
import { execSql, jobRow, sql, testServices } from "../support/jobs.ts";
import { ingestOk, post } from "../support/lectures.ts";

const inline = { PLC_INLINE_JOBS: "1" };

/** Every object of the test owner whose key mentions one of `ids`. */
async function objectsOf(...ids: string[]): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BUCKET.list({ prefix: TEST_PREFIX, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.filter((key) => ids.some((id) => key.includes(`/${id}`)));
}

/** Rows that mention the lecture in any table. */
async function rowsOf(lectureId: string) {
  const { rows } = (await execSql(sql`
    select (select count(*) from lectures where owner_id = ${TEST_OWNER} and id = ${lectureId})
      + (select count(*) from jobs where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId})
      + (select count(*) from transcript_segments where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId})
      + (select count(*) from artifacts where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId})
      + (select count(*) from exports where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId})
      + (select count(*) from thread_evolution_notes where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId})
      + (select count(*) from thread_occurrences where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId})
      + (select count(*) from threads where owner_id = ${TEST_OWNER} and lecture_refs @> ${JSON.stringify([lectureId])}::jsonb) as n`)) as unknown as {
    rows: { n: string | number }[];
  };
  return Number(rows[0]!.n);
}

/** Ingest, transcribe, generate and export, inside the requests. */
async function processedLecture(courseId: string, lectureId = uid("lec")) {
  const { audioPath } = await ingestOk({ courseId, lectureId });
  for (const stage of ["transcribe", "generate", "export"]) {
    const body = await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, inline));
    expect(body.status, stage).toBe("completed");
  }
  return { lectureId, audioKey: (audioPath as string).replace("r2://pegasus-media/", "") };
}

/** Makes the late-write checks due now, as if a stage timeout had passed, and sweeps. */
async function sweepLateWrites() {
  await execSql(sql`update object_deletions set not_before = now() - interval '1 second' where owner_id = ${TEST_OWNER}`);
  for (let i = 0; i < 10 && (await purgeDeletedObjects(testServices())).pending; i++);
}

describe("DELETE /lectures/{id}", () => {
  it("removes every row and stored object of the lecture; a second DELETE is 404", async () => {
    const courseId = uid("c");
    const { lectureId, audioKey } = await processedLecture(courseId);
    const kept = await processedLecture(courseId);
    expect(await rowsOf(lectureId)).toBeGreaterThan(10);
    // metadata, transcript, 5 artifacts, 4 exports and their manifest (the audio key has no lecture id)
    expect((await objectsOf(lectureId)).length).toBe(1 + 1 + 5 + 4 + 1);

    const res = await call(`/lectures/${lectureId}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await rowsOf(lectureId)).toBe(0);
    expect(await objectsOf(lectureId)).toEqual([]);
    expect(await env.BUCKET.head(audioKey)).toBeNull();
    expect((await call(`/lectures/${lectureId}`)).status).toBe(404);
    expect((await json(await call(`/lectures/${lectureId}/summary`))).code).toBe("lecture_not_found");
    const again = await call(`/lectures/${lectureId}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect((await json(again)).code).toBe("lecture_not_found");

    // The course and its other lecture are untouched; shared threads keep only that lecture.
    expect((await call(`/courses/${courseId}`)).status).toBe(200);
    expect((await json(await call(`/lectures/${kept.lectureId}/summary`))).artifactCount).toBe(5);
    expect(await env.BUCKET.head(kept.audioKey)).not.toBeNull();
    const threads = (await json(await call(`/courses/${courseId}/threads?limit=100`))).threads as { lectureRefs?: string[]; lecture_refs?: string[] }[];
    expect(threads.length).toBeGreaterThan(0);
    for (const thread of threads) expect(JSON.stringify(thread)).not.toContain(lectureId);
  });

  it("a stage still running when the lecture is deleted writes no row, and its late objects are swept", async () => {
    const { lectureId } = await processedLecture(uid("c"));
    // A transcription claimed by a consumer (the job row as it holds it)...
    const started = await json(await post(`/lectures/${lectureId}/transcribe`));
    await execSql(sql`update jobs set status = 'running', attempt = 1, started_at = now() where id = ${started.jobId}`);
    const claimed = (await jobRow(started.jobId))!;
    expect(claimed.status).toBe("running");
    // ... the student deletes the lecture ...
    expect((await call(`/lectures/${lectureId}`, { method: "DELETE" })).status).toBe(204);
    // ... and the consumer, unaware, goes on: a stage that already read its input writes its
    // object late (as here), and its rows are refused, as is every write of a stage run now.
    await env.BUCKET.put(`${TEST_PREFIX}transcripts/${lectureId}.json`, "{}");
    await expect(pipelineStages.run(testServices(), claimed)).rejects.toThrow(/Lecture not found/);
    expect(await rowsOf(lectureId)).toBe(0);
    expect(await objectsOf(lectureId)).toEqual([`${TEST_PREFIX}transcripts/${lectureId}.json`]);
    await sweepLateWrites();
    expect(await objectsOf(lectureId)).toEqual([]);
  });

  it("a lecture created again under the same id keeps its new objects when the late-write check comes due", async () => {
    const courseId = uid("c");
    const { lectureId } = await processedLecture(courseId);
    expect((await call(`/lectures/${lectureId}`, { method: "DELETE" })).status).toBe(204);
    await processedLecture(courseId, lectureId);
    const before = await objectsOf(lectureId);
    expect(before.length).toBeGreaterThan(5);
    await sweepLateWrites();
    expect((await objectsOf(lectureId)).sort()).toEqual(before.sort());
    expect((await json(await call(`/lectures/${lectureId}/summary`))).artifactCount).toBe(5);
  });
});

describe("deletion while the bucket is unavailable", () => {
  /** An R2 bucket that is down: every call fails as a network error would. */
  const fail = () => Promise.reject(new Error("Network connection lost."));
  const downBucket = { head: fail, get: fail, put: fail, delete: fail, list: fail, createMultipartUpload: fail, resumeMultipartUpload: fail };

  it("rows go at once, objects when the bucket is back; a lecture created again meanwhile keeps its objects", async () => {
    const courseId = uid("c");
    const { lectureId, audioKey } = await processedLecture(courseId);
    const res = await callWith({ BUCKET: downBucket }, `/lectures/${lectureId}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await rowsOf(lectureId)).toBe(0);
    expect(await env.BUCKET.head(audioKey)).not.toBeNull(); // still there: the bucket refused

    // The student uploads a lecture under the same id before the sweep has run.
    const again = await processedLecture(courseId, lectureId);
    const current = (await objectsOf(lectureId)).sort();
    for (let i = 0; i < 10 && (await purgeDeletedObjects(testServices())).pending; i++) await sweepLateWrites();
    expect(await env.BUCKET.head(audioKey)).toBeNull(); // the old recording (a key of its own) is gone
    expect(await env.BUCKET.head(again.audioKey)).not.toBeNull();
    expect((await objectsOf(lectureId)).sort()).toEqual(current); // shared keys now belong to the new lecture
    expect((await json(await call(`/lectures/${lectureId}/artifacts`))).artifactRecords).toHaveLength(5);
  });
});

describe("DELETE /courses/{id}", () => {
  it("removes the course, all its lectures, threads and objects", async () => {
    const courseId = uid("c");
    const lectures = [await processedLecture(courseId), await processedLecture(courseId)];
    const other = await processedLecture(uid("c"));
    const res = await call(`/courses/${courseId}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    for (const { lectureId, audioKey } of lectures) {
      expect(await rowsOf(lectureId)).toBe(0);
      expect(await env.BUCKET.head(audioKey)).toBeNull();
    }
    expect(await objectsOf(...lectures.map((l) => l.lectureId))).toEqual([]);
    const { rows } = (await execSql(sql`select count(*)::int as n from threads where owner_id = ${TEST_OWNER} and course_id = ${courseId}`)) as unknown as { rows: { n: number }[] };
    expect(rows[0]!.n).toBe(0);
    expect((await call(`/courses/${courseId}`)).status).toBe(404);
    expect((await call(`/courses/${courseId}`, { method: "DELETE" })).status).toBe(404);
    // Another course of the same owner is untouched.
    expect(await rowsOf(other.lectureId)).toBeGreaterThan(10);
    expect(await env.BUCKET.head(other.audioKey)).not.toBeNull();
  });
});

describe("audio retention", () => {
  it("deletes raw audio transcribed longer ago than PLC_AUDIO_RETENTION_DAYS and keeps the transcript and material", async () => {
    const { lectureId, audioKey } = await processedLecture(uid("c"));
    const fresh = await processedLecture(uid("c"));
    const services = testServices({ PLC_AUDIO_RETENTION_DAYS: "30" });
    await execSql(sql`update jobs set finished_at = now() - interval '31 days'
      where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId} and job_type = 'transcription'`);
    expect(await runRetention(testServices())).toBe(0); // no policy, nothing expires
    expect(await runRetention(services)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 10 && (await purgeDeletedObjects(services)).pending; i++);

    expect(await env.BUCKET.head(audioKey)).toBeNull();
    expect(await env.BUCKET.head(fresh.audioKey)).not.toBeNull();
    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture).toMatchObject({ audio_path: null, transcript_path: expect.any(String) });
    expect(Date.parse(lecture.audio_expired_at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await json(await call(`/lectures/${lectureId}/summary`))).artifactCount).toBe(5);
    const again = await post(`/lectures/${lectureId}/transcribe`);
    expect(again.status).toBe(404);
    expect((await json(again)).detail).toMatch(/retention/);
    expect((await json(await call(`/lectures/${fresh.lectureId}`))).audio_expired_at).toBeNull();
  });
});
