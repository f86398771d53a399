/**
 * One zod schema for every binding and variable the Worker reads. `loadConfig` never throws and
 * never echoes a value back: a problem names the variable and what is expected.
 */
import { z } from "zod";
import type { JobMessage } from "./jobs/messages.ts";
import type { WebhookMessage } from "./push/messages.ts";

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
const isAi = (v: object) => "run" in v;

/** Workers AI's models by default: Whisper large-v3 turbo, and an instruct model with JSON-schema output. */
export const DEFAULT_WORKERS_AI_TRANSCRIPTION_MODEL = "@cf/openai/whisper-large-v3-turbo";
export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

const providerName = <const T extends readonly string[]>(names: T) =>
  optionalText
    .transform((v) => v?.toLowerCase())
    .refine((v) => v === undefined || names.includes(v), { message: `expected ${names.join(", ").replace(/, ([^,]+)$/, " or $1")}` })
    .transform((v) => v as T[number] | undefined);

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

/** Standard Webhooks retry schedule: about 40 hours in all, each step within a queue's 12 h delay limit. */
const WEBHOOK_RETRY_DELAYS_SEC = [30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200];

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
  TRANSCRIPTION_PROVIDER: providerName(["openai", "workers-ai"] as const),
  GENERATION_PROVIDER: providerName(["openai", "workers-ai", "offline"] as const),
  WORKERS_AI_MODEL: optionalText.transform((v) => v ?? DEFAULT_WORKERS_AI_MODEL),
  WORKERS_AI_TRANSCRIPTION_MODEL: optionalText.transform((v) => v ?? DEFAULT_WORKERS_AI_TRANSCRIPTION_MODEL),
  AI_GATEWAY_ID: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(v), { message: "expected an AI Gateway id (letters, digits, - and _)" }),
  AI_GATEWAY_ACCOUNT_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f]{32}$/.test(v), { message: "expected a Cloudflare account id (32 hex digits)" }),
  PLC_WORKERS_AI: optionalText
    .transform((v) => (v ?? "on").toLowerCase())
    .refine((v) => v === "on" || v === "off", { message: "expected on or off" }),
  OPENAI_EMBEDDING_MODEL: optionalText.transform((v) => v ?? "text-embedding-3-small"),
  PLC_INLINE_JOBS: z.unknown().optional().transform(isTruthy),
  PLC_CORS_ORIGINS: z.unknown().optional().transform(parseCorsOrigins),
  PLC_MAX_UPLOAD_MB: positiveNumber(100, " of megabytes"),
  PLC_MAX_RECORDING_MB: positiveNumber(2048, " of megabytes"),
  PLC_UPLOAD_EXPIRY_HOURS: positiveNumber(24, " of hours"),
  // S3 wants parts of at least 5 MiB, and one part must fit in a PATCH under the 100 MB body limit.
  PLC_UPLOAD_PART_MB: optionalText
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 5 && Number(v) <= 64), {
      message: "expected a whole number of MiB from 5 to 64",
    })
    .transform((v) => (v === undefined ? 8 : Number(v))),
  TRANSCRIBE_CHUNK_MB: positiveNumber(24, " of megabytes, at most 25 (the provider's per-request limit)").refine((v) => v <= 25, {
    message: "expected at most 25 (megabytes): the provider refuses larger requests",
  }),
  TRANSCRIBE_CONCURRENCY: positiveInt(4, 64),
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
  AI: binding<Ai>(isAi).optional(),
  WEBHOOK_SECRET_KEY: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9+/]{43}=$/.test(v), {
    message: "expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
  }),
  PLC_WEBHOOKS_ALLOW_LOCAL: z.unknown().optional().transform(isTruthy),
  WEBHOOKS_DOH_URL: httpUrl(" (a DNS-over-HTTPS JSON endpoint, e.g. https://cloudflare-dns.com/dns-query)").transform(
    (v) => v ?? "https://cloudflare-dns.com/dns-query",
  ),
  WEBHOOK_RETRY_DELAYS_SEC: optionalText
    .refine((v) => v === undefined || /^\s*\d+(\s*,\s*\d+)*\s*$/.test(v), { message: "expected comma-separated whole seconds, e.g. 30,120,600" })
    .transform((v) => (v === undefined ? WEBHOOK_RETRY_DELAYS_SEC : v.split(",").map((s) => Number(s.trim())))),
  SSE_MAX_SEC: positiveInt(600, 3_600),
  BUCKET: binding<R2Bucket>(isR2Bucket).optional(),
  JOBS: binding<Queue<JobMessage>>(isQueue).optional(),
  DEAD_LETTERS: binding<Queue<JobMessage>>(isQueue).optional(),
  WEBHOOKS: binding<Queue<WebhookMessage>>(isQueue).optional(),
  PROGRESS_HUB: binding<DurableObjectNamespace>((v) => "idFromName" in v && "get" in v).optional(),
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

