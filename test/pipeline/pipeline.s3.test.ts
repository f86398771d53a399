/**
 * The whole pipeline in s3 mode (this project runs the Worker and its queue consumer with
 * STORAGE_MODE=s3 against the local S3 server): ingest streams the upload into S3, the stages run
 * through the real local queue, and downloads are presigned URLs.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { ARTIFACT_SCHEMAS, ARTIFACT_TYPES } from "../../src/domain/artifacts.ts";
import { ankiHeaderLines, JSON_EXPORT_FORMAT } from "../../src/domain/exports/index.ts";
import { createStorage, readText, type Storage } from "../../src/storage/index.ts";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import { ingestOk, post, SHORT_TRANSCRIPT, waitForJob } from "../support/lectures.ts";

/** The storage the Worker itself uses in this project, built from the same bindings. */
function workerStorage(): Storage {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(`test configuration: ${JSON.stringify(loaded.issues)}`);
  expect(loaded.config.storage.mode).toBe("s3");
  return createStorage(loaded.config.storage);
}

async function runStage(path: string, body?: unknown) {
  const res = await post(path, body);
  expect(res.status).toBe(200);
  const { jobId, status } = await json(res);
  expect(status).toBe("queued"); // not inline: the queue consumer runs it
  return waitForJob(jobId);
}

async function fullPipeline(lectureId: string, courseId = uid("c")) {
  const ingested = await ingestOk({ courseId, lectureId, courseTitle: "Biology", title: "Cell Membranes" });
  for (const [stage, body] of [["transcribe", undefined], ["generate", {}], ["export", undefined]] as const) {
    const job = await runStage(`/lectures/${lectureId}/${stage}`, body);
    expect(job, `${stage}: ${job.error}`).toMatchObject({ status: "completed" });
  }
  return ingested;
}

async function downloadUrl(lectureId: string, type: string): Promise<string> {
  const res = await call(`/exports/${lectureId}/${type}`);
  expect(res.status, `${type}: ${res.status}`).toBe(200);
  const body = await json(res);
  expect(Object.keys(body)).toEqual(["downloadUrl"]);
  return body.downloadUrl;
}

