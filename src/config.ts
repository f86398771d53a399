/**
 * One zod schema for every binding and variable the Worker reads. `loadConfig` never throws and
 * never echoes a value back: a problem names the variable and what is expected.
 */
import { z } from "zod";
import type { JobMessage } from "./jobs/messages.ts";

const TRUTHY = new Set(["1", "true", "yes", "on"]);

/** `PLC_INLINE_JOBS`-style flags: 1/true/yes/on in any case, anything else is off. */
export function isTruthy(value: unknown): boolean {
  return typeof value === "string" && TRUTHY.has(value.trim().toLowerCase());
}

/**
 * `PLC_CORS_ORIGINS`: comma-separated origins (`*` for any). The CORS middleware reads it straight
 * from the environment too, so a browser can still read the error of a misconfigured deployment.
 */
export function parseCorsOrigins(value: unknown): string[] {
  return typeof value === "string" ? value.split(",").map((o) => o.trim()).filter(Boolean) : [];
}

/** Unset and empty both mean "not configured" (wrangler passes empty strings through). */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const httpUrl = (what: string) =>
  optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), {
    message: `expected an http(s) URL${what}`,
  });

const positiveNumber = (fallback: number, what: string) =>
  optionalText
    .refine((v) => v === undefined || (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0), {
      message: `expected a positive number${what}`,
    })
    .transform((v) => (v === undefined ? fallback : Number(v)));

const positiveInt = (fallback: number, max: number) =>
  optionalText
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max), {
      message: `expected a whole number from 1 to ${max}`,
    })
    .transform((v) => (v === undefined ? fallback : Number(v)));

const secondsList = optionalText
  .refine((v) => v === undefined || /^\s*\d+(\s*,\s*\d+)*\s*$/.test(v), {
    message: "expected comma-separated whole seconds, e.g. 10,60,300",
  })
  .transform((v) => (v === undefined ? [10, 60, 300] : v.split(",").map((s) => Number(s.trim()))));

const binding = <T>(check: (value: object) => boolean) =>
  z.custom<T>((value) => typeof value === "object" && value !== null && check(value));

const isR2Bucket = (v: object) => "put" in v && "get" in v && "head" in v;
const isQueue = (v: object) => "send" in v && "sendBatch" in v;
const isRateLimiter = (v: object) => "limit" in v;

/** A `RATE_LIMIT_*` budget: `<limit>/<period>`, the `simple` entry of its [[ratelimits]] binding. */
const rateLimitPolicy = optionalText
  .refine((v) => v === undefined || /^[1-9]\d{0,8}\/(10|60)$/.test(v), {
    message: "expected <limit>/<period>, the same as its [[ratelimits]] binding's `simple`, with a period of 10 or 60 seconds (e.g. 600/60)",
  })
  .transform((v) => {
    if (v === undefined) return undefined;
    const [quota, windowSec] = v.split("/").map(Number) as [number, 10 | 60];
    return { quota, windowSec };
  });