/**
 * The key that seals webhook secrets when WEBHOOK_SECRET_KEY is unset in local mode
 * (PLC_WEBHOOKS_ALLOW_LOCAL, which `npm run dev` and the tests set and no deployment may): public,
 * so secrets sealed with it are not protected at rest. A deployment without the variable refuses
 * to create webhooks rather than fall back to it.
 */
export const LOCAL_WEBHOOK_SECRET_KEY = "cGVnYXN1cy1sb2NhbC1vbmx5LXdlYmhvb2sta2V5ISE=";

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

export type TranscriptionProviderName = "openai" | "workers-ai";
export type GenerationProviderName = "openai" | "workers-ai" | "offline";

/** Which providers run the AI stages, and how to reach them. */
export interface AiConfig {
  /** Null: no provider, so only transcript uploads can be transcribed. */
  transcription: { provider: TranscriptionProviderName; model: string } | null;
  generation: {
    provider: GenerationProviderName;
    /** The default model; `allowedModels` are those a request may pick (each costs differently). */
    model: string;
    allowedModels: string[];
  };
  /** The Workers AI binding, when bound and not switched off (PLC_WORKERS_AI=off). */
  workersAi?: Ai;
  /** Cloudflare AI Gateway both providers go through, when AI_GATEWAY_ID is set. */
  gateway?: { id: string; accountId?: string };
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
  ai: AiConfig;
  inlineJobs: boolean;
  corsOrigins: string[];
  transcription: {
    /** Audio larger than this is cut into chunks of at most this many bytes, one request each. */
    chunkBytes: number;
    /** Chunks of one lecture transcribed at the same time. */
    concurrency: number;
  };
  maxUploadBytes: number;
  /** Resumable uploads (tus, src/pipeline/tus.ts). */
  tus: {
    /** Largest Upload-Length accepted (PLC_MAX_RECORDING_MB). */
    maxBytes: number;
    /** An incomplete upload is dropped this long after creation. */
    expirySec: number;
    /** Multipart part size; fixed per upload when it is created. */
    partBytes: number;
  };
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
  webhooks: {
    /** Producer for webhook deliveries (consumed by this Worker too). */
    queue?: Queue<WebhookMessage>;
    /** Encrypts signing secrets at rest (base64, 32 bytes); unset outside local mode: no webhooks. */
    secretKey?: string;
    /** PLC_WEBHOOKS_ALLOW_LOCAL: http and loopback targets are allowed too (local development only). */
    allowLocal: boolean;
    /** DNS-over-HTTPS JSON endpoint used to resolve webhook hosts (Workers have no DNS API). */
    dohUrl: string;
    /** The delay before each retry; its length is the number of retries. */
    retryDelaysSec: number[];
  };
  /** Fan-out of live progress: one Durable Object per course (src/push/progress-hub.ts). */
  progressHub?: DurableObjectNamespace;
  /** A progress stream closes itself after this long; the client reconnects with Last-Event-ID. */
  sseMaxSec: number;
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

