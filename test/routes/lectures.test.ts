import type { ValidationIssue } from "../../src/lib/problem.ts";
import { api, ok } from "../support/client.ts";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import hashTables from "../fixtures/lectures/hash-tables.txt?raw";
import membranes from "../fixtures/lectures/cell-membranes.txt?raw";
import transport from "../fixtures/lectures/membrane-transport-2.txt?raw";
import { execSql, jobRow, queuedJob, sql } from "../support/jobs.ts";
import { ingest, ingestOk, post, SHORT_TRANSCRIPT, transcribedLecture, waitForJob } from "../support/lectures.ts";
import { multipartBody, utf16le, type RawPart } from "../support/multipart.ts";

const bucket = env.BUCKET as R2Bucket;

async function audioKeys(): Promise<string[]> {
  const listed = await bucket.list({ prefix: `${TEST_PREFIX}audio/` });
  return listed.objects.map((o) => o.key);
}

async function sha256Hex(data: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("POST /lectures/ingest", () => {
  it("stores the file, upserts course and lecture, and answers with storage URIs", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    const res = await ingest({ courseId, lectureId, courseTitle: "Biology 101", durationSec: "1800", filename: "lecture1.txt" });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(Object.keys(body)).toEqual(["lectureId", "metadataPath", "audioPath"]);
    expect(body.lectureId).toBe(lectureId);
    expect(body.audioPath).toMatch(new RegExp(`^r2://pegasus-media/${TEST_PREFIX}audio/[0-9a-f-]{36}\\.txt$`));
    expect(body.metadataPath).toBe(`r2://pegasus-media/${TEST_PREFIX}metadata/${lectureId}.json`);

    const stored = await bucket.get(body.audioPath.replace("r2://pegasus-media/", ""));
    expect(await stored!.text()).toBe(SHORT_TRANSCRIPT);

    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture).toMatchObject({
      id: lectureId,
      course_id: courseId,
      preset_id: "exam-mode",
      title: "Cell Membranes",
      status: "uploaded",
      audio_path: body.audioPath,
      transcript_path: null,
      duration_sec: 1800,
      source_type: "upload",
      original_filename: "lecture1.txt",
      size_bytes: new TextEncoder().encode(SHORT_TRANSCRIPT).byteLength,
      checksum_sha256: await sha256Hex(SHORT_TRANSCRIPT),
    });
    expect(lecture.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(await json(await call(`/courses/${courseId}`))).toMatchObject({ id: courseId, title: "Biology 101" });

    const metadata = await bucket.get(`${TEST_PREFIX}metadata/${lectureId}.json`);
    expect(await metadata!.json()).toMatchObject({ id: lectureId, courseId, audioSource: { storagePath: body.audioPath } });
  });

  it("keeps an existing course title on re-ingest without course_title, and replaces the old audio", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    const first = await ingestOk({ courseId, lectureId, courseTitle: "Chemistry" });
    const second = await ingestOk({ courseId, lectureId, file: new Blob(["Second version of the lecture."]), filename: "v2.vtt" });
    expect((await json(await call(`/courses/${courseId}`))).title).toBe("Chemistry");
    expect(second.audioPath).not.toBe(first.audioPath);
    expect(await bucket.head(first.audioPath.replace("r2://pegasus-media/", ""))).toBeNull();
    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture.audio_path).toBe(second.audioPath);
    expect(lecture.original_filename).toBe("v2.vtt");

    await ingestOk({ courseId, lectureId, courseTitle: "Chemistry II" });
    expect((await json(await call(`/courses/${courseId}`))).title).toBe("Chemistry II");
  });

  it("uses the course id as title for a new course without course_title", async () => {
    const courseId = uid("course");
    await ingestOk({ courseId, lectureId: uid("lec") });
    expect((await json(await call(`/courses/${courseId}`))).title).toBe(courseId);
  });

  it("accepts the file part before the text fields", async () => {
    const form = new FormData();
    const lectureId = uid("lec");
    form.set("audio", new Blob(["A lecture sent file first."]), "first.txt");
    form.set("course_id", uid("course"));
    form.set("lecture_id", lectureId);
    form.set("preset_id", "beginner-mode");
    form.set("title", "File first");
    const res = await call("/lectures/ingest", { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect((await json(await call(`/lectures/${lectureId}`))).preset_id).toBe("beginner-mode");
  });

  it("answers 422 listing every missing field, like the reference", async () => {
    const form = new FormData();
    form.set("course_id", "c");
    form.set("lecture_id", "l");
    form.set("preset_id", "exam-mode");
    form.set("title", ""); // empty counts as missing
    const res = await call("/lectures/ingest", { method: "POST", body: form });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.errors).toEqual([
      { loc: ["body", "title"], msg: "Field required", type: "missing" },
      { loc: ["body", "audio"], msg: "Field required", type: "missing" },
    ]);
    expect(body.detail).toBe("Request validation failed: body.title: Field required; body.audio: Field required.");
  });

  it("answers 422 for a request with no body at all", async () => {
    const res = await call("/lectures/ingest", { method: "POST" });
    expect(res.status).toBe(422);
    expect((await json(res)).errors.map((e: ValidationIssue) => e.loc[1])).toEqual(["course_id", "lecture_id", "preset_id", "title", "audio"]);
  });

  it("answers 422 for a bad duration_sec and stores nothing", async () => {
    const before = await audioKeys();
    const res = await ingest({ courseId: uid("c"), lectureId: uid("l"), durationSec: "abc" });
    expect(res.status).toBe(422);
    expect((await json(res)).errors).toEqual([
      { loc: ["body", "duration_sec"], msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing" },
    ]);
    expect(await audioKeys()).toEqual(before);
  });

  it("answers 422 for an empty file and 422 for unsafe ids, storing nothing", async () => {
    const before = await audioKeys();
    const empty = await ingest({ courseId: uid("c"), lectureId: uid("l"), file: new Blob([]) });
    expect(empty.status).toBe(422);
    expect((await json(empty)).errors[0]).toMatchObject({ loc: ["body", "audio"], msg: "File is empty" });
    const unsafe = await ingest({ courseId: "../etc", lectureId: "a/b" });
    expect(unsafe.status).toBe(422);
    expect((await json(unsafe)).errors.map((e: ValidationIssue) => e.loc[1])).toEqual(["course_id", "lecture_id"]);
    expect(await audioKeys()).toEqual(before);
  });

  it("answers 400 Invalid preset_id. for an unknown preset, before or after the file", async () => {
    const before = await audioKeys();
    const res = await ingest({ courseId: uid("c"), lectureId: uid("l"), presetId: "exam" });
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toBe("Invalid preset_id.");

    const form = new FormData();
    form.set("audio", new Blob(["x"]), "x.txt");
    form.set("course_id", "c");
    form.set("lecture_id", "l");
    form.set("preset_id", "nope");
    form.set("title", "t");
    const late = await call("/lectures/ingest", { method: "POST", body: form });
    expect(late.status).toBe(400);
    expect(await audioKeys()).toEqual(before);
    expect((await call("/lectures/l")).status).toBe(404);
  });

  it("answers 413 beyond the upload limit and leaves no object or row", async () => {
    const before = await audioKeys();
    const lectureId = uid("big");
    const res = await ingest({
      courseId: uid("c"),
      lectureId,
      file: new Blob([new Uint8Array(2 * 1024 * 1024)]),
      filename: "big.mp3",
      overrides: { PLC_MAX_UPLOAD_MB: "1" },
    });
    expect(res.status).toBe(413);
    expect((await json(res)).detail).toContain("1 MB limit");
    expect(await audioKeys()).toEqual(before);
    expect((await call(`/lectures/${lectureId}`)).status).toBe(404);
  });

  it("answers 415 for a body that is not multipart", async () => {
    const res = await call("/lectures/ingest", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(415);
  });

  it("deletes the stored object when the database write fails", async () => {
    const before = await audioKeys();
    const lectureId = uid("lec");
    const res = await ingest({ courseId: uid("c"), lectureId, overrides: { NEON_FETCH_ENDPOINT: "http://127.0.0.1:9/sql" } });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.detail).toMatch(/database/i);
    expect(JSON.stringify(body)).not.toMatch(/insert|select|127\.0\.0\.1/i);
    expect(await audioKeys()).toEqual(before);
    expect((await call(`/lectures/${lectureId}`)).status).toBe(404);
  });

  it("streams a multi-part upload to R2 (larger than one 8 MiB part)", async () => {
    const size = 9 * 1024 * 1024 + 123;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = i % 251;
    const lectureId = uid("lec");
    const body = await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([data], { type: "audio/mpeg" }), filename: "long.mp3" });
    const object = await bucket.get(body.audioPath.replace("r2://pegasus-media/", ""));
    expect(object!.size).toBe(size);
    const stored = new Uint8Array(await object!.arrayBuffer());
    expect(stored[size - 1]).toBe((size - 1) % 251);
    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture.size_bytes).toBe(size);
    expect(lecture.content_type).toBe("audio/mpeg");
    const digest = await crypto.subtle.digest("SHA-256", data);
    expect(lecture.checksum_sha256).toBe([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });
});

