/**
 * Hostile input on every route, found by walking /openapi.json so a new endpoint gets the same
 * cases: ids that cannot exist, NUL bytes and lone surrogates in query values and JSON bodies,
 * integers beyond any page. None may reach the database as a 500.
 */
import { PROBLEM_CODES, type ValidationIssue } from "../src/lib/problem.ts";
import { describe, expect, it } from "vitest";
import { call, json } from "./support/http.ts";

interface Parameter {
  name: string;
  in: "path" | "query";
  schema: { type?: string; enum?: unknown[]; example?: unknown; maximum?: number };
}

interface BodyField {
  name: string;
  type?: string;
  required: boolean;
  example?: unknown;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  bodyFields: string[];
  body: BodyField[];
}

async function operations(): Promise<Operation[]> {
  const doc = await json(await call("/openapi.json"));
  const schemaOf = (ref: any) => (ref?.$ref ? doc.components.schemas[ref.$ref.split("/").pop()] : ref);
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops as Record<string, any>).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const body = schemaOf(content["application/json"]?.schema);
      const required = new Set<string>(body?.required ?? []);
      return {
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []) as Parameter[],
        bodyFields: Object.keys(body?.properties ?? {}),
        body: Object.entries(body?.properties ?? {}).map(([name, schema]: [string, any]) => ({
          name,
          // 3.1 writes a nullable string as ["string", "null"].
          type: Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type,
          required: required.has(name),
          example: schema.example,
        })),
      };
    }),
  );
}

/** A well-formed value for a path parameter, so only the parameter under test is wrong. */
const FILLER = "zz-missing-0";

/** A body with `field` set to `value` and every other required field at its documented example, so only `field` is wrong. */
function bodyWith(op: Operation, field: string, value: unknown): Record<string, unknown> {
  const others = op.body.filter((f) => f.required && f.name !== field);
  for (const f of others) expect(f.example, `${op.method} ${op.path}: required body field ${f.name} needs an example`).toBeDefined();
  return { ...Object.fromEntries(others.map((f) => [f.name, f.example])), [field]: value };
}

const JSON_TYPE_OF = (value: unknown) => (Array.isArray(value) ? "array" : value === null ? "null" : typeof value);

function url(op: Operation, pathValues: Record<string, string> = {}, query = ""): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name in pathValues) return pathValues[name]!;
    const example = op.parameters.find((p) => p.in === "path" && p.name === name)?.schema.example;
    return typeof example === "string" ? encodeURIComponent(example) : FILLER;
  });
  return query ? `${path}?${query}` : path;
}

function send(op: Operation, target: string, body: unknown = op.bodyFields.length ? {} : undefined) {
  // tus answers 412 to any request without its version header, before looking at the upload.
  const tus: Record<string, string> = op.path.startsWith("/uploads") ? { "Tus-Resumable": "1.0.0" } : {};
  return call(target, {
    method: op.method,
    ...(body === undefined ? { headers: tus } : { body: JSON.stringify(body), headers: { "content-type": "application/json", ...tus } }),
  });
}

/** Already percent-encoded path segments and query values no stored id can equal. */
const BAD_IDS = ["%00", "lec%00", "%ED%A0%80", "%C0%AF", "a%2Fb", "-lead", "%20spaced", "x".repeat(129)];
const BAD_QUERY_VALUES = ["%00", "a%00b", "%ED%A0%80", "%ED%B0%80x"];
const HUGE_INTEGERS = ["9223372036854775808", "18446744073709551616", `1${"0".repeat(400)}`, "-9223372036854775809"];
/** JSON body strings that Postgres (jsonb, text) cannot store. */
const BAD_BODY_STRINGS = ["\u0000", "exam\u0000mode", "\ud800", "x\udc00"];