  const ai = assembleAi(raw, issues);

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
      ai,
      inlineJobs: raw.PLC_INLINE_JOBS,
      corsOrigins: raw.PLC_CORS_ORIGINS,
      transcription: { chunkBytes: Math.floor(raw.TRANSCRIBE_CHUNK_MB * 1024 * 1024), concurrency: raw.TRANSCRIBE_CONCURRENCY },
      maxUploadBytes: Math.floor(raw.PLC_MAX_UPLOAD_MB * 1024 * 1024),
      tus: {
        maxBytes: Math.floor(raw.PLC_MAX_RECORDING_MB * 1024 * 1024),
        expirySec: Math.round(raw.PLC_UPLOAD_EXPIRY_HOURS * 3600),
        partBytes: raw.PLC_UPLOAD_PART_MB * 1024 * 1024,
      },
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
      webhooks: {
        queue: raw.WEBHOOKS,
        secretKey: raw.WEBHOOK_SECRET_KEY ?? (raw.PLC_WEBHOOKS_ALLOW_LOCAL ? LOCAL_WEBHOOK_SECRET_KEY : undefined),
        allowLocal: raw.PLC_WEBHOOKS_ALLOW_LOCAL,
        dohUrl: raw.WEBHOOKS_DOH_URL,
        retryDelaysSec: raw.WEBHOOK_RETRY_DELAYS_SEC,
      },
      progressHub: raw.PROGRESS_HUB,
      sseMaxSec: raw.SSE_MAX_SEC,
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

/**
 * Providers default to what is configured: an OpenAI key means OpenAI, else an AI binding means
 * Workers AI, else transcript uploads and the offline generator. An explicit choice must be usable.
 */
function assembleAi(raw: RawConfig, issues: ConfigIssue[]): AiConfig {
  const workersAi = raw.PLC_WORKERS_AI === "on" ? raw.AI : undefined;
  const openaiKey = raw.OPENAI_API_KEY;
  const need = (variable: string, provider: string) => {
    if (provider === "openai" && !openaiKey) issues.push({ variable, message: "is openai, which needs OPENAI_API_KEY" });
    if (provider === "workers-ai" && !workersAi)
      issues.push({ variable, message: `is workers-ai, which needs the AI binding (wrangler.toml [ai])${raw.AI ? " and PLC_WORKERS_AI on" : ""}` });
  };
  if (raw.TRANSCRIPTION_PROVIDER) need("TRANSCRIPTION_PROVIDER", raw.TRANSCRIPTION_PROVIDER);
  if (raw.GENERATION_PROVIDER) need("GENERATION_PROVIDER", raw.GENERATION_PROVIDER);
  const available = openaiKey ? "openai" : workersAi ? "workers-ai" : null;

  const transcriptionProvider = raw.TRANSCRIPTION_PROVIDER ?? available;
  const transcription = transcriptionProvider
    ? { provider: transcriptionProvider, model: transcriptionProvider === "openai" ? "whisper-1" : raw.WORKERS_AI_TRANSCRIPTION_MODEL }
    : null;
  const generationProvider = raw.GENERATION_PROVIDER ?? available ?? "offline";
  const generation =
    generationProvider === "workers-ai"
      ? { provider: generationProvider, model: raw.WORKERS_AI_MODEL, allowedModels: [raw.WORKERS_AI_MODEL] }
      : // The offline generator ignores the model; requests keep being checked against the OpenAI allowlist as before.
        { provider: generationProvider, model: raw.OPENAI_MODEL, allowedModels: [...new Set([raw.OPENAI_MODEL, ...raw.OPENAI_MODELS])] };

  let gateway: AiConfig["gateway"];
  if (raw.AI_GATEWAY_ID) {
    gateway = { id: raw.AI_GATEWAY_ID, ...(raw.AI_GATEWAY_ACCOUNT_ID ? { accountId: raw.AI_GATEWAY_ACCOUNT_ID } : {}) };
    // OpenAI goes through the gateway's URL, which names the account; the AI binding can tell it.
    const openaiUsed = transcription?.provider === "openai" || generation.provider === "openai";
    if (openaiUsed && !raw.AI_GATEWAY_ACCOUNT_ID && !workersAi && !raw.OPENAI_BASE_URL)
      issues.push({ variable: "AI_GATEWAY_ACCOUNT_ID", message: "is required with AI_GATEWAY_ID for OpenAI when there is no AI binding to ask for the gateway's URL" });
  }
  return { transcription, generation, ...(workersAi ? { workersAi } : {}), ...(gateway ? { gateway } : {}) };
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
