import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// Tests run inside workerd with the real local queue and R2 from miniflare. The Neon gateway
// (embedded PGlite, or PostgreSQL when TEST_DATABASE_URL is set), the local OpenAI-protocol server
// and the local S3 server are started once by test/global-setup.ts, which provides their ports.
//
// Three projects share them and differ only in settings the queue consumer must see globally:
//   workerd         no OpenAI key (offline generator), R2 storage: the default product
//   workerd-openai  *.openai.test.ts: an OpenAI key, pointed at the local OpenAI server
//   workerd-s3      *.s3.test.ts: STORAGE_MODE=s3 against the local S3 server
//   workerd-faults  *.faults.test.ts: the database reached through a proxy that can hang or drop
//                   it (scripts/fault-proxy.ts), with short leases and deadlines
//   workerd-workersai *.workersai.test.ts: the AI binding (workerd's real client) pointed at the
//                   local Workers AI stand-in (test/support/fake-workers-ai.ts), no OpenAI key
//
// The [ai] binding of wrangler.toml cannot run offline: remote bindings are off, and the other
// projects set PLC_WORKERS_AI=off so Pegasus ignores the binding as `npm run dev` does.
//
// and one in Node:
//   node            *.node.test.ts: clients against a real `wrangler dev` (scripts/local-stack.ts)

const MODE_SUFFIXES = ["openai", "s3", "faults", "workersai"] as const;

type Port = (key: "openaiPort" | "s3Port" | "faultProxyPort" | "workersAiPort") => number;

