/**
 * Section A: every read endpoint timed with sequential requests (database round trips per
 * request, median and p95 latency), then hammered concurrently for a few seconds (req/s); the
 * enqueue writes timed in windows short enough that the queue consumer never runs inside them;
 * and the ratio of a course's progress to a single lecture's. The figures stay in `measured`
 * for the pipeline and the summary.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { root } from "../local-stack.ts";
import { api, apiJson, gateway, ingest, post, quiet, waitForJobs } from "./client.ts";
import { ms, problems, quantile, section, table } from "./report.ts";
import { COURSE, FEATURED } from "./seed.ts";
import { CONCURRENCY, REQUESTS, SECONDS } from "./settings.ts";

/** The jobs consumer's batching, read from wrangler.toml so the write windows follow any tuning. */
function consumerBatching(): { size: number; timeoutMs: number } {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const blocks = toml.split("[[queues.consumers]]").slice(1); // what precedes the first one is not a consumer
  const block = blocks.find((b) => /^queue\s*=\s*"pegasus-jobs"\s*$/m.test(b)) ?? "";
  const size = Number(/max_batch_size\s*=\s*(\d+)/.exec(block)?.[1] ?? 10);
  const timeout = Number(/max_batch_timeout\s*=\s*(\d+(?:\.\d+)?)/.exec(block)?.[1] ?? 5);
  return { size, timeoutMs: timeout * 1000 };
}
const BATCHING = consumerBatching();
// Write windows: fewer requests than a batch, so no batch starts early, and the window must end
// before the batch timeout, so nothing the consumer does is counted.
const WRITES = Math.max(1, Math.min(8, BATCHING.size - 1));
const BATCH_TIMEOUT_MS = BATCHING.timeoutMs;

export interface Measured { rt: number; median: number; p95: number; rps?: number }
export const measured = new Map<string, Measured>();

async function timed(pathname: string, headers: Record<string, string>, expect: number) {
  const t0 = performance.now();
  const res = await api(pathname, { headers });
  await res.arrayBuffer();
  if (res.status !== expect) throw new Error(`GET ${pathname}: HTTP ${res.status}, expected ${expect}`);
  return performance.now() - t0;
}

async function measureRead(label: string, pathname: string, expectRt: number, headers: Record<string, string> = {}, expect = 200) {
  for (let i = 0; i < 3; i++) await timed(pathname, headers, expect);
  const before = gateway.requestCount();
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) samples.push(await timed(pathname, headers, expect));
  const rt = (gateway.requestCount() - before) / REQUESTS;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) { await timed(pathname, headers, expect); done++; }
  }));
  const result = { rt, median: quantile(samples, 0.5), p95: quantile(samples, 0.95), rps: done / ((performance.now() - t0) / 1000) };
  measured.set(label, result);
  if (rt !== expectRt) problems.push(`${label} costs ${rt} database round trips per request (expected ${expectRt})`);
}

async function measureWrite(label: string, expectRt: number, send: (i: number) => Promise<unknown>, afterwards?: string) {
  await quiet();
  const before = gateway.requestCount();
  const samples: number[] = [];
  const t0 = performance.now();
  for (let i = 1; i <= WRITES; i++) {
    const t = performance.now();
    await send(i);
    samples.push(performance.now() - t);
  }
  const window = performance.now() - t0;
  const rt = (gateway.requestCount() - before) / WRITES;
  // The consumer wakes BATCH_TIMEOUT_MS after the first message at the earliest: nothing of it is counted.
  if (window >= BATCH_TIMEOUT_MS * 0.9) problems.push(`${label}: the ${WRITES} requests took ${window.toFixed(0)} ms, so consumer work may be counted`);
  measured.set(label, { rt, median: quantile(samples, 0.5), p95: quantile(samples, 0.95) });
  if (rt > expectRt) problems.push(`${label} costs ${rt} database round trips per request (expected ${expectRt})`);
  if (afterwards) await waitForJobs(afterwards, WRITES, 120_000);
}