const rawEnvSchema = z.object({
  DATABASE_URL: z
    .string({ error: "is not set; expected a postgres:// or postgresql:// connection string" })
    .refine((v) => /^postgres(ql)?:\/\/\S+$/.test(v.trim()), {
      message: "expected a postgres:// or postgresql:// connection string",
    }),
  NEON_FETCH_ENDPOINT: httpUrl(" (local Neon gateway, e.g. http://127.0.0.1:4444/sql)"),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: httpUrl(" (e.g. https://api.openai.com/v1)"),
  OPENAI_MODEL: optionalText.transform((v) => v ?? "gpt-4o-mini"),
  OPENAI_MODELS: optionalText.transform((v) => (v === undefined ? [] : v.split(",").map((m) => m.trim()).filter(Boolean))),
  OPENAI_EMBEDDING_MODEL: optionalText.transform((v) => v ?? "text-embedding-3-small"),
  PLC_INLINE_JOBS: z.unknown().optional().transform(isTruthy),
  PLC_CORS_ORIGINS: z.unknown().optional().transform(parseCorsOrigins),
  PLC_MAX_UPLOAD_MB: positiveNumber(100, " of megabytes"),
  STORAGE_MODE: optionalText
    .transform((v) => (v ?? "r2").toLowerCase())
    .refine((v) => ["r2", "local", "s3"].includes(v), { message: "expected r2, local or s3" })
    .transform((v) => (v === "s3" ? ("s3" as const) : ("r2" as const))),
  R2_BUCKET_NAME: optionalText.transform((v) => v ?? "pegasus-media"),
  S3_ENDPOINT_URL: httpUrl(" (the S3 API endpoint, e.g. https://<account>.r2.cloudflarestorage.com)"),
  S3_BUCKET: optionalText,
  S3_PREFIX: optionalText.transform((v) => (v ?? "pegasus").replace(/^\/+|\/+$/g, "")),
  S3_REGION: optionalText,
  AWS_REGION: optionalText,
  S3_ACCESS_KEY_ID: optionalText,
  AWS_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  AWS_SECRET_ACCESS_KEY: optionalText,
  JOB_MAX_ATTEMPTS: positiveInt(4, 20),
  JOB_RETRY_DELAYS_SEC: secondsList,
  JOB_STAGE_TIMEOUT_SEC: positiveInt(900, 86_400),
  JOB_LEASE_SEC: positiveInt(60, 3_600),
  JOB_LOST_AFTER_SEC: positiveInt(60, 86_400),
  DATABASE_TIMEOUT_MS: positiveInt(5_000, 120_000),
  PLC_AUTH: optionalText
    .transform((v) => (v ?? "required").toLowerCase())
    .refine((v) => v === "required" || v === "off", { message: "expected required or off" })
    .transform((v) => v as "required" | "off"),
  // Plain http would let anyone on the path swap the keys and sign tokens: https, but for a local server.
  AUTH_JWKS_URL: optionalText.refine(
    (v) => v === undefined || /^https:\/\/[^\s/]+/.test(v) || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(v),
    { message: "expected the https URL of the identity provider's JWKS (…/.well-known/jwks.json)" },
  ),
  AUTH_ISSUER: optionalText,
  AUTH_AUDIENCE: optionalText,
  PLC_ADMIN_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 24, {
    message: "expected at least 24 characters (use a long random secret)",
  }),
  PLC_AUDIO_RETENTION_DAYS: optionalText
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1), { message: "expected a whole number of days, at least 1" })
    .transform((v) => (v === undefined ? undefined : Number(v))),
  PLC_RATE_LIMIT: optionalText
    .transform((v) => (v ?? "on").toLowerCase())
    .refine((v) => v === "on" || v === "off", { message: "expected on or off" }),
  RATE_LIMIT_ANONYMOUS: rateLimitPolicy,
  RATE_LIMIT_UPLOADS: rateLimitPolicy,
  RATE_LIMIT_STARTS: rateLimitPolicy,
  RATE_LIMIT_READS: rateLimitPolicy,
  BUCKET: binding<R2Bucket>(isR2Bucket).optional(),
  JOBS: binding<Queue<JobMessage>>(isQueue).optional(),
  DEAD_LETTERS: binding<Queue<JobMessage>>(isQueue).optional(),
  ANONYMOUS_LIMITER: binding<RateLimit>(isRateLimiter).optional(),
  UPLOADS_LIMITER: binding<RateLimit>(isRateLimiter).optional(),
  STARTS_LIMITER: binding<RateLimit>(isRateLimiter).optional(),
  READS_LIMITER: binding<RateLimit>(isRateLimiter).optional(),
});

/**
 * Request budgets (src/lib/rate-limit.ts): `anonymous` per client address for requests that do
 * not authenticate; `uploads`, `starts` and `reads` per owner.
 */
export const RATE_LIMIT_BUDGETS = ["anonymous", "uploads", "starts", "reads"] as const;
export type RateLimitBudgetName = (typeof RATE_LIMIT_BUDGETS)[number];

const RATE_LIMIT_SETTINGS = {
  anonymous: { binding: "ANONYMOUS_LIMITER", policy: "RATE_LIMIT_ANONYMOUS" },
  uploads: { binding: "UPLOADS_LIMITER", policy: "RATE_LIMIT_UPLOADS" },
  starts: { binding: "STARTS_LIMITER", policy: "RATE_LIMIT_STARTS" },
  reads: { binding: "READS_LIMITER", policy: "RATE_LIMIT_READS" },
} as const satisfies Record<RateLimitBudgetName, { binding: string; policy: string }>;

type RawConfig = z.output<typeof rawEnvSchema>;

export type StorageConfig =
  | { mode: "r2"; bucket: R2Bucket; bucketName: string }
  | {
      mode: "s3";
      endpoint: string;
      bucket: string;
      prefix: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
    };

