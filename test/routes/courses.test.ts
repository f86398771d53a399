import { describe, expect, it } from "vitest";
import { api, ok } from "../support/client.ts";
import { call, callWith, json, TEST_OWNER, uid } from "../support/http.ts";
import { execSql, sql } from "../support/jobs.ts";
import { ingestOk, post } from "../support/lectures.ts";
import { courseProgress } from "../../src/domain/progress.ts";

const inline = { PLC_INLINE_JOBS: "1" };

describe("GET /courses and /courses/{id}", () => {
  it("lists courses newest first with pagination", async () => {
    const a = uid("course-a");
    const b = uid("course-b");
    await ingestOk({ courseId: a, lectureId: uid("l"), courseTitle: "First" });
    await ingestOk({ courseId: b, lectureId: uid("l"), courseTitle: "Second" });
    const body = await ok(await api.courses.$get({ query: { limit: "2" } }));
    expect(body.courses.map((c) => c.id)).toEqual([b, a]);
    expect(Object.keys(body.courses[0]!)).toEqual(["id", "title", "created_at", "updated_at"]);
    expect(body.pagination).toMatchObject({ limit: 2, offset: 0, count: 2 });
    expect(body.pagination.total).toBeGreaterThanOrEqual(2);
  });

  it("returns one course or 404 Course not found.", async () => {
    const id = uid("course");
    await ingestOk({ courseId: id, lectureId: uid("l"), courseTitle: "Physics" });
    expect(await json(await call(`/courses/${id}`))).toMatchObject({ id, title: "Physics" });
    const missing = await call("/courses/missing");
    expect(missing.status).toBe(404);
    expect((await json(missing)).detail).toBe("Course not found.");
  });

  it("lists a course's lectures only, newest first; 404 for an unknown course", async () => {
    const id = uid("course");
    const l1 = uid("l1");
    const l2 = uid("l2");
    await ingestOk({ courseId: id, lectureId: l1 });
    await ingestOk({ courseId: id, lectureId: l2 });
    await ingestOk({ courseId: uid("other"), lectureId: uid("l3") });
    const body = await ok(await api.courses[":course_id"].lectures.$get({ param: { course_id: id }, query: {} }));
    expect(body.courseId).toBe(id);
    expect(body.lectures.map((l) => l.id)).toEqual([l2, l1]);
    expect(body.pagination.total).toBe(2);
    const missing = await call("/courses/missing/lectures");
    expect(missing.status).toBe(404);
    expect((await json(missing)).detail).toBe("Course not found.");
  });

  it("answers 500 naming the variable when the configuration is broken, without its value", async () => {
    const res = await callWith({ DATABASE_URL: "mysql://user:hunter2@db" }, "/courses");
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.detail).toBe("Server misconfigured: DATABASE_URL is invalid: expected a postgres:// or postgresql:// connection string.");
    expect(JSON.stringify(body)).not.toContain("hunter2");
    expect(body.requestId).toBeTruthy();
  });
});

describe("GET /courses/{id}/threads", () => {
  it("returns the course's threads with notes and occurrences; 404 for an unknown course", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId });
    await post(`/lectures/${lectureId}/transcribe`, undefined, inline);
    await post(`/lectures/${lectureId}/generate`, {}, inline);
    const body = await json(await call(`/courses/${courseId}/threads`));
    expect(body.courseId).toBe(courseId);
    expect(body.threads.length).toBeGreaterThan(0);
    const thread = body.threads[0];
    expect(thread).toMatchObject({ course_id: courseId, lecture_refs: [lectureId] });
    expect(["foundational", "advanced"]).toContain(thread.status);
    expect(thread.evolution_notes).toEqual([expect.objectContaining({ lecture_id: lectureId, change_type: "refinement" })]);
    expect(thread.occurrences[0]).toMatchObject({ lecture_id: lectureId });
    expect(thread.occurrences[0].evidence.length).toBeGreaterThan(10);
    expect((await call("/courses/unknown/threads")).status).toBe(404);
  });
});