/** Section A; a failed check is added to `problems`, a broken request throws. */
export async function endpoints() {
  section(`A. Endpoints: ${REQUESTS} sequential requests each (round trips, latency), then ${CONCURRENCY} concurrent for ${SECONDS} s (req/s)`);
  const job = (await apiJson(`/lectures/${FEATURED}/jobs`)).jobs[0].id as string;
  const etag = (await api(`/lectures/${FEATURED}/progress`)).headers.get("etag");
  if (!etag) problems.push("GET /lectures/{id}/progress sent no ETag");
  await quiet();
  const reads: [string, string, number, Record<string, string>?, number?][] = [
    ["GET /courses", "/courses", 1],
    ["GET /courses/{id}", `/courses/${COURSE}`, 1],
    ["GET /courses/{id}/lectures", `/courses/${COURSE}/lectures`, 1],
    ["GET /courses/{id}/threads", `/courses/${COURSE}/threads`, 1],
    ["GET /courses/{id}/progress (1,000 lectures)", `/courses/${COURSE}/progress`, 1],
    ["GET /courses/{id}/progress?include_lectures=false", `/courses/${COURSE}/progress?include_lectures=false`, 1],
    ["GET /lectures", "/lectures", 1],
    ["GET /lectures/{id}", `/lectures/${FEATURED}`, 1],
    ["GET /lectures/{id}/jobs", `/lectures/${FEATURED}/jobs`, 1],
    ["GET /lectures/{id}/progress", `/lectures/${FEATURED}/progress`, 1],
    ["GET /lectures/{id}/progress (If-None-Match: 304)", `/lectures/${FEATURED}/progress`, 1, { "if-none-match": etag ?? "" }, 304],
    ["GET /lectures/{id}/summary", `/lectures/${FEATURED}/summary`, 1],
    ["GET /lectures/{id}/artifacts", `/lectures/${FEATURED}/artifacts`, 1],
    ["GET /jobs/{id}", `/jobs/${job}`, 1],
    ["GET /jobs?status=failed", "/jobs?status=failed", 1],
    ["GET /exports/{id}/markdown", `/exports/${FEATURED}/markdown`, 1],
    ["GET /health/ready", "/health/ready", 1],
    ["GET /presets", "/presets", 0],
  ];
  for (const [label, pathname, rt, headers, expect] of reads) {
    await measureRead(label, pathname, rt, headers, expect);
    process.stdout.write(".");
  }
  console.log();

  // Writes, in windows of WRITES requests that end before the queue consumer can wake up.
  const w = (i: number) => `w-${String(i).padStart(2, "0")}`;
  await measureWrite("POST /lectures/ingest (~1,000-word transcript)", 1, (i) => ingest("bench-writes", w(i), i));
  await measureWrite("POST /lectures/{id}/transcribe", 2, (i) => post(`/lectures/${w(i)}/transcribe`), "course_id=bench-writes&job_type=transcription");
  await measureWrite("POST /lectures/{id}/generate", 2, (i) => post(`/lectures/${w(i)}/generate`, {}), "course_id=bench-writes&job_type=generation");
  await measureWrite("POST /lectures/{id}/export", 2, (i) => post(`/lectures/${w(i)}/export`), "course_id=bench-writes&job_type=export");

  const fmtRt = (rt: number) => (Number.isInteger(rt) ? String(rt) : rt.toFixed(2));
  table(["endpoint", "round trips", "median ms", "p95 ms", "req/s"],
    [...measured].map(([label, m]) => [label, fmtRt(m.rt), ms(m.median), ms(m.p95), m.rps === undefined ? "-" : m.rps.toFixed(0)]));
  console.log(`\nWrites: ${WRITES} requests per stage on fresh lectures, counted only while the requests ran (the queue consumer starts`);
  console.log(`${BATCH_TIMEOUT_MS / 1000} s after the first message at the earliest); req/s is not measured for writes.`);

  // A course's progress over 1,000 lectures should cost at most a few single-lecture reads.
  const single = measured.get("GET /lectures/{id}/progress")!.median;
  for (const label of ["GET /courses/{id}/progress (1,000 lectures)", "GET /courses/{id}/progress?include_lectures=false"]) {
    const ratio = measured.get(label)!.median / single;
    console.log(`${label}: ${ratio.toFixed(1)}x GET /lectures/{id}/progress (goal at most ${COURSE_PROGRESS_RATIO}x)`);
    if (ratio > COURSE_PROGRESS_RATIO) problems.push(`${label} is ${ratio.toFixed(1)}x a single lecture's progress (goal ${COURSE_PROGRESS_RATIO}x)`);
  }
}

const COURSE_PROGRESS_RATIO = 3;