export interface RateLimitBudget {
  /** Cloudflare's counter: it enforces the budget and answers only whether a request fits. */
  limiter: RateLimit;
  /** The binding's limit and period, as the RateLimit-Policy header announces them. */
  quota: number;
  windowSec: 10 | 60;
}

export interface Config {
  databaseUrl: string;
  neonFetchEndpoint?: string;
  /** Deadline for one database round trip; past it the request is a 503 and a stage is retried. */
  databaseTimeoutMs: number;
  openai: {
    apiKey?: string;
    baseUrl?: string;
    model: string;
    /** Models a request's `openai_model` may pick (each costs differently); always includes `model`. */
    allowedModels: string[];
    /** Embeds transcript segments and queries for semantic search. */
    embeddingModel: string;
  };
  inlineJobs: boolean;
  corsOrigins: string[];
  maxUploadBytes: number;
  storage: StorageConfig;
  queue?: Queue<JobMessage>;
  /** Producer for the dead-letter queue: jobs whose transient failures used up every attempt. */
  deadLetters?: Queue<JobMessage>;
  auth: {
    /** `off` runs the seed's open API: every request acts as DEFAULT_OWNER with every scope. */
    mode: "required" | "off";
    /** JWTs from the app's identity provider, when configured. */
    jwt?: { jwksUrl: string; issuer: string; audience: string };
    /** Bootstrap secret accepted as a bearer credential with `admin` scope. */
    adminToken?: string;
  };
  /** Raw audio of lectures transcribed longer ago than this is deleted by the sweep (unset: kept). */
  audioRetentionDays?: number;
  /** The budgets in force: one without its binding (or with PLC_RATE_LIMIT=off) is not limited. */
  rateLimits: Partial<Record<RateLimitBudgetName, RateLimitBudget>>;
  jobs: {
    maxAttempts: number;
    retryDelaysSec: number[];
    /** A running stage is given up (retried or failed) after this long, even while heartbeating. */
    stageTimeoutSec: number;
    /** How long a claim lives without a heartbeat: a dead consumer is noticed after about this long. */
    leaseSec: number;
    /** A queued job whose message should have arrived this long ago is sent again. */
    lostAfterSec: number;
  };
}

