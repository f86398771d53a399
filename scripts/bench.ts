/**
 * `npm run bench`: database round trips, latency and throughput per endpoint, the request floor,
 * the cost of authentication per request, pipeline throughput through the real local queue, and
 * the memory cost of a large streamed upload and a resumable (tus) one. Authentication is required as deployed (every
 * request carries the run's generated admin token) and rate limits are off. Everything runs
 * against `wrangler dev` with its own state directory, its own Neon gateway and its own database
 * (fresh in-memory PGlite, or a scratch database on the server in BENCH_DATABASE_URL), and is
 * removed again at the end. Settings: BENCH_REQUESTS (50), BENCH_SECONDS (3), BENCH_LECTURES (100),
 * BENCH_UPLOAD_MB (90), BENCH_TUS_MB (500), BENCH_DATABASE_URL, BENCH_WRANGLER_LOG (a file for wrangler's whole output),
 * BENCH_ONLY (comma-separated section letters to run, e.g. `E,H`).
 *
 * This file only runs the parts in order and sums up; they live in scripts/bench/: settings.ts,
 * setup.ts (start), seed.ts, endpoints.ts (A), floor.ts (D), auth.ts (E), search.ts (I), pipeline.ts (B), push.ts (F),
 * upload.ts (C), tus.ts (G), long-transcription.ts (H; needs no seeded data), with client.ts (requests to
 * the Worker), identity.ts (the JWKS the Worker trusts), report.ts (output, failed checks) and lecture-text.ts.
 */
import { LECTURES, UPLOAD_MB } from "./bench/settings.ts";
import { searchBench } from "./bench/search.ts";
import { authCost } from "./bench/auth.ts";
import { reloads, wranglerLog } from "./bench/client.ts";
import { endpoints, measured } from "./bench/endpoints.ts";
import { requestFloor } from "./bench/floor.ts";
import { pipeline } from "./bench/pipeline.ts";
import { push } from "./bench/push.ts";
import { problems, section, setPhase } from "./bench/report.ts";
import { seed } from "./bench/seed.ts";
import { start } from "./bench/setup.ts";
import { tusThroughput } from "./bench/tus.ts";
import { ingestMemory } from "./bench/upload.ts";
import { longTranscription } from "./bench/long-transcription.ts";
import { root, runCleanups } from "./local-stack.ts";

process.chdir(root);

let exitCode = 0;
let stopping = false;
const cleanup = runCleanups;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    stopping = true;
    console.error(`\n${signal}: stopping and cleaning up`);
    void cleanup().then(() => process.exit(130));
  });

try {
  const t0 = Date.now();
  const { wranglerPid } = await start();
  // BENCH_ONLY=E,F runs only those sections; the seeding runs when a chosen section reads it.
  const only = process.env.BENCH_ONLY?.toUpperCase().split(",").map((s) => s.trim());
  if (!only || only.some((letter) => "ABCDEFI".includes(letter))) {
    setPhase("seeding");
    await seed();
  }
  const run = async <T,>(letter: string, part: () => Promise<T>): Promise<T | undefined> => (!only || only.includes(letter) ? part() : undefined);
  await run("A", endpoints);
  const floor = await run("D", requestFloor);
  const auth = await run("E", authCost);
  const searched = await run("I", searchBench);
  const pipe = await run("B", pipeline);
  const pushed = await run("F", push);
  const mem = await run("C", () => ingestMemory(wranglerPid));
  const tus = await run("G", () => tusThroughput(wranglerPid));
  const long = await run("H", longTranscription);
  section("Summary");
  const reads = [...measured].filter(([label]) => label.startsWith("GET"));
  const writes = [...measured].filter(([label]) => label.startsWith("POST")).map(([label, m]) => `${label.split(" ")[1]} ${m.rt}`);
  console.log(`reads: ${reads.length} endpoints, round trips ${[...new Set(reads.map(([, m]) => m.rt))].join("/")} (presets 0, the rest 1 expected)`);
  console.log(`writes (round trips per request): ${writes.join(", ")}`);
  if (pipe) console.log(`pipeline: ${3 * LECTURES} jobs in ${pipe.wall.toFixed(1)} s = ${pipe.jobsPerSec.toFixed(2)} jobs/s, ${pipe.rtPerJob.toFixed(2)} round trips per job, ${pipe.failed} failed`);
  if (pushed) console.log(`push: job completed -> webhook ${pushed.webhookP50.toFixed(0)}/${pushed.webhookP95.toFixed(0)} ms, -> SSE ${pushed.sseP50.toFixed(0)}/${pushed.sseP95.toFixed(0)} ms (median/p95); 200 streams: ${pushed.incomplete} missed events, ${pushed.openRt} round trips to open, ${pushed.idleRt} while open`);
  if (floor) console.log(`request floor: GET /health ${floor.pegasus.toFixed(3)} ms median vs ${floor.empty.toFixed(3)} ms for an empty Worker: ours ${floor.ours.toFixed(3)} ms`);
  const authLine = auth?.slice(1).map((a) => `${a.label.replace(/^\(\w\) /, "")} ${a.net >= 0 ? "+" : ""}${a.net.toFixed(3)} ms/${a.rt}`);
  if (auth && authLine) console.log(`authentication, median over PLC_AUTH=off net of the process baseline / round trips (PLC_AUTH=off ${auth[0]!.rt}): ${authLine.join(", ")}`);
  if (searched) console.log(searched.summary);
  if (mem) console.log(`upload: ${UPLOAD_MB} MiB in ${mem.seconds} s; workerd peak memory +${mem.growth1.toFixed(0)} MiB for it, +${mem.growth2.toFixed(0)} MiB for the next ${mem.second} MiB`);
  if (tus) console.log(`tus: ${tus.seconds.toFixed(1)} s = ${tus.mibPerSec.toFixed(1)} MiB/s; workerd peak memory +${tus.growth.toFixed(0)} MiB`);
  if (long) console.log(`long transcription (${long.format}): ${long.chunks} chunks in ${long.wallSec.toFixed(1)} s wall vs ${long.sumSec.toFixed(1)} s of chunk time (${(long.sumSec / long.wallSec).toFixed(2)}x)`);
  console.log(`total time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (reloads.length) problems.push(`wrangler dev reloaded the Worker during: ${reloads.join(", ")} (a file under node_modules changed?): those numbers may be disturbed`);
  if (problems.length) {
    exitCode = 1;
    console.log(`\nFAIL (${problems.length}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  } else console.log("\nOK: every check passed");
} catch (error) {
  exitCode = 1;
  if (!stopping) {
    console.error(`\nbench failed: ${(error as Error).message}`);
    if (wranglerLog.length) console.error(`last wrangler output:\n  ${wranglerLog.slice(-25).join("\n  ")}`);
  }
} finally {
  await cleanup();
}
process.exit(stopping ? 130 : exitCode);
