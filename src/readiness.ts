/**
 * Readiness: can this deployment serve? The database (reachable, and migrated as far as this build
 * expects), the queue binding and storage (a write/delete probe), each with a deadline, checked
 * side by side. A broken configuration is reported per check, never thrown.
 */
import { describeIssues, loadConfig, type Config, type ConfigIssue } from "./config.ts";
import { checkDatabase, type CheckResult } from "./db/readiness.ts";
import { nowRfc3339 } from "./lib/time.ts";
import { servicesFromEnv } from "./services.ts";
import { probeStorage } from "./storage/index.ts";

export type Check = CheckResult | { status: "skipped"; reason: string };

const PROBE_TIMEOUT_MS = 5000;

function withDeadline(promise: Promise<Check>, what: string): Promise<Check> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ status: "error", reason: `${what} did not answer in time` }), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkStorage(env: object, config: Config): Promise<Check> {
  try {
    await probeStorage(servicesFromEnv(env).storage);
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


/** Which credentials this deployment accepts; `required: false` is the open, single-owner mode. */
export interface AuthReport {
  required: boolean;
  credentials: ("jwt" | "api_key" | "admin_token")[];
  warning?: string;
}

/** Which provider and model each AI stage uses (null model: none applies). */
export interface ProvidersReport {
  transcription: { provider: "openai" | "workers-ai" | "upload-only"; model: string | null };
  generation: { provider: "openai" | "workers-ai" | "offline"; model: string | null };
  /** The AI Gateway both providers go through, if any. */
  gateway: string | null;
}

/** Whether webhooks can be registered and delivered here, and what a deployment must not keep. */
export interface WebhooksReport {
  available: boolean;
  warning?: string;
}

export interface Readiness {
  status: "ok" | "degraded";
  time: string;
  checks: { database: Check; queue: Check; storage: Check };
  auth?: AuthReport;
  providers?: ProvidersReport;
  webhooks?: WebhooksReport;
}

function providersReport(config: Config): ProvidersReport {
  const { transcription, generation, gateway } = config.ai;
  return {
    transcription: transcription ? { provider: transcription.provider, model: transcription.model } : { provider: "upload-only", model: null },
    generation: { provider: generation.provider, model: generation.provider === "offline" ? null : generation.model },
    gateway: gateway?.id ?? null,
  };
}

function webhooksReport(config: Config): WebhooksReport {
  const { secretKey, allowLocal } = config.webhooks;
  if (!secretKey) return { available: false, warning: "WEBHOOK_SECRET_KEY is not set: POST /webhooks is refused and nothing is delivered." };
  if (allowLocal)
    return {
      available: true,
      warning: "PLC_WEBHOOKS_ALLOW_LOCAL is set: http and loopback URLs are accepted and, without WEBHOOK_SECRET_KEY, secrets are sealed with a public key. Never deploy like this.",
    };
  return { available: true };
}

function authReport(config: Config): AuthReport {
  if (config.auth.mode === "off")
    return { required: false, credentials: [], warning: "PLC_AUTH=off: every request acts as the one local owner. Never deploy like this." };
  return {
    required: true,
    credentials: [...(config.auth.jwt ? (["jwt"] as const) : []), "api_key", ...(config.auth.adminToken ? (["admin_token"] as const) : [])],
  };
}

export async function checkReadiness(env: object): Promise<Readiness> {
  const loaded = loadConfig(env);
  const checks = loaded.ok
    ? await (async () => {
        const [database, storage] = await Promise.all([
          withDeadline(checkDatabase(loaded.config, PROBE_TIMEOUT_MS), "database"),
          withDeadline(checkStorage(env, loaded.config), "storage"),
        ]);
        return { database, queue: checkQueue(loaded.config), storage };
      })()
    : configChecks(loaded.issues);
  const degraded = Object.values(checks).some((check) => check.status === "error");
  return { status: degraded ? "degraded" : "ok", time: nowRfc3339(), checks, ...(loaded.ok ? { auth: authReport(loaded.config), providers: providersReport(loaded.config), webhooks: webhooksReport(loaded.config) } : {}) };
}
