import { describe, expect, it } from "vitest";
import { call, callWith, json } from "./support/http.ts";

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
});
