import { createRoute, z } from "@hono/zod-openapi";
import { describeIssues, loadConfig, type Config, type ConfigIssue } from "../config.ts";
import { storageFor } from "../context.ts";
import { checkDatabase, type CheckResult } from "../db/readiness.ts";
import { createRouter, jsonContent } from "../lib/openapi.ts";
import { nowRfc3339 } from "../lib/time.ts";
import { probeStorage } from "../storage/index.ts";

const CheckSchema = z
  .object({
    status: z.enum(["ok", "skipped", "error"]),
    reason: z.string().optional(),
  })
  .openapi("ReadinessCheck");

const ReadinessSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    time: z.string(),
    checks: z.object({ database: CheckSchema, queue: CheckSchema, storage: CheckSchema }),
  })
  .openapi("Readiness");

const liveness = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness: the Worker answers",
  responses: {
    200: jsonContent(z.object({ status: z.literal("ok"), time: z.string() }).openapi("Health"), "Alive."),
  },
});

const readiness = createRoute({
  method: "get",
  path: "/health/ready",
  tags: ["health"],
  summary: "Readiness: database (and schema version), queue binding and storage",
  responses: {
    200: jsonContent(ReadinessSchema, "Every dependency is usable."),
    503: jsonContent(ReadinessSchema, "At least one dependency failed; each check gives its reason."),
  },
});

type Check = CheckResult | { status: "skipped"; reason: string };

const PROBE_TIMEOUT_MS = 5000;

function withDeadline(promise: Promise<Check>, what: string): Promise<Check> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ status: "error", reason: `${what} did not answer in time` }), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkStorage(config: Config): Promise<Check> {
  try {
    await probeStorage(storageFor(config));
    return { status: "ok" };
  } catch (error) {
    return { status: "error", reason: `storage write/delete probe failed (${config.storage.mode}): ${(error as Error).message}` };
  }
}

function checkQueue(config: Config): Check {
  if (config.inlineJobs) return { status: "skipped", reason: "PLC_INLINE_JOBS is enabled." };
  return config.queue ? { status: "ok" } : { status: "error", reason: "JOBS queue binding is missing" };
}

/** With a broken configuration, each check reports the settings that concern it. */
function configChecks(issues: ConfigIssue[]): { database: Check; queue: Check; storage: Check } {
  const concerning = (names: RegExp): Check => {
    const own = issues.filter((i) => names.test(i.variable));
    return own.length
      ? { status: "error", reason: `configuration: ${describeIssues(own)}` }
      : { status: "error", reason: "not checked: the configuration is invalid" };
  };
  return {
    database: concerning(/^(DATABASE_URL|NEON_FETCH_ENDPOINT)$/),
    queue: concerning(/^(JOBS|PLC_INLINE_JOBS)$/),
    storage: concerning(/^(BUCKET|STORAGE_MODE|R2_BUCKET_NAME|S3_|AWS_)/),
  };
}

export const healthRoutes = createRouter()
  .openapi(liveness, (c) => c.json({ status: "ok" as const, time: nowRfc3339() }, 200))
  .openapi(readiness, async (c) => {
    const loaded = loadConfig(c.env);
    const checks = loaded.ok
      ? await (async () => {
          const [database, storage] = await Promise.all([
            withDeadline(checkDatabase(loaded.config, PROBE_TIMEOUT_MS), "database"),
            withDeadline(checkStorage(loaded.config), "storage"),
          ]);
          return { database, queue: checkQueue(loaded.config), storage };
        })()
      : configChecks(loaded.issues);
    const degraded = Object.values(checks).some((check) => check.status === "error");
    const body = { status: degraded ? ("degraded" as const) : ("ok" as const), time: nowRfc3339(), checks };
    return degraded ? c.json(body, 503) : c.json(body, 200);
  });
