/**
 * tus 1.0.0 at /uploads, in workerd against local R2 and the real database: discovery, creation
 * (with and without a first chunk), PATCH in parts with a carried tail, interruption, offsets,
 * checksums, termination, validation with the ingest's messages, limits, owners and expiry.
 * Parts are 5 MiB here (vitest.config.ts), so a 13.5 MiB upload has two whole parts and a last.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sweepTusUploads } from "../../src/pipeline/tus.ts";
import { call, callWith, json, TEST_PREFIX, uid } from "../support/http.ts";
import { execSql, queuedJob, sql, testServices } from "../support/jobs.ts";
import { ingest } from "../support/lectures.ts";
import { receiver, registerWebhook, waitForReceived } from "../support/webhooks.ts";
import { Webhook } from "standardwebhooks";
import {
  create,
  createOk,
  cutOff,
  encodeMetadata,
  head,
  idOf,
  lectureMetadata,
  MiB,
  patch,
  sha256Hex,
  storedObject,
  testBytes,
  TUS,
  uploadRow,
} from "../support/tus.ts";

const bucket = env.BUCKET as R2Bucket;

async function tailObjects(id: string) {
  return (await bucket.list({ prefix: `${TEST_PREFIX}uploads/${id}/` })).objects.map((o) => o.key);
}

/** Whether R2 still has the multipart upload open. */
async function multipartOpen(key: string, uploadId: string) {
  return bucket
    .resumeMultipartUpload(key, uploadId)
    .uploadPart(99, new Uint8Array(16))
    .then(
      () => true,
      () => false,
    );
}

