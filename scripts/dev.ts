/**
 * `npm run dev`: the whole stack on one machine, offline.
 *   1. the Neon gateway over embedded PGlite (data kept in .data/pglite), or over the PostgreSQL
 *      server in DATABASE_URL when that is set;
 *   2. migrations from drizzle/ applied through the Neon HTTP driver, and a local admin API key
 *      for owner "local" made once and kept in .data/dev-token (scripts/dev-token.ts);
 *   3. `wrangler dev` on http://localhost:$PORT (default 8787) with local R2 and Queues;
 *   4. the cron trigger, which `wrangler dev` does not fire: the recovery sweep is requested once a
 *      minute through wrangler's /__scheduled route, so stuck jobs recover as in production.
 * Settings exported in the shell override .dev.vars. Ctrl-C stops everything started here.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureDevToken } from "./dev-token.ts";
import { applyMigrations } from "./migrate.ts";
import { backendFromEnv, startGateway } from "./neon-gateway.ts";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);

/** Shell settings that reach the Worker, overriding .dev.vars. */
const PASSTHROUGH = [
  /^DATABASE_URL$/,
  /^PLC_/,
  /^OPENAI_(API_KEY|BASE_URL|MODEL)$/,
  /^STORAGE_MODE$/,
  /^R2_BUCKET_NAME$/,
  /^S3_/,
  /^AWS_(REGION|ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/,
  /^JOB_/,
  /^WEBHOOK/,
  /^SSE_/,
];

const PLACEHOLDER_DATABASE_URL = "postgresql://pegasus:pegasus@localhost:5432/pegasus";

function dotenvLine(key: string, value: string): string {
  return `${key}=${JSON.stringify(value)}`;
}

const port = process.env.PORT ?? "8787";
const backend = backendFromEnv(process.env, path.join(root, ".data", "pglite"));
if (backend.kind === "pglite") mkdirSync(path.dirname(backend.dataDir!), { recursive: true });

console.log(`[dev] starting the database gateway (${backend.kind === "pglite" ? "embedded PGlite, .data/pglite" : "PostgreSQL from DATABASE_URL"})`);
const gateway = await startGateway({ backend, port: Number(process.env.NEON_GATEWAY_PORT ?? 0) });
const databaseUrl = process.env.DATABASE_URL ?? PLACEHOLDER_DATABASE_URL;

try {
  await applyMigrations(databaseUrl, gateway.url);
  console.log("[dev] migrations applied");
} catch (error) {
  console.error(`[dev] migrations failed: ${(error as Error).message}`);
  await gateway.close();
  process.exit(1);
}

const tokenFile = path.join(".data", "dev-token");
try {
  const { key, created } = await ensureDevToken(databaseUrl, gateway.url, tokenFile);
  console.log(`[dev] ${created ? "created a" : "reusing the"} local API key (admin scope, owner "local"), kept in ${tokenFile}:`);
  console.log(`[dev]   ${key}`);
  console.log(`[dev]   curl -H "Authorization: Bearer $(cat ${tokenFile})" http://localhost:${port}/courses`);
} catch (error) {
  console.error(`[dev] could not make the local API key: ${(error as Error).message}`);
  await gateway.close();
  process.exit(1);
}

// Overrides go into a private env file loaded after .dev.vars, so they win.
// wrangler cannot run Workers AI without a Cloudflare login (it runs with --local below, where the
// AI binding refuses every call): Pegasus ignores the binding unless the shell turns it back on.
// Local mode for webhooks: a receiver on this machine (http, loopback) may be registered, and secrets
// are sealed with the public development key unless WEBHOOK_SECRET_KEY is set. Never deployed.
const overrides: Record<string, string> = {
  NEON_FETCH_ENDPOINT: gateway.url,
  DATABASE_URL: databaseUrl,
  PLC_WORKERS_AI: "off",
  PLC_WEBHOOKS_ALLOW_LOCAL: "1",
};
for (const [key, value] of Object.entries(process.env)) {
  if (value !== undefined && PASSTHROUGH.some((p) => p.test(key))) overrides[key] = value;
}
mkdirSync(".wrangler", { recursive: true });
const overridesFile = path.join(".wrangler", "dev-overrides.env");
writeFileSync(overridesFile, Object.entries(overrides).map(([k, v]) => dotenvLine(k, v)).join("\n") + "\n", { mode: 0o600 });
const envFiles = [...(existsSync(".dev.vars") ? [".dev.vars"] : []), overridesFile].flatMap((f) => ["--env-file", f]);

const wrangler = spawn(
  process.execPath,
  [path.join("node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--local", "--ip", "127.0.0.1", "--port", port, "--test-scheduled", ...envFiles],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      // Quiet and offline: no telemetry, no Cloudflare lookups, wrangler's state inside the project.
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      DO_NOT_TRACK: "1",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      XDG_CONFIG_HOME: path.join(root, ".wrangler", "config"),
    },
  },
);

// wrangler.toml's cron is every minute. Quiet: a sweep missed while wrangler starts or reloads
// is simply made up by the next one.
const SWEEP_URL = `http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`;
const sweep = setInterval(() => {
  fetch(SWEEP_URL, { signal: AbortSignal.timeout(30_000) })
    .then((res) => res.body?.cancel())
    .catch(() => {});
}, 60_000);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  clearInterval(sweep);
  if (wrangler.exitCode === null) wrangler.kill("SIGTERM");
  await new Promise((resolve) => (wrangler.exitCode === null ? wrangler.once("exit", resolve) : resolve(null)));
  await gateway.close();
  rmSync(overridesFile, { force: true });
  process.exit(code);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
wrangler.on("exit", (code) => void stop(code ?? 0));
