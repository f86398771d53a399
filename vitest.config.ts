import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the real local queue and R2 from miniflare. The Neon gateway
// (embedded PGlite, or PostgreSQL when TEST_DATABASE_URL is set) and the local OpenAI-protocol
// server are started by test/global-setup.ts, which provides their ports.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
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
          TEST_S3_PORT: String(inject("s3Port")),
        },
        queueConsumers: {
          "pegasus-jobs": { maxBatchTimeout: 0.05, maxRetries: 10, deadLetterQueue: "pegasus-jobs-dlq" },
          "pegasus-jobs-dlq": { maxBatchTimeout: 0.05 },
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
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
            "@scalar/hono-api-reference",
            "aws4fetch",
          ],
        },
      },
    },
  },
});