export interface ConfigIssue {
  /** The variable or binding at fault, e.g. `DATABASE_URL`. */
  variable: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

function assemble(raw: RawConfig): ConfigResult {
  const issues: ConfigIssue[] = [];
  let storage: StorageConfig | undefined;
  if (raw.STORAGE_MODE === "s3") {
    const accessKeyId = raw.S3_ACCESS_KEY_ID ?? raw.AWS_ACCESS_KEY_ID;
    const secretAccessKey = raw.S3_SECRET_ACCESS_KEY ?? raw.AWS_SECRET_ACCESS_KEY;
    if (!raw.S3_ENDPOINT_URL) issues.push({ variable: "S3_ENDPOINT_URL", message: "is required when STORAGE_MODE=s3" });
    if (!raw.S3_BUCKET) issues.push({ variable: "S3_BUCKET", message: "is required when STORAGE_MODE=s3" });
    if (!accessKeyId)
      issues.push({ variable: "S3_ACCESS_KEY_ID", message: "is required when STORAGE_MODE=s3 (or AWS_ACCESS_KEY_ID)" });
    if (!secretAccessKey)
      issues.push({
        variable: "S3_SECRET_ACCESS_KEY",
        message: "is required when STORAGE_MODE=s3 (or AWS_SECRET_ACCESS_KEY)",
      });
    if (raw.S3_ENDPOINT_URL && raw.S3_BUCKET && accessKeyId && secretAccessKey) {
      storage = {
        mode: "s3",
        endpoint: raw.S3_ENDPOINT_URL.replace(/\/+$/, ""),
        bucket: raw.S3_BUCKET,
        prefix: raw.S3_PREFIX,
        region: raw.S3_REGION ?? raw.AWS_REGION ?? "us-east-1",
        accessKeyId,
        secretAccessKey,
      };
    }
  } else if (!raw.BUCKET) {
    issues.push({ variable: "BUCKET", message: "R2 bucket binding is missing (required when STORAGE_MODE=r2)" });
  } else {
    storage = { mode: "r2", bucket: raw.BUCKET, bucketName: raw.R2_BUCKET_NAME };
  }
  const jwtSettings = [raw.AUTH_JWKS_URL, raw.AUTH_ISSUER, raw.AUTH_AUDIENCE];
  if (jwtSettings.some(Boolean) && !jwtSettings.every(Boolean)) {
    if (!raw.AUTH_JWKS_URL) issues.push({ variable: "AUTH_JWKS_URL", message: "is required with AUTH_ISSUER and AUTH_AUDIENCE" });
    if (!raw.AUTH_ISSUER) issues.push({ variable: "AUTH_ISSUER", message: "is required with AUTH_JWKS_URL (the token issuer, `iss`)" });
    if (!raw.AUTH_AUDIENCE) issues.push({ variable: "AUTH_AUDIENCE", message: "is required with AUTH_JWKS_URL (the API's audience, `aud`)" });
  }
  if (!raw.PLC_INLINE_JOBS && !raw.JOBS)
    issues.push({ variable: "JOBS", message: "queue binding is missing (required unless PLC_INLINE_JOBS is on)" });
  const rateLimits: Config["rateLimits"] = {};
  if (raw.PLC_RATE_LIMIT === "on") {
    for (const name of RATE_LIMIT_BUDGETS) {
      const { binding, policy } = RATE_LIMIT_SETTINGS[name];
      const limiter = raw[binding];
      const budget = raw[policy];
      if (!limiter) continue;
      // The binding cannot be asked for its own limit, and the headers must announce it.
      if (!budget) issues.push({ variable: policy, message: `is required with the ${binding} binding: its limit and period as <limit>/<period> (e.g. 600/60)` });
      else rateLimits[name] = { limiter, ...budget };
    }
  }

  if (issues.length > 0 || !storage) return { ok: false, issues };
  return {
    ok: true,
    config: {
      databaseUrl: raw.DATABASE_URL.trim(),
      neonFetchEndpoint: raw.NEON_FETCH_ENDPOINT,
      databaseTimeoutMs: raw.DATABASE_TIMEOUT_MS,
      openai: {
        apiKey: raw.OPENAI_API_KEY,
        baseUrl: raw.OPENAI_BASE_URL,
        model: raw.OPENAI_MODEL,
        allowedModels: [...new Set([raw.OPENAI_MODEL, ...raw.OPENAI_MODELS])],
        embeddingModel: raw.OPENAI_EMBEDDING_MODEL,
      },
      inlineJobs: raw.PLC_INLINE_JOBS,
      corsOrigins: raw.PLC_CORS_ORIGINS,
      maxUploadBytes: Math.floor(raw.PLC_MAX_UPLOAD_MB * 1024 * 1024),
      storage,
      auth: {
        mode: raw.PLC_AUTH,
        jwt:
          raw.AUTH_JWKS_URL && raw.AUTH_ISSUER && raw.AUTH_AUDIENCE
            ? { jwksUrl: raw.AUTH_JWKS_URL, issuer: raw.AUTH_ISSUER, audience: raw.AUTH_AUDIENCE }
            : undefined,
        adminToken: raw.PLC_ADMIN_TOKEN,
      },
      audioRetentionDays: raw.PLC_AUDIO_RETENTION_DAYS,
      rateLimits,
      queue: raw.JOBS,
      deadLetters: raw.DEAD_LETTERS,
      jobs: {
        maxAttempts: raw.JOB_MAX_ATTEMPTS,
        retryDelaysSec: raw.JOB_RETRY_DELAYS_SEC,
        stageTimeoutSec: raw.JOB_STAGE_TIMEOUT_SEC,
        leaseSec: raw.JOB_LEASE_SEC,
        lostAfterSec: raw.JOB_LOST_AFTER_SEC,
      },
    },
  };
}

const cache = new WeakMap<object, ConfigResult>();

/** Parses the Worker's env once per env object (the runtime reuses it across requests). */
export function loadConfig(env: object): ConfigResult {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = rawEnvSchema.safeParse(env);
  const result: ConfigResult = parsed.success
    ? assemble(parsed.data)
    : {
        ok: false,
        issues: parsed.error.issues.map((issue) => ({
          variable: String(issue.path[0] ?? "env"),
          message: issue.message,
        })),
      };
  cache.set(env, result);
  return result;
}

export function describeIssues(issues: ConfigIssue[]): string {
  return issues.map((i) => `${i.variable} ${i.message.startsWith("is ") ? "" : "is invalid: "}${i.message}`).join("; ");
}