describe("GET /lectures and /lectures/{id}", () => {
  it("lists newest first with pagination, filters by course, validates limit/offset", async () => {
    const courseId = uid("course");
    const ids = [uid("a"), uid("b"), uid("c")];
    for (const lectureId of ids) await ingestOk({ courseId, lectureId });
    const page = await ok(await api.lectures.$get({ query: { course_id: courseId, limit: "2" } }));
    expect(page.lectures.map((l) => l.id)).toEqual([ids[2], ids[1]]);
    expect(page.pagination).toEqual({ limit: 2, offset: 0, count: 2, total: 3, hasMore: true, nextOffset: 2 });
    const rest = await ok(await api.lectures.$get({ query: { course_id: courseId, limit: "2", offset: "2" } }));
    expect(rest.lectures.map((l) => l.id)).toEqual([ids[0]]);
    expect(rest.pagination).toMatchObject({ hasMore: false, nextOffset: null });
    expect((await json(await call(`/lectures?course_id=${courseId}&limit=0`))).lectures).toEqual([]);

    const bad = await call("/lectures?limit=abc");
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors).toEqual([
      { loc: ["query", "limit"], msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing" },
    ]);
    const negative = await json(await call("/lectures?limit=-1&offset=-2"));
    expect(negative.errors.map((e: ValidationIssue) => [e.loc[1], e.type])).toEqual([["limit", "greater_than_equal"], ["offset", "greater_than_equal"]]);
    expect((await call("/lectures?limit=501")).status).toBe(422);
  });

  it("answers 404 Lecture not found. for an unknown id (GET /lectures/ingest included)", async () => {
    for (const path of ["/lectures/unknown", "/lectures/ingest"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect((await json(res)).detail).toBe("Lecture not found.");
    }
  });
});

describe("POST /lectures/{id}/transcribe | generate | export: validation", () => {
  it("transcribe: 404 for an unknown lecture; a job otherwise", async () => {
    const res = await post("/lectures/nope/transcribe");
    expect(res.status).toBe(404);
    expect((await json(res)).detail).toBe("Lecture not found.");

    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const started = await json(await post(`/lectures/${lectureId}/transcribe?model=base`));
    expect(Object.keys(started)).toEqual(["jobId", "status", "jobType"]);
    expect(started).toMatchObject({ status: "queued", jobType: "transcription" });
    expect((await waitForJob(started.jobId)).status).toBe("completed");
  });

  it("generate: the reference's checks in order, with its detail strings", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId, presetId: "research-mode" });
    const cases: [unknown, number, string][] = [
      [{ preset_id: "exam" }, 400, "Invalid preset_id."],
      [{ course_id: "other" }, 400, "course_id does not match lecture."],
      [{ preset_id: "exam-mode" }, 400, "preset_id does not match lecture."],
    ];
    for (const [body, status, detail] of cases) {
      const res = await post(`/lectures/${lectureId}/generate`, body);
      expect(res.status).toBe(status);
      expect((await json(res)).detail).toBe(detail);
    }
    const unknown = await post("/lectures/unknown/generate", { preset_id: "exam" });
    expect((await json(unknown)).detail).toBe("Invalid preset_id."); // preset is checked before the lecture
    const missing = await post("/lectures/unknown/generate", {});
    expect(missing.status).toBe(404);
    expect((await json(missing)).detail).toBe("Lecture not found.");
  });

  it("generate: 422 without a body, with a non-object body, with bad JSON or wrong field types", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const none = await call(`/lectures/${lectureId}/generate`, { method: "POST" });
    expect(none.status).toBe(422);
    expect((await json(none)).errors).toEqual([{ loc: ["body"], msg: "Field required", type: "missing" }]);
    const array = await post(`/lectures/${lectureId}/generate`, []);
    expect(array.status).toBe(422);
    const broken = await call(`/lectures/${lectureId}/generate`, { method: "POST", body: "{", headers: { "content-type": "application/json" } });
    expect((await json(broken)).errors[0].type).toBe("json_invalid");
    const typed = await post(`/lectures/${lectureId}/generate`, { course_id: 5 });
    expect(typed.status).toBe(422);
    expect((await json(typed)).errors[0].loc).toEqual(["body", "course_id"]);
  });

  it("generate: openai_model must be one the operator allows (OPENAI_MODEL, OPENAI_MODELS)", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const inline = { PLC_INLINE_JOBS: "1" };
    const refused = await post(`/lectures/${lectureId}/generate`, { openai_model: "o3-pro" }, inline);
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({
      code: "validation_failed",
      errors: [{ loc: ["body", "openai_model"], msg: "Input should be one of the configured models: gpt-4o-mini", type: "enum" }],
    });
    const allowed = await post(`/lectures/${lectureId}/generate`, { openai_model: "o3-pro" }, { ...inline, OPENAI_MODELS: "gpt-4.1, o3-pro" });
    expect(allowed.status).toBe(200); // accepted (the job itself fails: the lecture has no transcript yet)
    const configured = await post(`/lectures/${lectureId}/generate`, { openai_model: "gpt-4o-mini" }, inline);
    expect(configured.status).toBe(200);
  });

  it("generate {}: ids default from the lecture and come back in the response", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    await transcribedLecture({ courseId, lectureId, presetId: "beginner-mode" });
    const res = await post(`/lectures/${lectureId}/generate`, { unknown_key: 1 });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ jobType: "generation", courseId, presetId: "beginner-mode" });
    expect((await waitForJob(body.jobId)).status).toBe("completed");
  });

  it("export: 404 for an unknown lecture", async () => {
    const res = await post("/lectures/unknown/export");
    expect(res.status).toBe(404);
    expect((await json(res)).detail).toBe("Lecture not found.");
  });

  it("deduplicates a stage that already has an active job", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const [a, b] = await Promise.all([post(`/lectures/${lectureId}/transcribe`), post(`/lectures/${lectureId}/transcribe`)]);
    const first = await json(a);
    const second = await json(b);
    const jobIds = new Set([first.jobId, second.jobId]);
    expect(jobIds.size).toBe(1);
    expect([first.deduplicated, second.deduplicated].filter(Boolean)).toHaveLength(1);
    await waitForJob(first.jobId);
    const jobs = await json(await call(`/lectures/${lectureId}/jobs`));
    expect(jobs.jobs).toHaveLength(1);
  });
});