describe("GET /courses/{id}/progress", () => {
  it("rolls up lecture progress with counts, half-to-even percent and stage snapshots", async () => {
    const courseId = uid("course");
    const done = uid("done");
    const fresh = uid("fresh");
    await ingestOk({ courseId, lectureId: done });
    await post(`/lectures/${done}/transcribe`, undefined, inline);
    await ingestOk({ courseId, lectureId: fresh });

    const res = await call(`/courses/${courseId}/progress`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      courseId,
      overallStatus: "in_progress",
      lectureCount: 2,
      completedLectureCount: 0,
      failedLectureCount: 0,
      inProgressLectureCount: 1,
      notStartedLectureCount: 1,
      progressPercent: 16, // (33 + 0) / 2 = 16.5 → 16
    });
    expect(body.lectures.map((l: any) => l.lectureId)).toEqual([fresh, done]);
    const doneSnapshot = body.lectures[1];
    expect(doneSnapshot.stageStatuses).toEqual({ transcription: "completed", generation: "not_started", export: "not_started" });
    expect(doneSnapshot.links.jobs).toBe(`/lectures/${done}/jobs`);
    // The newest candidate is the lecture ingested last.
    expect(body.latestActivityAt).toBe((await json(await call(`/lectures/${fresh}`))).updated_at);
  });

  it("omits the lectures key with include_lectures=false and accepts the reference's spellings", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId });
    for (const value of ["false", "0", "No", "off", "F", "n"]) {
      const body = await json(await call(`/courses/${courseId}/progress?include_lectures=${value}`));
      expect(body).not.toHaveProperty("lectures");
      expect(body).toMatchObject({ overallStatus: "not_started", lectureCount: 1, notStartedLectureCount: 1, progressPercent: 0 });
      expect(body.latestActivityAt).toBe((await json(await call(`/lectures/${lectureId}`))).updated_at);
    }
    expect((await json(await call(`/courses/${courseId}/progress?include_lectures=YES`))).lectures).toHaveLength(1);
    const bad = await call(`/courses/${courseId}/progress?include_lectures=maybe`);
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors).toEqual([
      { loc: ["query", "include_lectures"], msg: "Input should be a valid boolean, unable to interpret input", type: "bool_parsing" },
    ]);
  });

  it("answers 404 for an unknown course, and 304 to a matching If-None-Match", async () => {
    const missing = await call("/courses/unknown/progress");
    expect(missing.status).toBe(404);
    expect((await json(missing)).detail).toBe("Course not found.");

    const courseId = uid("course");
    await ingestOk({ courseId, lectureId: uid("lec") });
    const first = await call(`/courses/${courseId}/progress`);
    const again = await call(`/courses/${courseId}/progress`, { headers: { "If-None-Match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  it("every lecture's entry, from the facts the database keeps, says what the lecture's own progress says, on every combination of stage states", async () => {
    const courseId = uid("course");
    const states = [null, "queued", "running", "completed", "failed"] as const;
    await execSql(sql`insert into courses (owner_id, id, title) values (${TEST_OWNER}, ${courseId}, 'Tally')`);
    const addLecture = (lectureId: string, n: number) =>
      execSql(sql`insert into lectures (owner_id, id, course_id, preset_id, title, status, created_at, updated_at)
        values (${TEST_OWNER}, ${lectureId}, ${courseId}, 'exam-mode', 'L', 'uploaded', now() - make_interval(mins => ${n}), now() - make_interval(mins => ${n}))`);
    const addJob = (id: string, lectureId: string, type: string, status: string, createdAt: string, updatedAt: string) =>
      execSql(sql`insert into jobs (id, owner_id, lecture_id, job_type, status, created_at, updated_at)
        values (${id}, ${TEST_OWNER}, ${lectureId}, ${type}, ${status}, ${createdAt}::timestamptz, ${updatedAt}::timestamptz)`);
    let n = 0;
    for (const t of states)
      for (const g of states)
        for (const e of states) {
          const lectureId = `${courseId}-${n++}`;
          await addLecture(lectureId, n);
          for (const [type, status] of [["transcription", t], ["generation", g], ["export", e]] as const) {
            if (!status) continue;
            // An older job of the stage that the newer one supersedes.
            await addJob(`${lectureId}-${type}-old`, lectureId, type, status === "failed" ? "completed" : "failed", "2026-01-01 00:00:00+00", "2026-01-01 00:00:00+00");
            // Times with whole seconds, trailing zeros and full microseconds, which the two paths must write alike.
            await addJob(`${lectureId}-${type}`, lectureId, type, status, `2026-02-03 04:05:${String(n % 60).padStart(2, "0")}+00`, `2026-02-03 05:06:07.${[1, 120, 123456][n % 3]}+01`);
          }
        }
    // Chunked transcriptions: waiting in the queue for its chunks (running), partly and wholly done.
    for (const [status, done, total] of [["queued", 2, 5], ["running", 5, 5], ["completed", 3, 3], ["failed", 0, 2]] as const) {
      const lectureId = `${courseId}:chunked-${status}`; // ':' is escaped in the links
      await addLecture(lectureId, n++);
      await addJob(`${lectureId}-transcription`, lectureId, "transcription", status, "2026-03-01 10:00:00.5+00", "2026-03-01 10:00:09+00");
      await execSql(sql`insert into transcription_chunks (job_id, owner_id, lecture_id, seq, recording, chunk_index, start_sec, end_sec, status, max_attempts)
        select ${`${lectureId}-transcription`}, ${TEST_OWNER}, ${lectureId}, i, 0, i, i * 600, (i + 1) * 600,
          case when i < ${done} then 'completed' else 'pending' end, 3
        from generate_series(0, ${total - 1}) as i`);
    }
    // And lectures that never started.
    for (let i = 0; i < 3; i++) await addLecture(`${courseId}-fresh-${i}`, n++);

    const full = await json(await call(`/courses/${courseId}/progress`));
    const { lectures, ...rollup } = full;
    expect(lectures).toHaveLength(n);
    const own = [];
    for (const entry of lectures) {
      const { stageStatuses, links, ...progress } = entry;
      const res = await call(`/lectures/${encodeURIComponent(entry.lectureId)}/progress`);
      const { links: lectureLinks, ...lectureProgress } = await json(res);
      // The same members in the same order, written the same way.
      expect(JSON.stringify(progress)).toBe(JSON.stringify(lectureProgress));
      expect(stageStatuses).toEqual({
        transcription: lectureProgress.stages.transcription.status,
        generation: lectureProgress.stages.generation.status,
        export: lectureProgress.stages.export.status,
      });
      expect(links).toEqual({ summary: lectureLinks.summary, progress: lectureLinks.progress, artifacts: lectureLinks.artifacts, jobs: lectureLinks.jobs });
      const lecture = await json(await call(`/lectures/${encodeURIComponent(entry.lectureId)}`));
      own.push({ progress: lectureProgress, created_at: lecture.created_at, updated_at: lecture.updated_at });
    }
    expect(lectures.find((l: any) => l.lectureId.endsWith(":chunked-queued")).stages.transcription).toMatchObject({
      status: "running",
      chunks: { done: 2, total: 5 },
      message: "transcription: 2/5 chunks",
    });
    expect(lectures.find((l: any) => l.lectureId.endsWith(":chunked-queued")).links.jobs).toBe(`/lectures/${courseId}%3Achunked-queued/jobs`);
    // The rollup is the domain's, over the lectures' own progress.
    expect(rollup).toEqual({ courseId, ...courseProgress(own) });
    expect(rollup).toMatchObject({ overallStatus: "failed", failedLectureCount: 62, completedLectureCount: 1, notStartedLectureCount: 4 });
    const tally = await json(await call(`/courses/${courseId}/progress?include_lectures=false`));
    expect(tally).toEqual(rollup);

  });

  it("a lecture's entry counts every chunk when its chunks finish at the same moment (each in its own transaction)", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    const jobId = `${lectureId}-transcription`;
    const chunks = 40;
    await execSql(sql`insert into courses (owner_id, id, title) values (${TEST_OWNER}, ${courseId}, 'Race')`);
    await execSql(sql`insert into lectures (owner_id, id, course_id, preset_id, title, status) values (${TEST_OWNER}, ${lectureId}, ${courseId}, 'exam-mode', 'L', 'uploaded')`);
    await execSql(sql`insert into jobs (id, owner_id, lecture_id, job_type, status) values (${jobId}, ${TEST_OWNER}, ${lectureId}, 'transcription', 'queued')`);
    await execSql(sql`insert into transcription_chunks (job_id, owner_id, lecture_id, seq, recording, chunk_index, start_sec, end_sec, status, max_attempts)
      select ${jobId}, ${TEST_OWNER}, ${lectureId}, i, 0, i, i * 600, (i + 1) * 600, 'running', 3 from generate_series(0, ${chunks - 1}) as i`);
    // On PostgreSQL these run on separate connections at once; each refresh must see the others' commits.
    await Promise.all(
      Array.from({ length: chunks }, (_, i) =>
        execSql(sql`update transcription_chunks set status = 'completed' where job_id = ${jobId} and seq = ${i}`),
      ),
    );
    const [entry] = (await json(await call(`/courses/${courseId}/progress`))).lectures;
    expect(entry.stages.transcription).toMatchObject({ status: "running", chunks: { done: chunks, total: chunks } });
    expect(entry.stages).toEqual((await json(await call(`/lectures/${lectureId}/progress`))).stages);

    // Deleting the lecture takes its jobs, chunks and entry with it.
    expect((await call(`/lectures/${lectureId}`, { method: "DELETE" })).status).toBe(204);
    expect(await json(await call(`/courses/${courseId}/progress`))).toMatchObject({ lectureCount: 0, lectures: [] });
    const { rows } = (await execSql(sql`select count(*)::int as n from lecture_progress where owner_id = ${TEST_OWNER} and lecture_id = ${lectureId}`)) as unknown as { rows: { n: number }[] };
    expect(rows[0]!.n).toBe(0);
  });

  it("reads an empty course and an unknown one", async () => {
    // And for a course with no lectures at all.
    const empty = uid("course");
    await execSql(sql`insert into courses (owner_id, id, title) values (${TEST_OWNER}, ${empty}, 'Empty')`);
    const { lectures: none, ...emptyRollup } = await json(await call(`/courses/${empty}/progress`));
    expect(none).toEqual([]);
    expect(await json(await call(`/courses/${empty}/progress?include_lectures=false`))).toEqual(emptyRollup);
    expect((await call("/courses/unknown/progress?include_lectures=false")).status).toBe(404);
  });
});
