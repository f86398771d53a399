declare module "vitest" {
  interface ProvidedContext {
    gatewayPort: number;
    openaiPort: number;
    workersAiPort: number;
    s3Port: number;
    faultProxyPort: number;
    jwksPort: number;
    webhookPort: number;
  }
}

// Bindings the test configuration adds (vitest.config.ts) beyond those in wrangler.toml.
declare global {
  namespace Cloudflare {
    interface Env {
      DATABASE_URL: string;
      NEON_FETCH_ENDPOINT: string;
      OPENAI_BASE_URL: string;
      OPENAI_API_KEY: string;
      TEST_S3_PORT: string;
      TEST_FAULT_PROXY: string;
      AUTH_JWKS_URL: string;
      AUTH_ISSUER: string;
      AUTH_AUDIENCE: string;
      PLC_ADMIN_TOKEN: string;
      TEST_JWKS_BASE: string;
      TEST_LIMITER: RateLimit;
      TEST_WORKERS_AI: string;
      TEST_WEBHOOK_RECEIVER: string;
    }
  }
}

export {};