describe("lecture read models after the pipeline (inline mode)", () => {
  it("progress, summary, jobs and artifacts answer as the reference does", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    const inline = { PLC_INLINE_JOBS: "1" };
    await ingestOk({ courseId, lectureId, courseTitle: "Biology" });

    const before = await json(await call(`/lectures/${lectureId}/progress`));
    expect(before).toMatchObject({ lectureId, lectureStatus: "uploaded", overallStatus: "not_started", progressPercent: 0, currentStage: "transcription" });
    expect(before.links).toEqual({
      summary: `/lectures/${lectureId}/summary`,
      progress: `/lectures/${lectureId}/progress`,
      artifacts: `/lectures/${lectureId}/artifacts`,
      jobs: `/lectures/${lectureId}/jobs`,
    });

    for (const stage of ["transcribe", "generate", "export"]) {
      const res = await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, inline);
      const body = await json(res);
      expect(body.status, JSON.stringify(body)).toBe("completed");
    }

    const progress = await json(await call(`/lectures/${lectureId}/progress`));
    expect(progress).toMatchObject({
      lectureStatus: "transcribed",
      overallStatus: "completed",
      stageCount: 3,
      completedStageCount: 3,
      progressPercent: 100,
      currentStage: "completed",
      hasFailedStage: false,
    });
    expect(progress.stages.export.jobId).toMatch(/^[0-9a-f-]{36}$/);

    const summary = await json(await call(`/lectures/${lectureId}/summary`));
    expect(summary).toMatchObject({
      artifactCount: 5,
      exportCount: 4,
      artifactTypes: ["exam-questions", "flashcards", "key-terms", "outline", "summary"],
      exportTypes: ["anki", "json", "markdown", "pdf"],
      overallStatus: "completed",
      progressPercent: 100,
    });
    expect(summary.links.exports).toBe(`/exports/${lectureId}/{export_type}`);
    expect(summary).not.toHaveProperty("lectureId");

    const jobs = await ok(await api.lectures[":lecture_id"].jobs.$get({ param: { lecture_id: lectureId }, query: { limit: "2", offset: "1" } }));
    expect(jobs.jobs.map((j) => j.jobType)).toEqual(["generation", "transcription"]);
    expect(jobs.pagination).toMatchObject({ total: 3, count: 2, hasMore: false });

    const artifacts = await ok(await api.lectures[":lecture_id"].artifacts.$get({ param: { lecture_id: lectureId }, query: {} }));
    expect(Object.keys(artifacts)).toEqual(["lectureId", "artifacts", "artifactRecords", "artifactPaths", "artifactDownloadUrls", "exportRecords", "lecture", "pagination"]);
    expect(artifacts.artifacts.summary?.overview).toBe(artifacts.artifactRecords.find((r) => r.artifact_type === "summary")?.summary_overview);
    expect(artifacts.artifactPaths.summary).toBe(`r2://pegasus-media/${TEST_PREFIX}artifacts/${lectureId}/summary.json`);
    expect(artifacts.artifactDownloadUrls).toEqual({});
    expect(artifacts.exportRecords.map((r) => r.export_type)).toEqual(["anki", "json", "markdown", "pdf"]);
    expect(artifacts.lecture.id).toBe(lectureId);
    expect(Array.isArray(artifacts.artifacts.threads)).toBe(true);
    expect(artifacts.artifacts.threads?.[0]).toHaveProperty("lecture_refs");

    const onlySummary = await json(await call(`/lectures/${lectureId}/artifacts?artifact_type=summary`));
    expect(Object.keys(onlySummary.artifacts).sort()).toEqual(["summary", "threads"]);
    expect(onlySummary.artifactRecords).toHaveLength(1);

    expect((await call("/lectures/unknown/artifacts")).status).toBe(404);
    for (const path of ["progress", "summary", "jobs"]) {
      const res = await call(`/lectures/unknown/${path}`);
      expect(res.status).toBe(404);
      expect((await json(res)).detail).toBe("Lecture not found.");
    }
  });

  it("answers a polled progress request with 304 when nothing changed", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const first = await call(`/lectures/${lectureId}/progress`);
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await call(`/lectures/${lectureId}/progress`, { headers: { "If-None-Match": etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    await post(`/lectures/${lectureId}/transcribe`, undefined, { PLC_INLINE_JOBS: "1" });
    const changed = await call(`/lectures/${lectureId}/progress`, { headers: { "If-None-Match": etag! } });
    expect(changed.status).toBe(200);
  });
});