describe("hostile input on every route (from /openapi.json)", () => {
  it("answers a path id that cannot exist with the same 404 as an unknown id", async () => {
    // OPTIONS is discovery (tus, CORS): it describes the server, whatever the id.
    const ops = (await operations()).filter((op) => op.method !== "OPTIONS" && op.parameters.some((p) => p.in === "path"));
    expect(ops.length).toBeGreaterThanOrEqual(15);
    for (const op of ops) {
      for (const param of op.parameters.filter((p) => p.in === "path")) {
        const unknown = await send(op, url(op, { [param.name]: "zz-no-such-id" }));
        expect(unknown.status, `${op.method} ${op.path} with an unknown ${param.name}`).toBe(404);
        if (op.method === "HEAD") {
          // No body to compare: the status is the whole answer.
          for (const bad of BAD_IDS) expect((await send(op, url(op, { [param.name]: bad }))).status, `HEAD ${op.path} ${bad}`).toBe(404);
          continue;
        }
        const { detail: expected, code } = await json(unknown);
        expect(code, `${op.method} ${op.path}`).toMatch(/_not_found$/);
        for (const bad of BAD_IDS) {
          const target = url(op, { [param.name]: bad });
          const res = await send(op, target);
          expect(res.status, `${op.method} ${target}`).toBe(404);
          expect(res.headers.get("content-type")).toBe("application/problem+json");
          expect(await json(res), `${op.method} ${target}`).toMatchObject({ detail: expected, code });
        }
      }
    }
  });

  it("answers NUL bytes and lone surrogates in any query parameter with 422 naming it", async () => {
    const ops = await operations();
    let checked = 0;
    for (const op of ops) {
      for (const param of op.parameters.filter((p) => p.in === "query")) {
        for (const bad of BAD_QUERY_VALUES) {
          const target = url(op, {}, `${param.name}=${bad}`);
          const res = await send(op, target);
          expect(res.status, `${op.method} ${target}`).toBe(422);
          const body = await json(res);
          expect(body.code).toBe("validation_failed");
          expect(body.errors.map((e: ValidationIssue) => e.loc), `${op.method} ${target}`).toEqual([["query", param.name]]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4 * 20);
  });

  it("bounds every integer query parameter: huge values are 422, and the bound is documented", async () => {
    const ops = await operations();
    let checked = 0;
    for (const op of ops) {
      for (const param of op.parameters.filter((p) => p.in === "query" && p.schema.type === "integer")) {
        expect(param.schema.maximum, `${op.method} ${op.path} ${param.name} has no documented maximum`).toBeTypeOf("number");
        expect(param.schema.maximum!).toBeLessThanOrEqual(2 ** 31 - 1);
        for (const huge of HUGE_INTEGERS) {
          const target = url(op, {}, `${param.name}=${huge}`);
          const res = await send(op, target);
          expect(res.status, `${op.method} ${target}`).toBe(422);
          const body = await json(res);
          expect(body.errors.map((e: ValidationIssue) => e.loc)).toEqual([["query", param.name]]);
          expect(["less_than_equal", "greater_than_equal"]).toContain(body.errors[0].type);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("answers NUL bytes, lone surrogates and wrong types in JSON body fields with 422 naming the field", async () => {
    const ops = (await operations()).filter((op) => op.bodyFields.length > 0);
    expect(ops.length).toBeGreaterThanOrEqual(1);
    for (const op of ops) {
      for (const { name: field, type } of op.body) {
        for (const bad of BAD_BODY_STRINGS) {
          const res = await send(op, url(op), bodyWith(op, field, bad));
          expect(res.status, `${op.method} ${op.path} ${field}=${JSON.stringify(bad)}`).toBe(422);
          expect((await json(res)).errors.map((e: ValidationIssue) => e.loc)).toEqual([["body", field]]);
        }
        // A value of the wrong type is reported as such, not as a missing field.
        for (const value of [1, true, ["x"], {}, "x"].filter((v) => JSON_TYPE_OF(v) !== (type ?? "string"))) {
          const res = await send(op, url(op), bodyWith(op, field, value));
          const received = JSON_TYPE_OF(value);
          expect(res.status, `${op.method} ${op.path} ${field}: ${received}`).toBe(422);
          const { errors } = await json(res);
          if (type === undefined || type === "string")
            expect(errors).toEqual([{ loc: ["body", field], msg: "Input should be a valid string", type: "string_type" }]);
          else expect(errors.map((e: ValidationIssue) => [e.loc, e.type]), `${op.method} ${op.path} ${field}: ${received}`).toEqual([[["body", field], `${type === "array" ? "list" : type === "boolean" ? "bool" : type}_type`]]);
        }
      }
    }
  });

  it("never answers a 5xx to any of these, including multipart routes", async () => {
    // Readiness answers 503 by design when a dependency is down.
    const ops = (await operations()).filter((op) => op.path !== "/health/ready");
    for (const op of ops) {
      const hasQuery = op.parameters.some((p) => p.in === "query");
      const targets = [url(op, {}, hasQuery ? "offset=9223372036854775808&limit=%00" : "")];
      for (const bad of ["%00", "%ED%A0%80"]) {
        const values = Object.fromEntries(op.parameters.filter((p) => p.in === "path").map((p) => [p.name, bad]));
        targets.push(url(op, values));
      }
      for (const target of targets) {
        const res = await send(op, target);
        expect(res.status, `${op.method} ${target}`).toBeLessThan(500);
        // Every problem names a code from the catalogue the OpenAPI document lists (a HEAD answer has no body).
        if (res.status >= 400 && op.method !== "HEAD") expect(PROBLEM_CODES, `${op.method} ${target}`).toContain((await json(res)).code);
      }
    }
  });
});
