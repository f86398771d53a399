/**
 * Section D: the request floor. GET /health timed sequentially on Pegasus and on an empty Worker
 * started in the same runtime, in interleaved rounds; the difference of the medians is what
 * Pegasus itself adds to a trivial request (middleware, routing, request ids), checked against
 * FLOOR_BUDGET_MS.
 */
import path from "node:path";
import { startWorker } from "../local-stack.ts";
import { base } from "./client.ts";
import { problems, quantile, section, table } from "./report.ts";
import { REQUESTS } from "./settings.ts";
import { tmp } from "./setup.ts";

/** The budget for what Pegasus adds to a trivial request (middleware, routing, request ids). */
const FLOOR_BUDGET_MS = 0.3;
const EMPTY_WORKER = `export default { fetch() { return new Response('{"status":"ok"}', { headers: { "content-type": "application/json" } }); } };`;

export async function requestFloor() {
  const rounds = 10;
  const perRound = Math.max(50, REQUESTS * 4);
  section(`D. Request floor: GET /health on Pegasus and on an empty Worker in the same runtime, ${rounds} x ${perRound} sequential each, interleaved`);
  const empty = await startWorker({ tmp: path.join(tmp, "floor"), vars: {}, script: EMPTY_WORKER });
  const samples: Record<"pegasus" | "empty", number[]> = { pegasus: [], empty: [] };
  const run = async (url: string, into: number[], n: number) => {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      into.push(performance.now() - t);
    }
  };
  await run(`${base}/health`, [], 100); // warm both up
  await run(`${empty.base}/health`, [], 100);
  for (let r = 0; r < rounds; r++) {
    await run(`${base}/health`, samples.pegasus, perRound);
    await run(`${empty.base}/health`, samples.empty, perRound);
  }
  const median = (s: number[]) => quantile(s, 0.5);
  const ours = median(samples.pegasus) - median(samples.empty);
  table(
    ["GET /health on", "median ms", "p95 ms"],
    [
      ["Pegasus", median(samples.pegasus).toFixed(3), quantile(samples.pegasus, 0.95).toFixed(3)],
      ["an empty Worker", median(samples.empty).toFixed(3), quantile(samples.empty, 0.95).toFixed(3)],
    ],
  );
  console.log(`\nours (difference of the medians): ${ours.toFixed(3)} ms (budget ${FLOOR_BUDGET_MS} ms)`);
  if (ours > FLOOR_BUDGET_MS) problems.push(`Pegasus adds ${ours.toFixed(3)} ms to a trivial request (budget ${FLOOR_BUDGET_MS} ms)`);
  return { ours, pegasus: median(samples.pegasus), empty: median(samples.empty) };
}