describe("POST /lectures/ingest: re-ingest of an existing lecture", () => {
  const inline = { PLC_INLINE_JOBS: "1" };

  async function runPipeline(lectureId: string) {
    for (const stage of ["transcribe", "generate", "export"]) {
      const body = await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, inline));
      expect(body.status, JSON.stringify(body)).toBe("completed");
    }
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    return (await bucket.list({ prefix })).objects.map((o) => o.key);
  }

  it("replaces the recording and removes everything derived from the old one", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    const other = uid("lec");
    await ingestOk({ courseId, lectureId, file: new Blob([membranes]), filename: "v1.txt" });
    await ingestOk({ courseId, lectureId: other, file: new Blob([transport]), filename: "other.txt" });
    await runPipeline(lectureId);
    await runPipeline(other);
    const threadsBefore = (await json(await call(`/courses/${courseId}/threads`))).threads;
    expect(threadsBefore.some((t: any) => t.lecture_refs.includes(lectureId))).toBe(true);
    const old = await json(await call(`/lectures/${lectureId}`));
    for (const prefix of [`transcripts/${lectureId}.json`, `artifacts/${lectureId}/`, `exports/${lectureId}/`].map((p) => TEST_PREFIX + p))
      expect(await keysUnder(prefix)).not.toEqual([]);

    const second = await ingestOk({ courseId, lectureId, file: new Blob([hashTables]), filename: "v2.txt" });

    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture).toMatchObject({ status: "uploaded", transcript_path: null, audio_path: second.audioPath, original_filename: "v2.txt" });
    expect(lecture.created_at).toBe(old.created_at);
    const progress = await json(await call(`/lectures/${lectureId}/progress`));
    expect(progress).toMatchObject({ lectureStatus: "uploaded", overallStatus: "not_started", progressPercent: 0, completedStageCount: 0 });
    const summary = await json(await call(`/lectures/${lectureId}/summary`));
    expect(summary).toMatchObject({ artifactCount: 0, exportCount: 0, overallStatus: "not_started", progressPercent: 0 });
    expect((await json(await call(`/lectures/${lectureId}/jobs`))).jobs).toEqual([]);
    const artifacts = await ok(await api.lectures[":lecture_id"].artifacts.$get({ param: { lecture_id: lectureId }, query: {} }));
    expect(artifacts).toMatchObject({ artifactRecords: [], exportRecords: [], artifacts: {} });
    expect((await call(`/exports/${lectureId}/pdf`)).status).toBe(404);
    const course = await json(await call(`/courses/${courseId}/progress`));
    expect(course.lectures.find((l: any) => l.lectureId === lectureId)).toMatchObject({ overallStatus: "not_started", progressPercent: 0 });

    // Thread links of the old recording are gone; threads only it had go too, the other lecture's stay.
    const threadsAfter = (await json(await call(`/courses/${courseId}/threads`))).threads;
    expect(threadsAfter.length).toBeGreaterThan(0);
    for (const thread of threadsAfter) {
      expect(thread.lecture_refs).toEqual([other]);
      expect(thread.evolution_notes.map((n: any) => n.lecture_id)).toEqual([other]);
      expect(thread.occurrences.map((o: any) => o.lecture_id)).toEqual([other]);
    }
    expect(threadsAfter.length).toBe(threadsBefore.filter((t: any) => t.lecture_refs.includes(other)).length);
    const segments = await execSql(sql`select count(*)::int as n from transcript_segments where lecture_id = ${lectureId}`);
    expect((segments as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);

    // The old objects are gone from storage; the other lecture's are not.
    expect(await bucket.head(old.audio_path.replace("r2://pegasus-media/", ""))).toBeNull();
    for (const prefix of [`transcripts/${lectureId}.json`, `artifacts/${lectureId}/`, `exports/${lectureId}/`, `exports/${lectureId}.json`].map((p) => TEST_PREFIX + p))
      expect(await keysUnder(prefix)).toEqual([]);
    expect(await keysUnder(`${TEST_PREFIX}artifacts/${other}/`)).toHaveLength(5);

    // Generating now finds no transcript instead of the old one; after transcription it uses the new one.
    const generate = await json(await post(`/lectures/${lectureId}/generate`, {}, inline));
    expect(generate.status).toBe("failed");
    expect((await json(await call(`/jobs/${generate.jobId}`))).error).toBe("Transcript not found. Run transcription first.");
    await runPipeline(lectureId);
    const regenerated = await json(await call(`/lectures/${lectureId}/artifacts?artifact_type=summary`));
    expect(JSON.stringify(regenerated.artifacts.summary).toLowerCase()).toContain("hash");
    expect(JSON.stringify(regenerated.artifacts.summary).toLowerCase()).not.toContain("phospholipid");
  });

  it("cancels the old recording's active jobs: they are removed and progress starts from zero", async () => {
    const lectureId = uid("lec");
    const courseId = uid("course");
    await ingestOk({ courseId, lectureId });
    await post(`/lectures/${lectureId}/transcribe`, undefined, inline);
    // A queued job with no consumer yet (no queue message), and one "running" elsewhere.
    const queued = await queuedJob(lectureId, "generation", { courseId, presetId: "exam-mode" });
    const running = await queuedJob(lectureId, "export");
    await execSql(sql`update jobs set status = 'running', attempt = 1, started_at = now() where id = ${running.id}`);

    await ingestOk({ courseId, lectureId, file: new Blob(["A corrected recording of the lecture."]), filename: "fixed.txt" });
    expect(await jobRow(queued.id)).toBeNull();
    expect(await jobRow(running.id)).toBeNull();
    const progress = await json(await call(`/lectures/${lectureId}/progress`));
    expect(progress).toMatchObject({ overallStatus: "not_started", progressPercent: 0, hasFailedStage: false });
    // A new job of the same stage is not deduplicated against the cancelled one.
    const again = await json(await post(`/lectures/${lectureId}/generate`, {}));
    expect(again.deduplicated).toBeUndefined();
    expect(again.jobId).not.toBe(queued.id);
  });

  it("refuses to move a lecture to another course, storing and losing nothing", async () => {
    const courseId = uid("course");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId, courseTitle: "Biology" });
    await post(`/lectures/${lectureId}/transcribe`, undefined, inline);
    const before = await json(await call(`/lectures/${lectureId}`));
    const audioBefore = await audioKeys();

    const otherCourse = uid("course");
    const res = await ingest({ courseId: otherCourse, lectureId, courseTitle: "Chemistry", file: new Blob(["Another lecture."]) });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = await json(res);
    expect(problem.detail).toBe(
      `Lecture ${lectureId} belongs to course ${courseId}; an upload cannot move it to course ${otherCourse}. Upload it with course_id ${courseId}, or use a new lecture_id.`,
    );

    expect(await json(await call(`/lectures/${lectureId}`))).toEqual(before);
    expect(before.status).toBe("transcribed");
    expect(await audioKeys()).toEqual(audioBefore);
    expect((await call(`/courses/${otherCourse}`)).status).toBe(404);
    expect((await json(await call(`/courses/${courseId}`))).title).toBe("Biology");
    expect((await json(await call(`/lectures/${lectureId}/progress`))).completedStageCount).toBe(1);
  });

  it("keeps exactly one audio object when ingests of one lecture race (PostgreSQL: really concurrent)", async () => {
    const courseId = uid("course");
    const otherCourse = uid("course");
    const lectureId = uid("lec");
    // A file extension of its own tells this test's audio objects apart from other tests'.
    const ext = `r${crypto.randomUUID().slice(0, 8)}`;
    const mine = async () => {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix: `${TEST_PREFIX}audio/`, cursor });
        keys.push(...page.objects.map((o) => o.key).filter((k) => k.endsWith(`.${ext}`)));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return keys;
    };
    // First round: the lecture does not exist yet; second round: it does. Half the racers name
    // another course, so without a lock their upserts would not even queue behind one course row.
    for (const round of [1, 2]) {
      const courses = Array.from({ length: 8 }, (_, i) => (i % 2 ? otherCourse : courseId));
      const results = await Promise.all(
        courses.map((c, i) => ingest({ courseId: c, lectureId, file: new Blob([`Round ${round}, take ${i}.`]), filename: `take${i}.${ext}` })),
      );
      const lecture = await json(await call(`/lectures/${lectureId}`));
      expect(await mine(), `round ${round}`).toEqual([lecture.audio_path.replace("r2://pegasus-media/", "")]);
      // Whichever course won the first round keeps the lecture: the others are refused.
      const statuses = results.map((r) => r.status);
      expect(statuses, `round ${round}`).toEqual(courses.map((c) => (c === lecture.course_id ? 200 : 409)));
    }
  });

  it("answers 422 for NUL characters or unpaired surrogates in text fields and the filename", async () => {
    const before = await audioKeys();
    const nul: [Partial<Parameters<typeof ingest>[0]>, string][] = [
      [{ title: "Cell\u0000Membranes" }, "title"],
      [{ courseTitle: "Bio\u0000logy" }, "course_title"],
      [{ sourceType: "up\u0000load" }, "source_type"],
      [{ lectureId: "lec\u0000x" }, "lecture_id"],
      [{ presetId: "exam-mode\u0000" }, "preset_id"],
    ];
    for (const [fields, name] of nul) {
      const res = await ingest({ courseId: uid("c"), lectureId: uid("l"), ...fields });
      expect(res.status, name).toBe(422);
      expect((await json(res)).errors, name).toEqual([
        { loc: ["body", name], msg: "String must not contain NUL characters or unpaired surrogates", type: "value_error" },
      ]);
    }
    const filename = await ingest({ courseId: uid("c"), lectureId: uid("l"), filename: "lec\u0000ture.txt" });
    expect(filename.status).toBe(422);
    expect((await json(filename)).errors).toEqual([
      { loc: ["body", "audio"], msg: "Filename must not contain NUL characters or unpaired surrogates", type: "value_error" },
    ]);

    // FormData sends UTF-8 only; a part in UTF-16 can carry an unpaired surrogate.
    const fields = (title: RawPart, disposition = 'filename="a.txt"') =>
      multipartBody([
        { name: "course_id", value: uid("c") },
        { name: "lecture_id", value: uid("l") },
        { name: "preset_id", value: "exam-mode" },
        title,
        { name: "audio", value: SHORT_TRANSCRIPT, disposition, contentType: "text/plain" },
      ]);
    const send = ({ body, contentType }: ReturnType<typeof multipartBody>) =>
      call("/lectures/ingest", { method: "POST", body, headers: { "content-type": contentType } });
    const surrogate = await send(fields({ name: "title", value: utf16le("Broken \ud800 title"), contentType: "text/plain; charset=utf-16le" }));
    expect(surrogate.status).toBe(422);
    expect((await json(surrogate)).errors).toEqual([
      { loc: ["body", "title"], msg: "String must not contain NUL characters or unpaired surrogates", type: "value_error" },
    ]);
    const badName = await send(fields({ name: "title", value: "Fine" }, "filename*=utf-16le''%00%DCx%00.%00t%00x%00t%00"));
    expect(badName.status).toBe(422);
    expect((await json(badName)).errors[0].loc).toEqual(["body", "audio"]);
    // The same encoding with a proper pair is accepted.
    const paired = await send(fields({ name: "title", value: utf16le("Fine \ud83d\ude00 title"), contentType: "text/plain; charset=utf-16le" }));
    expect(paired.status).toBe(200);
    expect((await json(await call(`/lectures/${(await json(paired)).lectureId}`))).title).toBe("Fine \u{1F600} title");
    expect((await audioKeys()).length).toBe(before.length + 1);
  });
});
