/**
 * Bringing up what the bench measures: a fresh database behind its own Neon gateway and
 * `wrangler dev` on a scratch copy of the tree (via local-stack.ts), with the jobs left to the
 * local queue and the upload limit at LIMIT_MB. Authentication is required as deployed: the run's
 * admin token, API keys, and JWTs from the bench's own identity provider (identity.ts) are
 * accepted; rate limits are off (local-stack.ts says why). wrangler's output is watched for
 * reloads and for the Worker's job logs. The scratch directory is removed at cleanup.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { neonConfig } from "@neondatabase/serverless";
import { accountVars, lineLogger, onCleanup, startDatabase, startWorker, workerdPids } from "../local-stack.ts";
import { apiJson, connect, jobEvents, reloads, wranglerExited, wranglerLog } from "./client.ts";
import { startIdentityProvider, type IdentityProvider } from "./identity.ts";
import { phase } from "./report.ts";
import { LIMIT_MB } from "./settings.ts";

/** This run's scratch directory: wrangler's snapshot and state, and the empty Worker of the request floor. */
export const tmp = mkdtempSync(path.join(os.tmpdir(), "pegasus-bench-"));
onCleanup(() => rmSync(tmp, { recursive: true, force: true }));

/** The Worker's variables, for a second Worker on the same database (section E); set by `start`. */
export let workerVars: Record<string, string> = {};
/** The identity provider the Worker trusts; set by `start`. */
export let identity: IdentityProvider;

/** Starts the database, gateway and Worker, and waits until the Worker is ready. */
export async function start() {
  const database = await startDatabase(process.env.BENCH_DATABASE_URL, "bench");
  const { gateway, databaseUrl } = database;
  neonConfig.fetchEndpoint = gateway.url;
  console.log(`database: ${database.description}, gateway ${gateway.url}`);

  identity = await startIdentityProvider();
  workerVars = {
    DATABASE_URL: databaseUrl, NEON_FETCH_ENDPOINT: gateway.url, PLC_INLINE_JOBS: "0", PLC_MAX_UPLOAD_MB: String(LIMIT_MB), OPENAI_API_KEY: "",
    // Webhooks go to a receiver on this machine (section F).
    PLC_WEBHOOKS_ALLOW_LOCAL: "1",
    ...accountVars, ...identity.vars,
  };

  const log = lineLogger(process.env.BENCH_WRANGLER_LOG); // keep wrangler's whole output there
  const started = Date.now();
  const worker = await startWorker({
    tmp,
    vars: workerVars,
    onLine: (line) => {
      log(line);
      wranglerLog.push(line);
      if (/Reloading local server/.test(line)) reloads.push(phase);
      if (wranglerLog.length > 80) wranglerLog.shift();
      const json = /\{"(?:level|msg)":.*\}/.exec(line)?.[0];
      if (json) try { jobEvents.push(JSON.parse(json)); } catch {}
    },
  });
  connect({ base: worker.base, gateway, databaseUrl });
  const wrangler = worker.process();
  wrangler.on("exit", () => wranglerExited(worker.exitReason()));
  await apiJson("/health/ready");
  console.log(`wrangler dev: ${worker.base} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (workerd pids ${workerdPids(wrangler.pid!).join(", ")}, state in ${tmp})`);
  return { wranglerPid: wrangler.pid! };
}