describe("pipeline in s3 mode", () => {
  it("ingest → transcribe → generate → export through the queue; artifacts and exports come from S3", async () => {
    const storage = workerStorage();
    // ':' and '.' are legal in lecture ids and end up in object keys.
    const lectureId = `${uid("lec")}:v1.0`;
    const ingested = await fullPipeline(lectureId);

    // The upload went to S3 under the prefix, byte for byte.
    expect(ingested.audioPath).toMatch(new RegExp(`^s3://pegasus-test/pegasus/${TEST_PREFIX}audio/[0-9a-f-]{36}\\.txt$`));
    expect(await readText(storage, storage.keyOf(ingested.audioPath)!)).toBe(SHORT_TRANSCRIPT);
    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture.transcript_path).toBe(`s3://pegasus-test/pegasus/${TEST_PREFIX}transcripts/${lectureId}.json`);

    // Artifacts: no inline JSON in s3 mode, a presigned URL per type instead.
    const artifacts = await json(await call(`/lectures/${lectureId}/artifacts`));
    for (const type of ARTIFACT_TYPES) {
      expect(artifacts.artifacts[type], type).toBeNull();
      expect(artifacts.artifactPaths[type]).toBe(`s3://pegasus-test/pegasus/${TEST_PREFIX}artifacts/${lectureId}/${type}.json`);
      const url = new URL(artifacts.artifactDownloadUrls[type]);
      expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      const parsed = ARTIFACT_SCHEMAS[type].safeParse(await res.json());
      expect(parsed.success, `${type}: ${parsed.error?.message}`).toBe(true);
    }
    expect(Object.keys(artifacts.artifactDownloadUrls).sort()).toEqual([...ARTIFACT_TYPES].sort());

    // Exports: {downloadUrl} valid 900 s, each fetching the right file.
    const markdownUrl = await downloadUrl(lectureId, "markdown");
    expect(new URL(markdownUrl).searchParams.get("X-Amz-Expires")).toBe("900");
    const markdown = await fetch(markdownUrl);
    expect(markdown.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await markdown.text()).toContain("Cell Membranes");

    const anki = await fetch(await downloadUrl(lectureId, "anki"));
    expect(anki.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await anki.text()).split("\n");
    expect(lines.slice(0, 4)).toEqual(ankiHeaderLines());
    expect(lines.length).toBeGreaterThan(5);

    const pdf = await fetch(await downloadUrl(lectureId, "pdf"));
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer());
    expect(new TextDecoder().decode(pdfBytes.subarray(0, 5))).toBe("%PDF-");
    expect(new TextDecoder().decode(pdfBytes.subarray(-1024))).toContain("%%EOF");

    const bundle = await (await fetch(await downloadUrl(lectureId, "json"))).json();
    expect(bundle).toMatchObject({ format: JSON_EXPORT_FORMAT, lecture: { id: lectureId, title: "Cell Membranes" } });

    // A presigned URL is a URL for that object only.
    const tampered = new URL(markdownUrl);
    tampered.pathname = tampered.pathname.replace(/\.md$/, ".pdf");
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("streams a multi-part upload (above 8 MiB) into S3 intact", async () => {
    const storage = workerStorage();
    const size = 9 * 1024 * 1024 + 123;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 13 + (i >>> 20)) & 0xff;
    const lectureId = uid("lec");
    const ingested = await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([bytes], { type: "audio/mpeg" }), filename: "big.mp3" });
    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture).toMatchObject({ size_bytes: size, content_type: "audio/mpeg" });

    const object = await storage.get(storage.keyOf(ingested.audioPath)!);
    expect(object).toMatchObject({ size, contentType: "audio/mpeg" });
    const stored = new Uint8Array(await new Response(object!.body).arrayBuffer());
    expect(stored).toEqual(bytes);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", stored))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(lecture.checksum_sha256).toBe(digest);
  });

  it("download edge cases: a deleted export object, a type never produced, an unknown type", async () => {
    const storage = workerStorage();
    const lectureId = uid("lec");
    await fullPipeline(lectureId);

    // The route signs without asking S3 whether the object exists (that would cost a request per
    // download), so a deleted export still gets a URL; it is the URL that answers 404.
    await storage.delete(`${TEST_PREFIX}exports/${lectureId}/${lectureId}.md`);
    const res = await fetch(await downloadUrl(lectureId, "markdown"));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("<Code>NoSuchKey</Code>");

    for (const type of ["docx", "__proto__"]) {
      const unknown = await call(`/exports/${lectureId}/${type}`);
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).detail).toBe("Export not found.");
    }

    // Generated but never exported: no export row, so nothing to sign.
    const notExported = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId: notExported });
    expect((await runStage(`/lectures/${notExported}/transcribe`)).status).toBe("completed");
    expect((await runStage(`/lectures/${notExported}/generate`, {})).status).toBe("completed");
    const never = await call(`/exports/${notExported}/pdf`);
    expect(never.status).toBe(404);
    expect((await json(never)).detail).toBe("Export not found.");

    const noLecture = await call(`/exports/${uid("missing")}/pdf`);
    expect(noLecture.status).toBe(404);
    expect((await json(noLecture)).detail).toBe("Lecture not found.");
  });

  it("a stage whose input object is missing from S3 fails with a clear error", async () => {
    const storage = workerStorage();
    const lectureId = uid("lec");
    const ingested = await ingestOk({ courseId: uid("c"), lectureId });
    await storage.delete(storage.keyOf(ingested.audioPath)!);
    const transcription = await runStage(`/lectures/${lectureId}/transcribe`);
    expect(transcription).toMatchObject({ status: "failed", error: "Audio not found for lecture." });

    const exported = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId: exported });
    expect((await runStage(`/lectures/${exported}/transcribe`)).status).toBe("completed");
    expect((await runStage(`/lectures/${exported}/generate`, {})).status).toBe("completed");
    await storage.delete(`${TEST_PREFIX}artifacts/${exported}/flashcards.json`);
    const exportJob = await runStage(`/lectures/${exported}/export`);
    expect(exportJob).toMatchObject({ status: "failed", error: "The stored flashcards artifact is missing. Run generation again." });
    expect(exportJob.attempt).toBe(1); // permanent: not retried
  });
});
