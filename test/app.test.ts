import { describe, expect, it } from "vitest";
import { call, callWith, json, uid } from "./support/http.ts";
import { ingestOk } from "./support/lectures.ts";

describe("error model", () => {
  it("answers an unknown route with a 404 problem", async () => {
    const res = await call("/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await json(res);
    expect(body).toMatchObject({ type: "about:blank", title: "Not Found", status: 404, detail: "Not Found", instance: "/nope" });
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("answers a wrong method with 405 and the allowed methods", async () => {
    const res = await call("/health", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect(await json(res)).toMatchObject({ status: 405, detail: "Method Not Allowed" });
  });

  it("matches path parameters when deciding 405", async () => {
    const res = await call("/presets/exam-mode", { method: "POST" });
    expect(res.status).toBe(405);
  });
});

describe("request ids", () => {
  it("reuses a well-formed client id", async () => {
    const res = await call("/health", { headers: { "X-Request-Id": "client-123.abc" } });
    expect(res.headers.get("x-request-id")).toBe("client-123.abc");
  });

  it("replaces an unusable client id", async () => {
    const res = await call("/nope", { headers: { "X-Request-Id": "bad id with spaces <script>" } });
    const id = res.headers.get("x-request-id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json(res)).requestId).toBe(id);
  });
});

describe("CORS", () => {
  it("sends no CORS headers when PLC_CORS_ORIGINS is unset", async () => {
    const res = await call("/health", { headers: { Origin: "https://app.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows configured origins only, including preflight", async () => {
    const origins = { PLC_CORS_ORIGINS: "https://app.example, https://admin.example" };
    const allowed = await callWith(origins, "/health", { headers: { Origin: "https://admin.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Request-Id");

    const other = await callWith(origins, "/health", { headers: { Origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();

    const preflight = await callWith(origins, "/lectures/ingest", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("advertises in a preflight the methods the path is served by, as Allow does on a 405", async () => {
    const origins = { PLC_CORS_ORIGINS: "https://app.example" };
    const cases: [string, string][] = [
      // "ingest" is also a lecture id, so a lecture's methods apply too.
      ["/lectures/ingest", "DELETE, GET, HEAD, POST"],
      ["/lectures/lec-1", "DELETE, GET, HEAD"],
      ["/lectures/lec-1/generate", "POST"],
      ["/jobs/job-1/replay", "POST"],
      ["/health", "GET, HEAD"],
    ];
    for (const [path, methods] of cases) {
      const preflight = await callWith(origins, path, {
        method: "OPTIONS",
        headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" },
      });
      expect(preflight.headers.get("access-control-allow-methods"), path).toBe(methods.replaceAll(" ", ""));
      const wrong = await call(path, { method: "PUT" });
      expect(wrong.status, `PUT ${path}`).toBe(405);
      expect(wrong.headers.get("allow"), `PUT ${path}`).toBe(methods);
    }
  });
});

describe("API documentation", () => {
  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Pegasus Lecture Copilot API");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/health", "/health/ready", "/presets", "/presets/{preset_id}"]));
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it("serves the interactive reference page", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/openapi.json");
  });

  it("loads the reference bundle from the CDN pinned by exact version and Subresource Integrity", async () => {
    const html = await (await call("/docs")).text();
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)];
    expect(scripts).toHaveLength(1);
    const [tag, src] = scripts[0]!;
    expect(src).toMatch(/^https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@\d+\.\d+\.\d+\/dist\/browser\/standalone\.js$/);
    expect(tag).toMatch(/ integrity="sha384-[A-Za-z0-9+/]{64}"/);
    expect(tag).toContain(' crossorigin="anonymous"');
  });
});

describe("JSON body size", () => {
  const big = JSON.stringify({ openai_model: "x".repeat(70 * 1024) });

  it("refuses a JSON body over 64 KiB by its declared length with a 413 problem", async () => {
    const headers = { "content-type": "application/json", "content-length": String(big.length) };
    const res = await call("/lectures/lec-1/generate", { method: "POST", body: big, headers });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(res)).toMatchObject({ status: 413, detail: "The JSON body is larger than 64 KiB." });
  });

  it("refuses a streamed JSON body (no Content-Length) once it passes 64 KiB, and still reads a small one", async () => {
    const streamed = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      const body = new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
          controller.close();
        },
      });
      return call("/lectures/zz-missing/generate", { method: "POST", body, headers: { "content-type": "application/json" } });
    };
    const res = await streamed(big);
    expect(res.status).toBe(413);
    expect((await json(res)).detail).toBe("The JSON body is larger than 64 KiB.");
    const small = await streamed(JSON.stringify({ openai_model: "gpt-4o-mini" }));
    expect(small.status).toBe(404);
    expect((await json(small)).detail).toBe("Lecture not found.");
    const invalid = await streamed(JSON.stringify({ openai_model: 5 }));
    expect((await json(invalid)).errors).toEqual([{ loc: ["body", "openai_model"], msg: "Input should be a valid string", type: "string_type" }]);
  });
});

describe("response headers", () => {
  it("sends nosniff on every response, and keeps private data out of shared caches", async () => {
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId: uid("lec") });
    const privateCases = ["/lectures?limit=1", `/courses/${courseId}/progress`, "/lectures/zz-missing", "/nope"];
    for (const path of privateCases) {
      const res = await call(path);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("cache-control"), path).toBe("private, no-cache");
    }
    for (const path of ["/presets", "/presets/exam-mode", "/openapi.json", "/docs"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("cache-control"), path).toBe("public, max-age=300");
    }
  });

  it("keeps ETag revalidation of polled endpoints working", async () => {
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId: uid("lec") });
    const first = await call(`/courses/${courseId}/progress`);
    const etag = first.headers.get("etag")!;
    expect(etag).toBeTruthy();
    const again = await call(`/courses/${courseId}/progress`, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("cache-control")).toBe("private, no-cache");
    expect(again.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