function project(
  name: string,
  include: string[],
  exclude: string[],
  bindings: (port: Port) => Record<string, string>,
  miniflare: (port: Port) => Record<string, unknown> = () => ({}),
): TestProjectInlineConfiguration {
  return {
    extends: true,
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        remoteBindings: false,
        miniflare: {
          bindings: {
            DATABASE_URL: "postgresql://pegasus:pegasus@localhost:5432/pegasus",
            NEON_FETCH_ENDPOINT: `http://127.0.0.1:${inject("gatewayPort")}/sql`,
            OPENAI_BASE_URL: `http://127.0.0.1:${inject("openaiPort")}/v1`,
            OPENAI_API_KEY: "",
            PLC_INLINE_JOBS: "0",
            PLC_CORS_ORIGINS: "",
            STORAGE_MODE: "r2",
            JOB_RETRY_DELAYS_SEC: "1,1,1",
            // The smallest part S3 accepts, so a few-MB tus upload spans several parts.
            PLC_UPLOAD_PART_MB: "5",
            // Tests act with this bootstrap admin credential unless they say otherwise (test/support/http.ts).
            PLC_ADMIN_TOKEN: "test-admin-token-not-a-secret-0123456789",
            PLC_AUTH: "required",
            // JWTs are checked against the local JWKS server (test/support/jwks-server.ts); tests
            // publish their keys to it, under their own set names where the key cache matters.
            AUTH_JWKS_URL: `http://127.0.0.1:${inject("jwksPort")}/jwks/default`,
            AUTH_ISSUER: "https://issuer.pegasus.test/",
            AUTH_AUDIENCE: "https://api.pegasus.test",
            TEST_JWKS_BASE: `http://127.0.0.1:${inject("jwksPort")}`,
            // Every test acts as one owner from one address: shared budgets would throttle the
            // suite. test/lib/rate-limit.test.ts turns limiting on for its own requests.
            PLC_RATE_LIMIT: "off",
            TEST_S3_PORT: String(inject("s3Port")),
            TEST_FAULT_PROXY: `http://127.0.0.1:${inject("faultProxyPort")}`,
            TEST_WORKERS_AI: `http://127.0.0.1:${inject("workersAiPort")}`,
            PLC_WORKERS_AI: "off",
            // Webhooks: a local receiver (http, loopback) and a local DNS-over-HTTPS stand-in
            // (test/support/webhook-receiver.ts); fast retries.
            PLC_WEBHOOKS_ALLOW_LOCAL: "1",
            WEBHOOK_SECRET_KEY: "dGVzdC1rZXktbm90LWEtc2VjcmV0LTAxMjM0NTY3ODk=",
            WEBHOOKS_DOH_URL: `http://127.0.0.1:${inject("webhookPort")}/dns-query`,
            WEBHOOK_RETRY_DELAYS_SEC: "1,1,1",
            TEST_WEBHOOK_RECEIVER: `http://127.0.0.1:${inject("webhookPort")}`,
            ...bindings((key) => inject(key)),
          },
          // A small budget with a short window, so tests can use one up and see it come back;
          // the rate-limit tests swap it in for a production binding (test/lib/rate-limit.test.ts).
          ratelimits: { TEST_LIMITER: { namespace_id: "73199", simple: { limit: 3, period: 10 } } },
          queueConsumers: {
            "pegasus-jobs": { maxBatchTimeout: 0.05, maxRetries: 10, deadLetterQueue: "pegasus-jobs-dlq" },
            "pegasus-jobs-dlq": { maxBatchTimeout: 0.05 },
            "pegasus-webhooks": { maxBatchTimeout: 0.05, maxRetries: 10 },
          },
          ...miniflare((key) => inject(key)),
        },
      })),
    ],
    test: { name, include, exclude },
  };
}

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    // Console output (job logs) is shown only for failing tests.
    silent: "passed-only",
    hookTimeout: 60_000,
    // Pre-bundle the heavy dependencies once; otherwise the first import of the Worker takes
    // longer than a test on a 2-core machine.
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: [
            "openai",
            "openai/helpers/zod",
            "zod",
            "drizzle-orm",
            "drizzle-orm/neon-http",
            "drizzle-orm/pg-core",
            "@neondatabase/serverless",
            "hono",
            "@hono/zod-openapi",
            "aws4fetch",
          ],
        },
      },
    },
    projects: [
      project("workerd", ["test/**/*.test.ts"], [...MODE_SUFFIXES, "node"].map((m) => `test/**/*.${m}.test.ts`), () => ({})),
      // A tiny chunk size, so the few-hundred-KB audio fixtures are cut into many chunks.
      project("workerd-openai", ["test/**/*.openai.test.ts"], [], () => ({ OPENAI_API_KEY: "sk-test", TRANSCRIBE_CHUNK_MB: "0.08" })),
      project("workerd-s3", ["test/**/*.s3.test.ts"], [], (port) => ({
        STORAGE_MODE: "s3",
        S3_ENDPOINT_URL: `http://127.0.0.1:${port("s3Port")}`,
        S3_BUCKET: "pegasus-test",
        S3_PREFIX: "pegasus",
        S3_REGION: "us-east-1",
        S3_ACCESS_KEY_ID: "S3RVER",
        S3_SECRET_ACCESS_KEY: "S3RVER",
      })),
      project("workerd-faults", ["test/**/*.faults.test.ts"], [], (port) => ({
        NEON_FETCH_ENDPOINT: `http://127.0.0.1:${port("faultProxyPort")}/sql`,
        DATABASE_TIMEOUT_MS: "1000",
        JOB_LEASE_SEC: "2",
        JOB_LOST_AFTER_SEC: "2",
      })),
      project(
        "workerd-workersai",
        ["test/**/*.workersai.test.ts"],
        [],
        () => ({ PLC_WORKERS_AI: "on" }),
        // miniflare sends a remote binding's calls to this URL, in the protocol the stand-in speaks.
        (port) => ({ ai: { binding: "AI", remoteProxyConnectionString: new URL(`http://127.0.0.1:${port("workersAiPort")}/`) } }),
      ),
      {
        extends: true,
        test: { name: "node", include: ["test/**/*.node.test.ts"], environment: "node", testTimeout: 180_000 },
      },
    ],
  },
});
