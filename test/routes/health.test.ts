import { describe, expect, it } from "vitest";
import { call, callWith, json } from "../support/http.ts";

describe("GET /health", () => {
  it("answers ok with the current time", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe("ok");
    expect(Date.now() - Date.parse(body.time)).toBeLessThan(10_000);
  });
});

describe("GET /health/ready", () => {
  it("reports database, queue and storage ok", async () => {
    const res = await call("/health/ready");
    const body = await json(res);
    expect(body).toMatchObject({
      status: "ok",
      checks: { database: { status: "ok" }, queue: { status: "ok" }, storage: { status: "ok" } },
    });
    expect(res.status).toBe(200);
  });

  it("says which credentials are accepted, and warns when authentication is off", async () => {
    expect((await json(await call("/health/ready"))).auth).toEqual({ required: true, credentials: ["jwt", "api_key", "admin_token"] });
    const open = await json(await callWith({ PLC_AUTH: "off" }, "/health/ready"));
    expect(open.auth).toMatchObject({ required: false, credentials: [], warning: expect.stringMatching(/PLC_AUTH=off/) });
    expect(open.status).toBe("ok");
  });

  it("says whether webhooks are available, and warns about local-only webhook settings", async () => {
    // The tests' own settings: a key, and local targets allowed.
    expect((await json(await call("/health/ready"))).webhooks).toEqual({ available: true, warning: expect.stringMatching(/PLC_WEBHOOKS_ALLOW_LOCAL/) });
    const deployed = await json(await callWith({ PLC_WEBHOOKS_ALLOW_LOCAL: "0" }, "/health/ready"));
    expect(deployed.webhooks).toEqual({ available: true });
    const keyless = await callWith({ PLC_WEBHOOKS_ALLOW_LOCAL: "0", WEBHOOK_SECRET_KEY: "" }, "/health/ready");
    // Webhooks are optional: the deployment is still ready, and says why they are off.
    expect(keyless.status).toBe(200);
    expect((await json(keyless)).webhooks).toEqual({ available: false, warning: expect.stringMatching(/WEBHOOK_SECRET_KEY is not set/) });
  });

  it("skips the queue in inline mode", async () => {
    const res = await callWith({ PLC_INLINE_JOBS: "Yes" }, "/health/ready");
    expect(res.status).toBe(200);
    expect((await json(res)).checks.queue).toEqual({ status: "skipped", reason: "PLC_INLINE_JOBS is enabled." });
  });

  it("answers 503 with a database reason when the database is unreachable, and recovers", async () => {
    const down = await callWith({ NEON_FETCH_ENDPOINT: "http://127.0.0.1:9/sql" }, "/health/ready");
    expect(down.status).toBe(503);
    const body = await json(down);
    expect(body.status).toBe("degraded");
    expect(body.checks.database.status).toBe("error");
    expect(body.checks.database.reason).toMatch(/database/);
    expect(body.checks.storage.status).toBe("ok");

    const up = await call("/health/ready");
    expect(up.status).toBe(200);
  });

  it("answers 503 naming the setting when the configuration is broken", async () => {
    const res = await callWith({ DATABASE_URL: "mysql://nope" }, "/health/ready");
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.checks.database.reason).toContain("DATABASE_URL");
    expect(JSON.stringify(body)).not.toContain("mysql://nope");
  });
});
