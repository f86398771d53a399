/**
 * GET /exports/{lecture_id}/{export_type} in r2 mode: the Worker streams the file itself.
 * (The s3-mode answer, a presigned URL, is covered by test/pipeline/pipeline.s3.test.ts.)
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ankiHeaderLines, EXPORT_FORMATS, JSON_EXPORT_FORMAT } from "../../src/domain/exports/index.ts";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import { post, transcribedLecture } from "../support/lectures.ts";

const INLINE = { PLC_INLINE_JOBS: "1" };

async function expectNotFound(path: string, detail: string) {
  const res = await call(path);
  expect(res.status, path).toBe(404);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect((await json(res)).detail).toBe(detail);
}

describe("GET /exports/{lecture_id}/{export_type} (r2 mode)", () => {
  const lectureId = `${uid("lec")}.v2`;

  beforeAll(async () => {
    await transcribedLecture({ courseId: uid("c"), lectureId, title: "Cell Membranes" });
    for (const [stage, body] of [["generate", {}], ["export", undefined]] as const) {
      const started = await json(await post(`/lectures/${lectureId}/${stage}`, body, INLINE));
      if (started.status !== "completed") throw new Error(`${stage}: ${JSON.stringify(started)}`);
    }
  });

  it("streams each format as an attachment with its content type and length", async () => {
    const bodies: Record<string, Uint8Array> = {};
    for (const [type, format] of Object.entries(EXPORT_FORMATS)) {
      const res = await call(`/exports/${lectureId}/${type}`);
      expect(res.status, type).toBe(200);
      expect(res.headers.get("content-type")).toBe(format.contentType);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${lectureId}.${format.extension}"`);
      bodies[type] = new Uint8Array(await res.arrayBuffer());
      expect(res.headers.get("content-length")).toBe(String(bodies[type]!.byteLength));
    }
    const text = (type: string) => new TextDecoder().decode(bodies[type]);
    expect(text("markdown")).toContain("Cell Membranes");
    expect(text("anki").split("\n").slice(0, 4)).toEqual(ankiHeaderLines());
    expect(text("pdf").slice(0, 5)).toBe("%PDF-");
    expect(JSON.parse(text("json"))).toMatchObject({ format: JSON_EXPORT_FORMAT, lecture: { id: lectureId } });
  });

  it("answers 404 Export not found. for a type that is not an export format", async () => {
    for (const type of ["docx", "Markdown", "constructor"]) await expectNotFound(`/exports/${lectureId}/${type}`, "Export not found.");
  });

  it("answers 404 Export not found. for a lecture that was never exported", async () => {
    const fresh = uid("lec");
    await transcribedLecture({ courseId: uid("c"), lectureId: fresh });
    await expectNotFound(`/exports/${fresh}/pdf`, "Export not found.");
  });

  it("answers 404 Lecture not found. for an unknown lecture", async () => {
    await expectNotFound(`/exports/${uid("nope")}/markdown`, "Lecture not found.");
  });

  it("answers 404 Export file missing. when the object is gone from the bucket", async () => {
    const other = uid("lec");
    await transcribedLecture({ courseId: uid("c"), lectureId: other });
    await post(`/lectures/${other}/generate`, {}, INLINE);
    expect((await json(await post(`/lectures/${other}/export`, undefined, INLINE))).status).toBe("completed");
    await env.BUCKET.delete(`${TEST_PREFIX}exports/${other}/${other}.md`);
    await expectNotFound(`/exports/${other}/markdown`, "Export file missing.");
    expect((await call(`/exports/${other}/pdf`)).status).toBe(200);
  });
});