describe("tus discovery and protocol headers", () => {
  it("OPTIONS announces version, extensions and limits, without a credential", async () => {
    const res = await call("/uploads", { method: "OPTIONS", headers: { Authorization: "" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("Tus-Version")).toBe("1.0.0");
    expect(res.headers.get("Tus-Resumable")).toBe("1.0.0");
    expect(res.headers.get("Tus-Extension")?.split(",")).toEqual(
      expect.arrayContaining(["creation", "creation-with-upload", "termination", "expiration", "checksum"]),
    );
    expect(res.headers.get("Tus-Max-Size")).toBe(String(2048 * MiB));
    expect(res.headers.get("Tus-Checksum-Algorithm")).toBe("sha1,sha256");
    expect(Number(res.headers.get("Pegasus-Max-Patch-Size"))).toBeLessThan(100_000_000);
  });

  it("CORS preflights carry the discovery headers and allow and expose the tus headers", async () => {
    const res = await callWith({ PLC_CORS_ORIGINS: "https://app.example" }, "/uploads", {
      method: "OPTIONS",
      headers: { Authorization: "", Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "tus-resumable,upload-length,upload-metadata" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Tus-Version")).toBe("1.0.0");
    const allowed = res.headers.get("Access-Control-Allow-Headers")!.toLowerCase();
    for (const h of ["tus-resumable", "upload-length", "upload-offset", "upload-metadata", "upload-checksum"]) expect(allowed).toContain(h);
    const created = await callWith({ PLC_CORS_ORIGINS: "https://app.example" }, "/uploads", {
      method: "POST",
      headers: { ...TUS, Origin: "https://app.example", "Upload-Length": "10", "Upload-Metadata": encodeMetadata(lectureMetadata()) },
    });
    expect(created.status).toBe(201);
    const exposed = created.headers.get("Access-Control-Expose-Headers")!.toLowerCase();
    for (const h of ["location", "upload-offset", "upload-length", "upload-expires", "tus-resumable", "pegasus-lecture-id"]) expect(exposed).toContain(h);
  });

  it("a request without Tus-Resumable is 412 with Tus-Version", async () => {
    const res = await call("/uploads", { method: "POST", headers: { "Upload-Length": "10", "Upload-Metadata": encodeMetadata(lectureMetadata()) } });
    expect(res.status).toBe(412);
    expect(res.headers.get("Tus-Version")).toBe("1.0.0");
    expect((await json(res)).code).toBe("tus_version_unsupported");
  });
});

describe("tus uploads (r2)", () => {
  it("uploads in uneven PATCHes, keeps every part but the last the same size, and records the lecture as ingest does", async () => {
    const data = testBytes(13.5 * MiB, 7);
    const meta = lectureMetadata({ duration_sec: "3600", course_title: "Biology" });
    const { res, path } = await createOk(data.byteLength, meta);
    expect(res.headers.get("Location")).toMatch(/^http:\/\/pegasus\.test\/uploads\/[0-9a-f]{32}$/);
    expect(res.headers.get("Tus-Resumable")).toBe("1.0.0");
    expect(Date.parse(res.headers.get("Upload-Expires")!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const id = idOf(path);

    let offset = 0;
    for (const size of [3 * MiB, 4 * MiB, 4.25 * MiB]) {
      const r = await patch(path, offset, data.slice(offset, offset + size));
      expect(r.status, await r.clone().text()).toBe(204);
      offset += size;
      expect(r.headers.get("Upload-Offset")).toBe(String(offset));
      expect(r.headers.get("Pegasus-Lecture-Id")).toBeNull();
      const h = await head(path);
      expect(h.status).toBe(200);
      expect(h.headers.get("Upload-Offset")).toBe(String(offset));
      expect(h.headers.get("Upload-Length")).toBe(String(data.byteLength));
      expect(h.headers.get("Cache-Control")).toBe("no-store");
      // Whole parts went to the multipart upload; only what does not fill one is a tail object.
      const row = (await uploadRow(id))!;
      expect(row.part_etags).toHaveLength(Math.floor(offset / (5 * MiB)));
      expect(await tailObjects(id)).toHaveLength(offset % (5 * MiB) ? 1 : 0);
    }
    const last = await patch(path, offset, data.slice(offset));
    expect(last.status).toBe(204);
    expect(last.headers.get("Upload-Offset")).toBe(String(data.byteLength));
    expect(last.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    expect(last.headers.get("Link")).toBe(`</lectures/${meta.lecture_id}>; rel="related"`);

    const row = (await uploadRow(id))!;
    expect(row.completed_at).not.toBeNull();
    expect(row.multipart_upload_id).toBeNull();
    expect(await tailObjects(id)).toEqual([]);
    const stored = await storedObject(row.key);
    expect(stored).toEqual({ sha256: await sha256Hex(data), size: data.byteLength });

    const lecture = await json(await call(`/lectures/${meta.lecture_id}`));
    expect(lecture).toMatchObject({
      course_id: meta.course_id,
      title: "Resumed",
      duration_sec: 3600,
      original_filename: "lecture.m4a",
      content_type: "audio/mp4",
      size_bytes: data.byteLength,
      checksum_sha256: stored!.sha256,
      audio_path: `r2://pegasus-media/${row.key}`,
    });
    expect((await json(await call(`/courses/${meta.course_id}`))).title).toBe("Biology");
    const metadataObject = await bucket.get(`${TEST_PREFIX}metadata/${meta.lecture_id}.json`);
    expect((await metadataObject!.json<any>()).audioSource.checksumSha256).toBe(stored!.sha256);

    // HEAD afterwards still names the lecture; GET says the same as JSON.
    const after = await head(path);
    expect(after.headers.get("Upload-Offset")).toBe(String(data.byteLength));
    expect(after.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    expect(after.headers.get("Upload-Expires")).toBeNull();
    expect(await json(await call(path))).toMatchObject({ id, completed: true, lectureId: meta.lecture_id, offset: data.byteLength });
    // A finished upload takes no more bytes.
    expect((await patch(path, data.byteLength, new Uint8Array(1))).status).toBe(409);
  });

  it("creation-with-upload stores the first chunk, and a whole small file finishes at once", async () => {
    const data = testBytes(6 * MiB, 3);
    const meta = lectureMetadata();
    const { res, path } = await createOk(data.byteLength, meta, { body: data.slice(0, 2 * MiB) });
    expect(res.headers.get("Upload-Offset")).toBe(String(2 * MiB));
    const done = await patch(path, 2 * MiB, data.slice(2 * MiB));
    expect(done.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    expect((await storedObject((await uploadRow(idOf(path)))!.key))!.sha256).toBe(await sha256Hex(data));

    const small = testBytes(300 * 1024, 4);
    const smallMeta = lectureMetadata();
    const whole = await createOk(small.byteLength, smallMeta, { body: small });
    expect(whole.res.headers.get("Upload-Offset")).toBe(String(small.byteLength));
    expect(whole.res.headers.get("Pegasus-Lecture-Id")).toBe(smallMeta.lecture_id);
    const lecture = await json(await call(`/lectures/${smallMeta.lecture_id}`));
    expect(lecture.checksum_sha256).toBe(await sha256Hex(small));
  });

  it("the last byte raises upload.completed (signed, once) for the owner's webhooks", async () => {
    const hook = await receiver();
    const owner = uid("owner");
    const as = { "Pegasus-Owner": owner };
    const created = await registerWebhook(hook.url, ["upload.completed"], as);
    const data = testBytes(200 * 1024, 7);
    const meta = lectureMetadata();
    const { path } = await createOk(data.byteLength, meta, { headers: as });
    expect((await patch(path, 0, data, as)).status).toBe(204);
    const [got] = await waitForReceived(hook.name, 1);
    const event = new Webhook(created.secret).verify(got!.body, got!.headers) as { type: string; data: any };
    expect(event).toMatchObject({
      type: "upload.completed",
      data: { uploadId: idOf(path), lectureId: meta.lecture_id, courseId: meta.course_id, size: data.byteLength, sha256: await sha256Hex(data) },
    });
    expect(got!.headers["webhook-id"]).toBe(`msg_upload_${idOf(path)}`);
  });

  it("a PATCH cut off mid-way keeps every byte that arrived (whole parts plus the tail), and the upload resumes", async () => {
    const data = testBytes(12 * MiB, 11);
    const meta = lectureMetadata();
    const { path } = await createOk(data.byteLength, meta);
    const arrived = 7.25 * MiB;
    const cut = await patch(path, 0, cutOff(data.slice(0, arrived)));
    // workerd may hand the Worker a body that just ends early rather than one that fails: then
    // the answer is a 204 at the offset reached. Either way what arrived is kept.
    if (cut.status === 204) expect(cut.headers.get("Upload-Offset")).toBe(String(arrived));
    else expect((await json(cut)).code).toBe("upload_interrupted");
    const h = await head(path);
    expect(h.headers.get("Upload-Offset")).toBe(String(arrived));
    const row = (await uploadRow(idOf(path)))!;
    expect(row.part_etags).toHaveLength(1);
    expect(row.lock_token).toBeNull();

    const resumed = await patch(path, arrived, data.slice(arrived));
    expect(resumed.status).toBe(204);
    expect(resumed.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    expect((await storedObject(row.key))!.sha256).toBe(await sha256Hex(data));
  });

  it("a PATCH at the wrong offset is 409 and changes nothing", async () => {
    const data = testBytes(2 * MiB);
    const { path } = await createOk(data.byteLength, lectureMetadata());
    expect((await patch(path, 0, data.slice(0, MiB))).status).toBe(204);
    for (const wrong of [0, 2 * MiB - 1]) {
      const res = await patch(path, wrong, data.slice(wrong, wrong + 10));
      expect(res.status).toBe(409);
      expect((await json(res)).code).toBe("upload_offset_mismatch");
    }
    expect((await head(path)).headers.get("Upload-Offset")).toBe(String(MiB));
    // A body longer than what is left is refused before anything is stored.
    const over = await patch(path, MiB, testBytes(MiB + 1));
    expect(over.status).toBe(413);
    expect((await head(path)).headers.get("Upload-Offset")).toBe(String(MiB));
    // Not tus's content type.
    const wrongType = await patch(path, MiB, data.slice(MiB), { "Content-Type": "application/octet-stream" });
    expect(wrongType.status).toBe(415);
  });

  it("checksums: a mismatch is 460 and keeps nothing; a match is stored", async () => {
    const data = testBytes(7 * MiB, 5);
    const { path } = await createOk(data.byteLength, lectureMetadata());
    const chunk = data.slice(0, 6 * MiB);
    const digest = async (algorithm: string, bytes: Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest(algorithm, bytes))));
    const bad = await patch(path, 0, chunk, { "Upload-Checksum": `sha1 ${await digest("SHA-1", data.slice(1, 6 * MiB + 1))}` });
    expect(bad.status).toBe(460);
    expect((await json(bad)).code).toBe("checksum_mismatch");
    expect((await head(path)).headers.get("Upload-Offset")).toBe("0");
    expect((await patch(path, 0, chunk, { "Upload-Checksum": "md5 AAAA" })).status).toBe(400);

    const good = await patch(path, 0, chunk, { "Upload-Checksum": `sha256 ${await digest("SHA-256", chunk)}` });
    expect(good.status).toBe(204);
    expect(good.headers.get("Upload-Offset")).toBe(String(6 * MiB));
    const rest = data.slice(6 * MiB);
    const done = await patch(path, 6 * MiB, rest, { "Upload-Checksum": `sha1 ${await digest("SHA-1", rest)}` });
    expect(done.status).toBe(204);
    expect((await storedObject((await uploadRow(idOf(path)))!.key))!.sha256).toBe(await sha256Hex(data));
  });

  it("termination aborts the multipart upload and removes the tail; the upload is gone", async () => {
    const data = testBytes(6 * MiB);
    const { path } = await createOk(8 * MiB, lectureMetadata());
    expect((await patch(path, 0, data)).status).toBe(204);
    const row = (await uploadRow(idOf(path)))!;
    expect(row.multipart_upload_id).toBeTruthy();
    expect(await tailObjects(row.id)).toHaveLength(1);

    const res = await call(path, { method: "DELETE", headers: TUS });
    expect(res.status).toBe(204);
    expect(await multipartOpen(row.key, row.multipart_upload_id)).toBe(false);
    expect(await tailObjects(row.id)).toEqual([]);
    expect(await uploadRow(row.id)).toBeUndefined();
    expect((await head(path)).status).toBe(404);
    expect((await patch(path, 6 * MiB, data.slice(0, 10))).status).toBe(404);
    expect((await call(path, { method: "DELETE", headers: TUS })).status).toBe(404);
  });

  it("validates Upload-Metadata with the ingest's rules and messages before storing anything", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    // The same mistakes through POST /lectures/ingest, for its wording.
    const viaIngest = await ingest({ courseId, lectureId, title: " ", durationSec: "ninety" });
    expect(viaIngest.status).toBe(422);
    const expected = await json(viaIngest);
    const res = await create(1000, { course_id: courseId, lecture_id: lectureId, preset_id: "exam-mode", title: " ", duration_sec: "ninety", filename: "a.m4a" });
    expect(res.status).toBe(422);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const body = await json(res);
    expect(body.detail).toBe(expected.detail);
    expect(body.errors).toEqual(expected.errors);

    const noPreset = await create(1000, lectureMetadata({ preset_id: "nope" }));
    expect(noPreset.status).toBe(400);
    expect((await json(noPreset)).detail).toBe((await json(await ingest({ courseId, lectureId, presetId: "nope" }))).detail);

    const badBase64 = await create(1000, {}, { headers: { "Upload-Metadata": "course_id !!!" } });
    expect(badBase64.status).toBe(400);
    expect((await create(0, lectureMetadata())).status).toBe(422);
    expect((await call("/uploads", { method: "POST", headers: { ...TUS, "Upload-Metadata": encodeMetadata(lectureMetadata()) } })).status).toBe(400);
    const rows = await execSql(sql`select count(*)::int as n from tus_uploads where metadata->>'lecture_id' = ${lectureId}`);
    expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });

  it("an Upload-Length over PLC_MAX_RECORDING_MB is 413; a lecture in another course is 409 at creation", async () => {
    const res = await create(2048 * MiB + 1, lectureMetadata());
    expect(res.status).toBe(413);
    expect((await json(res)).detail).toMatch(/2048 MB limit \(PLC_MAX_RECORDING_MB\)/);
    const small = await callWith({ PLC_MAX_RECORDING_MB: "1" }, "/uploads", {
      method: "POST",
      headers: { ...TUS, "Upload-Length": String(MiB + 1), "Upload-Metadata": encodeMetadata(lectureMetadata()) },
    });
    expect(small.status).toBe(413);

    const meta = lectureMetadata();
    await createOk(10, meta, { body: testBytes(10) });
    const moved = await create(10, { ...meta, course_id: uid("other") });
    expect(moved.status).toBe(409);
    expect((await json(moved)).code).toBe("lecture_in_other_course");
  });

  it("an upload belongs to its owner: another owner gets 404 for every method", async () => {
    const { path } = await createOk(MiB, lectureMetadata());
    const other = { "Pegasus-Owner": uid("someone-else") };
    expect((await head(path, other)).status).toBe(404);
    expect((await call(path, { headers: other })).status).toBe(404);
    expect((await patch(path, 0, testBytes(10), other)).status).toBe(404);
    expect((await call(path, { method: "DELETE", headers: { ...TUS, ...other } })).status).toBe(404);
    expect((await head(path)).status).toBe(200);
    expect((await call(path, { method: "HEAD", headers: { ...TUS, Authorization: "" } })).status).toBe(401);
  });

  it("autostart queues transcription, generation and export when the last byte arrives", async () => {
    const text = new TextEncoder().encode("WEBVTT\n\n00:00.000 --> 00:05.000\nCells are wrapped in a membrane made of lipids.\n");
    const meta = lectureMetadata({ filename: "talk.vtt", filetype: "text/vtt", autostart: "" });
    const { res } = await createOk(text.byteLength, meta, { body: text });
    expect(res.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    const jobs = await json(await call(`/lectures/${meta.lecture_id}/jobs`));
    expect(jobs.jobs.map((j: { jobType: string }) => j.jobType).sort()).toEqual(["export", "generation", "transcription"]);
  });

  it("append_to: the finished upload becomes the lecture's next recording, recorded with the upload's completion", async () => {
    const meta = lectureMetadata();
    const own = testBytes(300 * 1024, 7);
    await createOk(own.byteLength, meta, { body: own });
    const part = testBytes(6 * MiB, 8);
    const { path } = await createOk(part.byteLength, { append_to: meta.lecture_id, filename: "part-2.m4a", filetype: "audio/mp4" });
    expect((await patch(path, 0, part.slice(0, 2 * MiB))).headers.get("Pegasus-Lecture-Id")).toBeNull();
    const done = await patch(path, 2 * MiB, part.slice(2 * MiB));
    expect(done.status).toBe(204);
    expect(done.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    expect((await head(path)).headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);

    const { recordings } = await json(await call(`/lectures/${meta.lecture_id}/recordings`));
    expect(recordings.map((r: { position: number }) => r.position)).toEqual([1, 2]);
    expect(recordings[0]).toMatchObject({ original_filename: "lecture.m4a", size_bytes: own.byteLength, checksum_sha256: await sha256Hex(own) });
    expect(recordings[1]).toMatchObject({ original_filename: "part-2.m4a", content_type: "audio/mp4", size_bytes: part.byteLength, checksum_sha256: await sha256Hex(part) });
    expect((await storedObject((await uploadRow(idOf(path)))!.key))!.sha256).toBe(await sha256Hex(part));
    // The lecture itself is as it was: its own recording, its course.
    expect(await json(await call(`/lectures/${meta.lecture_id}`))).toMatchObject({ course_id: meta.course_id, checksum_sha256: await sha256Hex(own) });
  });

  it("append_to is checked when the upload is created; a transcription running at the last byte leaves it to be finished later", async () => {
    const problem = async (res: Response) => ({ status: res.status, ...(await json(res)) });
    const meta = lectureMetadata();
    await createOk(1024, meta, { body: testBytes(1024, 9) });
    const transcript = lectureMetadata({ filename: "talk.vtt", filetype: "text/vtt" });
    const vtt = new TextEncoder().encode("WEBVTT\n\n00:00.000 --> 00:05.000\nMembranes.\n");
    await createOk(vtt.byteLength, transcript, { body: vtt });

    expect(await problem(await create(10, { append_to: uid("missing"), filename: "x.mp3" }))).toMatchObject({ status: 404, code: "lecture_not_found" });
    expect(await problem(await create(10, { append_to: transcript.lecture_id, filename: "x.mp3" }))).toMatchObject({ status: 409, code: "lecture_is_transcript" });
    expect(await problem(await create(10, { append_to: meta.lecture_id, filename: "notes.vtt" }))).toMatchObject({ status: 422, code: "validation_failed" });
    expect(await problem(await create(10, { append_to: "not an id", filename: "x.mp3" }))).toMatchObject({
      status: 422,
      errors: [{ loc: ["body", "append_to"], type: "string_pattern_mismatch" }],
    });
    expect(await problem(await create(10, { append_to: meta.lecture_id, course_id: meta.course_id, filename: "x.mp3" }))).toMatchObject({
      status: 422,
      errors: [{ loc: ["body", "course_id"], type: "extra_forbidden" }],
    });

    // Accepted, then the lecture starts transcribing before the last byte: the append waits.
    const part = testBytes(4096, 10);
    const { path } = await createOk(part.byteLength, { append_to: meta.lecture_id, filename: "part-2.mp3" });
    const job = await queuedJob(meta.lecture_id, "transcription");
    expect(await problem(await patch(path, 0, part))).toMatchObject({ status: 409, code: "transcription_in_progress" });
    const waiting = await head(path);
    expect(waiting.headers.get("Upload-Offset")).toBe(String(part.byteLength));
    expect(waiting.headers.get("Pegasus-Lecture-Id")).toBeNull();
    expect((await json(await call(`/lectures/${meta.lecture_id}/recordings`))).recordings).toHaveLength(1);

    // An empty PATCH at the end is refused the same way while it runs...
    expect(await problem(await patch(path, part.byteLength, new Uint8Array(0)))).toMatchObject({ status: 409, code: "transcription_in_progress" });
    // ...and once it is over, the cron sweep records the waiting upload.
    await execSql(sql`update jobs set status = 'completed', updated_at = now() where id = ${job.id}`);
    expect((await sweepTusUploads(testServices()))?.finished).toBeGreaterThanOrEqual(1);
    expect((await head(path)).headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    const { recordings } = await json(await call(`/lectures/${meta.lecture_id}/recordings`));
    expect(recordings.map((r: { original_filename: string }) => r.original_filename)).toEqual(["lecture.m4a", "part-2.mp3"]);
  });

  it("expired uploads answer 410, and the sweep aborts their multipart upload and removes tail and row", async () => {
    const data = testBytes(6 * MiB, 9);
    const { path } = await createOk(8 * MiB, lectureMetadata());
    expect((await patch(path, 0, data)).status).toBe(204);
    const row = (await uploadRow(idOf(path)))!;
    expect(await multipartOpen(row.key, row.multipart_upload_id)).toBe(true);
    await execSql(sql`update tus_uploads set expires_at = now() - interval '1 minute' where id = ${row.id}`);

    expect((await head(path)).status).toBe(410);
    const late = await patch(path, 6 * MiB, data.slice(0, MiB));
    expect(late.status).toBe(410);
    expect((await json(late)).code).toBe("upload_expired");

    const result = await sweepTusUploads(testServices());
    expect(result!.expired).toBeGreaterThanOrEqual(1);
    expect(await uploadRow(row.id)).toBeUndefined();
    expect(await multipartOpen(row.key, row.multipart_upload_id)).toBe(false);
    expect(await tailObjects(row.id)).toEqual([]);
    expect(await bucket.head(row.key)).toBeNull();
    expect((await head(path)).status).toBe(404);
  });
});
