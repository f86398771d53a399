import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { describeIssues, isTruthy, loadConfig } from "../src/config.ts";

const base = { ...env } as Record<string, unknown>;

function issuesOf(overrides: Record<string, unknown>) {
  const result = loadConfig({ ...base, ...overrides });
  if (result.ok) throw new Error("expected the configuration to be rejected");
  return result.issues;
}

describe("loadConfig", () => {
  it("accepts the test bindings and fills defaults", () => {
    const result = loadConfig({ ...base, OPENAI_MODEL: "" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.openai.model).toBe("gpt-4o-mini");
    expect(result.config.maxUploadBytes).toBe(100 * 1024 * 1024);
    expect(result.config.storage.mode).toBe("r2");
    expect(result.config.jobs.maxAttempts).toBe(4);
  });

  it("needs nothing beyond the database URL and the bindings: every variable has a default", () => {
    const result = loadConfig({ DATABASE_URL: base.DATABASE_URL, BUCKET: base.BUCKET, JOBS: base.JOBS });
    expect(result.ok, JSON.stringify(!result.ok && result.issues)).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      inlineJobs: false,
      corsOrigins: [],
      openai: { model: "gpt-4o-mini" },
      storage: { mode: "r2", bucketName: "pegasus-media" },
      databaseTimeoutMs: 5000,
      jobs: { maxAttempts: 4, retryDelaysSec: [10, 60, 300], stageTimeoutSec: 900, leaseSec: 60, lostAfterSec: 60 },
    });
  });

  it("webhooks: no secret key unless configured or local; retry schedule of about 40 h by default", () => {
    const result = loadConfig({ DATABASE_URL: base.DATABASE_URL, BUCKET: base.BUCKET, JOBS: base.JOBS });
    if (!result.ok) throw new Error("rejected");
    expect(result.config.webhooks).toMatchObject({ secretKey: undefined, allowLocal: false, dohUrl: "https://cloudflare-dns.com/dns-query" });
    expect(result.config.webhooks.retryDelaysSec.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3600);
    expect(result.config.sseMaxSec).toBe(600);
    const local = loadConfig({ DATABASE_URL: base.DATABASE_URL, BUCKET: base.BUCKET, JOBS: base.JOBS, PLC_WEBHOOKS_ALLOW_LOCAL: "1" });
    expect(local.ok && local.config.webhooks.secretKey).toMatch(/=$/);
    expect(issuesOf({ WEBHOOK_SECRET_KEY: "short" }).map((i) => i.variable)).toEqual(["WEBHOOK_SECRET_KEY"]);
    expect(issuesOf({ WEBHOOKS_DOH_URL: "dns.example" }).map((i) => i.variable)).toEqual(["WEBHOOKS_DOH_URL"]);
  });

  it("names a missing DATABASE_URL and what it should be", () => {
    const { DATABASE_URL: _, ...rest } = base;
    const result = loadConfig(rest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(describeIssues(result.issues)).toBe("DATABASE_URL is not set; expected a postgres:// or postgresql:// connection string");
  });

  it("rejects malformed values without echoing them", () => {
    const issues = issuesOf({ DATABASE_URL: "mysql://secret@host", PLC_MAX_UPLOAD_MB: "lots", STORAGE_MODE: "ftp" });
    const text = describeIssues(issues);
    expect(issues.map((i) => i.variable).sort()).toEqual(["DATABASE_URL", "PLC_MAX_UPLOAD_MB", "STORAGE_MODE"]);
    expect(text).not.toContain("secret");
    expect(text).toContain("expected r2, local or s3");
  });

  it("requires bucket, endpoint and credentials in s3 mode", () => {
    const issues = issuesOf({ STORAGE_MODE: "s3" });
    expect(issues.map((i) => i.variable)).toEqual(["S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]);
  });

  it("accepts the AWS_* names and S3_REGION before AWS_REGION in s3 mode", () => {
    const result = loadConfig({
      ...base,
      STORAGE_MODE: "S3",
      S3_ENDPOINT_URL: "http://127.0.0.1:4569/",
      S3_BUCKET: "b",
      AWS_ACCESS_KEY_ID: "k",
      AWS_SECRET_ACCESS_KEY: "s",
      S3_REGION: "auto",
      AWS_REGION: "eu-west-1",
    });
    expect(result.ok && result.config.storage).toMatchObject({ mode: "s3", endpoint: "http://127.0.0.1:4569", region: "auto", prefix: "pegasus" });
  });

  it("treats `local` as r2 and needs the queue only outside inline mode", () => {
    expect(issuesOf({ JOBS: undefined }).map((i) => i.variable)).toEqual(["JOBS"]);
    const inline = loadConfig({ ...base, JOBS: undefined, PLC_INLINE_JOBS: " ON ", STORAGE_MODE: "local" });
    expect(inline.ok && inline.config.storage.mode).toBe("r2");
  });
});

describe("isTruthy", () => {
  it("accepts 1/true/yes/on in any case and nothing else", () => {
    for (const v of ["1", "true", "TRUE", " yes ", "On"]) expect(isTruthy(v)).toBe(true);
    for (const v of ["0", "false", "no", "off", "", "y", undefined]) expect(isTruthy(v)).toBe(false);
  });
});

describe("AI providers", () => {
  // Any object with run() passes for the AI binding; these tests never call it.
  const AI = { run: async () => ({}) };
  const configOf = (overrides: Record<string, unknown>) => {
    const result = loadConfig({ ...base, OPENAI_API_KEY: "", PLC_WORKERS_AI: "on", AI: undefined, ...overrides });
    if (!result.ok) throw new Error(describeIssues(result.issues));
    return result.config.ai;
  };

  it("default to what is configured: an OpenAI key, else the AI binding, else uploads and the offline generator", () => {
    expect(configOf({})).toMatchObject({ transcription: null, generation: { provider: "offline" } });
    expect(configOf({ AI })).toMatchObject({
      transcription: { provider: "workers-ai", model: "@cf/openai/whisper-large-v3-turbo" },
      generation: { provider: "workers-ai", model: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", allowedModels: ["@cf/meta/llama-3.3-70b-instruct-fp8-fast"] },
    });
    expect(configOf({ AI, OPENAI_API_KEY: "sk-x" })).toMatchObject({
      transcription: { provider: "openai", model: "whisper-1" },
      generation: { provider: "openai", model: "gpt-4o-mini" },
    });
    // PLC_WORKERS_AI=off (npm run dev, most tests) ignores a binding that cannot run.
    expect(configOf({ AI, PLC_WORKERS_AI: "off" })).toMatchObject({ transcription: null, generation: { provider: "offline" } });
  });

  it("can be chosen per stage, with the Workers AI models configurable", () => {
    const ai = configOf({
      AI,
      OPENAI_API_KEY: "sk-x",
      TRANSCRIPTION_PROVIDER: "workers-ai",
      GENERATION_PROVIDER: "OpenAI",
      WORKERS_AI_TRANSCRIPTION_MODEL: "@cf/openai/whisper",
    });
    expect(ai).toMatchObject({ transcription: { provider: "workers-ai", model: "@cf/openai/whisper" }, generation: { provider: "openai" } });
    expect(configOf({ AI, GENERATION_PROVIDER: "offline", WORKERS_AI_MODEL: "@cf/meta/llama-4-scout-17b-16e-instruct" }).generation.provider).toBe("offline");
    expect(configOf({ AI, WORKERS_AI_MODEL: "@cf/meta/llama-4-scout-17b-16e-instruct" }).generation.model).toBe("@cf/meta/llama-4-scout-17b-16e-instruct");
  });

  it("refuses a provider that is not set up, or not known", () => {
    expect(issuesOf({ OPENAI_API_KEY: "", AI: undefined, TRANSCRIPTION_PROVIDER: "workers-ai" })).toEqual([
      expect.objectContaining({ variable: "TRANSCRIPTION_PROVIDER", message: expect.stringContaining("AI binding") }),
    ]);
    expect(issuesOf({ OPENAI_API_KEY: "", GENERATION_PROVIDER: "openai" })).toEqual([
      expect.objectContaining({ variable: "GENERATION_PROVIDER", message: expect.stringContaining("OPENAI_API_KEY") }),
    ]);
    expect(issuesOf({ TRANSCRIPTION_PROVIDER: "offline" })[0]).toMatchObject({ variable: "TRANSCRIPTION_PROVIDER", message: "expected openai or workers-ai" });
  });

  it("an AI Gateway for OpenAI needs the account id unless the AI binding can tell the gateway's URL", () => {
    expect(issuesOf({ OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "", AI: undefined, AI_GATEWAY_ID: "gw" })[0]).toMatchObject({ variable: "AI_GATEWAY_ACCOUNT_ID" });
    expect(configOf({ OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "", AI_GATEWAY_ID: "gw", AI_GATEWAY_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" }).gateway).toEqual({
      id: "gw",
      accountId: "0123456789abcdef0123456789abcdef",
    });
    expect(configOf({ AI, AI_GATEWAY_ID: "gw" }).gateway).toEqual({ id: "gw" });
  });
});

