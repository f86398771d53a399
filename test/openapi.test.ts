/**
 * The generated document validates against the official OpenAPI 3.1 schema (the "schema-base"
 * variant, which also checks schema objects against the 3.1 dialect).
 */
import { registerSchema, validate } from "@hyperjump/json-schema/openapi-3-1";
import { describe, expect, it } from "vitest";
import { PROBLEM_CODES } from "../src/lib/problem.ts";
import { call, json, uid } from "./support/http.ts";
import { post, transcribedLecture } from "./support/lectures.ts";

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document covering every route", async () => {
    const doc = await json(await call("/openapi.json"));
    const output = await validate("https://spec.openapis.org/oas/3.1/schema-base", doc);
    expect(output.valid).toBe(true);

    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        "GET /health",
        "GET /health/ready",
        "GET /presets",
        "GET /presets/{preset_id}",
        "GET /courses",
        "GET /courses/{course_id}",
        "GET /courses/{course_id}/lectures",
        "GET /courses/{course_id}/threads",
        "GET /courses/{course_id}/progress",
        "POST /lectures/ingest",
        "GET /lectures",
        "GET /lectures/{lecture_id}",
        "POST /lectures/{lecture_id}/transcribe",
        "POST /lectures/{lecture_id}/generate",
        "POST /lectures/{lecture_id}/export",
        "GET /lectures/{lecture_id}/jobs",
        "GET /lectures/{lecture_id}/progress",
        "GET /lectures/{lecture_id}/summary",
        "GET /lectures/{lecture_id}/artifacts",
        "GET /lectures/{lecture_id}/transcript",
        "GET /lectures/{lecture_id}/recordings",
        "POST /lectures/{lecture_id}/recordings",
        "GET /jobs",
        "GET /jobs/{job_id}",
        "POST /jobs/{job_id}/replay",
        "GET /exports/{lecture_id}/{export_type}",
        "POST /api-keys",
        "GET /api-keys",
        "DELETE /api-keys/{id}",
        "DELETE /courses/{course_id}",
        "DELETE /lectures/{lecture_id}",
        "POST /webhooks",
        "GET /webhooks",
        "GET /webhooks/{id}",
        "PATCH /webhooks/{id}",
        "DELETE /webhooks/{id}",
        "POST /webhooks/{id}/rotate-secret",
        "POST /webhooks/{id}/test",
        "GET /webhooks/{id}/deliveries",
        "POST /webhooks/{id}/deliveries/{delivery_id}/retry",
        "GET /lectures/{lecture_id}/events",
        "GET /courses/{course_id}/events",
        // tus resumable uploads
        "OPTIONS /uploads",
        "POST /uploads",
        "OPTIONS /uploads/{upload_id}",
        "HEAD /uploads/{upload_id}",
        "GET /uploads/{upload_id}",
        "PATCH /uploads/{upload_id}",
        "DELETE /uploads/{upload_id}",
        "GET /courses/{course_id}/search",
        "GET /lectures/{lecture_id}/search",
        "POST /courses/{course_id}/ask",
        "GET /lectures/{lecture_id}/audio",
      ].sort(),
    );
    // Query parameters are documented with the types clients send.
    const limit = doc.paths["/lectures"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 0, maximum: 500, default: 100 });
  });

  it("documents the ingest form with the rules that validate it (one schema)", async () => {
    const doc = await json(await call("/openapi.json"));
    const form = doc.components.schemas.IngestForm;
    expect(form.required).toEqual(expect.arrayContaining(["course_id", "lecture_id", "preset_id", "title", "audio"]));
    expect(form.properties.lecture_id.pattern).toBe("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
    expect(form.properties.title.maxLength).toBe(500);
    expect(form.properties.source_type.maxLength).toBe(32);
    expect(form.properties.duration_sec).toMatchObject({ type: "integer", minimum: 0, maximum: 86400 });
    expect(form.properties.audio).toMatchObject({ type: "string", format: "binary" });
  });

  it("declares the bearer scheme for every operation but health, presets and tus discovery", async () => {
    const doc = await json(await call("/openapi.json"));
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown[] }>>(doc.paths))
      for (const [method, operation] of Object.entries(operations) as [string, { security?: unknown[]; responses: Record<string, unknown> }][]) {
        const open = /^\/(health|presets)/.test(path) || method === "options";
        expect(operation.security, path).toEqual(open ? [] : undefined);
        for (const status of ["401", "403", "429"]) expect(status in operation.responses, `${path} ${status}`).toBe(!open);
      }
  });

  it("lists every problem code clients may branch on", async () => {
    const doc = await json(await call("/openapi.json"));
    const code = doc.components.schemas.Problem.properties.code;
    expect(code.enum).toEqual(PROBLEM_CODES);
    expect(doc.components.schemas.Problem.required).toContain("code");
    for (const code of PROBLEM_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it("documents the artifacts a real generation returns: they validate against the published schemas", async () => {
    const doc = await json(await call("/openapi.json"));
    // The components as a standalone 3.1 schema document, so one of them can be the root.
    const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll("#/components/schemas/", "#/$defs/"));
    const id = `https://pegasus.test/schemas/${crypto.randomUUID()}`;
    registerSchema({ $schema: "https://spec.openapis.org/oas/3.1/dialect/base", $id: id, $ref: "#/$defs/ArtifactsByType", $defs: defs }, id);

    const courseId = uid("c");
    const lectureId = await transcribedLecture({ courseId, lectureId: uid("lec") });
    expect((await json(await post(`/lectures/${lectureId}/generate`, {}, { PLC_INLINE_JOBS: "1" }))).status).toBe("completed");
    const { artifacts } = await json(await call(`/lectures/${lectureId}/artifacts`));
    expect(Object.keys(artifacts).sort()).toEqual(["exam-questions", "flashcards", "key-terms", "outline", "summary", "threads"]);
    const output = await validate(id, artifacts);
    expect(output.valid, JSON.stringify(output)).toBe(true);
    // ... and the schemas are strict enough to notice a wrong shape.
    expect((await validate(id, { ...artifacts, summary: { ...artifacts.summary, overview: 5 } })).valid).toBe(false);
  });

  it("rejects a broken document (the validator is really checking)", async () => {
    const output = await validate("https://spec.openapis.org/oas/3.1/schema-base", { openapi: "3.1.0", paths: { nope: {} } });
    expect(output.valid).toBe(false);
    const badSchema = {
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
      paths: {},
      components: { schemas: { Bad: { type: "integer", minimum: "zero" } } },
    };
    expect((await validate("https://spec.openapis.org/oas/3.1/schema-base", badSchema)).valid).toBe(false);
  });
});
