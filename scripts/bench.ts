/**
 * `npm run bench`: database round trips, latency and throughput per endpoint, pipeline throughput
 * through the real local queue, and the memory cost of a large streamed upload. Everything runs
 * against `wrangler dev` with its own state directory, its own Neon gateway and its own database
 * (fresh in-memory PGlite, or a scratch database on the server in BENCH_DATABASE_URL), and is
 * removed again at the end. Settings: BENCH_REQUESTS (50), BENCH_SECONDS (3), BENCH_LECTURES (100),
 * BENCH_UPLOAD_MB (90), BENCH_DATABASE_URL, BENCH_WRANGLER_LOG (a file for wrangler's whole output).
 */
import { createHash, randomFillSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import { lineLogger, onCleanup, root, runCleanups, sleep, startDatabase, startWorker, workerdPids } from "./local-stack.ts";
import type { Gateway } from "./neon-gateway.ts";

process.chdir(root);

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
}
const REQUESTS = setting("BENCH_REQUESTS", 50);
const SECONDS = setting("BENCH_SECONDS", 3);
const LECTURES = setting("BENCH_LECTURES", 100);
const UPLOAD_MB = setting("BENCH_UPLOAD_MB", 90);
const CONCURRENCY = 8;
const LIMIT_MB = 200; // PLC_MAX_UPLOAD_MB for this run
/** The jobs consumer's batching, read from wrangler.toml so the write windows follow any tuning. */
function consumerBatching(): { size: number; timeoutMs: number } {
  const toml = readFileSync(path.join(import.meta.dirname, "..", "wrangler.toml"), "utf8");
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
const MiB = 1024 * 1024;
const COURSE = "bench-course";
const FEATURED = "lec-0000";

const problems: string[] = [];

// ---------------------------------------------------------------- output helpers
function table(head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  console.log([line(head), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n"));
}
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const mib = (kB: number) => `${(kB / 1024).toFixed(0)} MiB`;
function quantile(samples: number[], q: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
let phase = "startup";
function section(title: string) {
  phase = title.split(":")[0]!;
  console.log(`\n== ${title}\n`);
}

// ---------------------------------------------------------------- lecture text generator
interface Topic { subject: string; field: string; place: string; measure: string; example: string; neighbour: string }
const TOPICS: Topic[] = [
  { subject: "osmosis", field: "cell biology", place: "the cell membrane", measure: "water potential", example: "a red blood cell dropped into distilled water", neighbour: "active transport" },
  { subject: "photosynthesis", field: "plant physiology", place: "the chloroplast", measure: "light intensity", example: "a pond weed releasing oxygen bubbles on a sunny afternoon", neighbour: "cellular respiration" },
  { subject: "natural selection", field: "evolutionary biology", place: "an island population of finches", measure: "fitness", example: "beak depth shifting after a long drought", neighbour: "genetic drift" },
  { subject: "enzyme kinetics", field: "biochemistry", place: "the active site", measure: "reaction rate", example: "catalase tearing through hydrogen peroxide", neighbour: "allosteric regulation" },
  { subject: "the action potential", field: "neuroscience", place: "the axon membrane", measure: "membrane voltage", example: "the reflex that pulls your hand off a hot pan", neighbour: "graded potentials" },
  { subject: "DNA replication", field: "molecular genetics", place: "the replication fork", measure: "error rate", example: "a bacterium copying its whole genome in twenty minutes", neighbour: "transcription" },
  { subject: "the carbon cycle", field: "ecology", place: "the atmosphere and the oceans", measure: "carbon flux", example: "a forest growing back after a fire", neighbour: "the nitrogen cycle" },
  { subject: "homeostasis", field: "physiology", place: "the hypothalamus", measure: "core body temperature", example: "shivering while you wait for a bus in January", neighbour: "positive feedback" },
];
const OPENING = (t: Topic, n: number) =>
  `Good morning everyone, and welcome to lecture ${n}. Today we are going to spend the whole hour on ${t.subject}, which sits right at the heart of ${t.field}. If you did the reading, some of this will sound familiar, but I want to rebuild it from the ground up, because the textbook version skips the reasoning that makes it stick. By the end of the session you should be able to explain what happens at ${t.place}, predict how ${t.measure} changes when conditions change, and say clearly how ${t.subject} differs from ${t.neighbour}, which is the confusion I see most often in exam scripts. Please keep your questions coming as we go; there is no such thing as an interruption in this room.`;
const BODY: ((t: Topic) => string)[] = [
  (t) => `Let us start with a concrete picture. Think about ${t.example}. Before we name anything, ask yourself what you would actually see if you could watch it happen. Something moves, something accumulates, and something eventually stops changing. That final steady state is the part students forget. ${t.subject[0]!.toUpperCase() + t.subject.slice(1)} is not a single event but a process that runs until the driving difference is used up, and the speed at which it runs depends on how large that difference is to begin with. Keep that picture in mind, because every definition I give you today is just a more careful way of describing it.`,
  (t) => `Now for the definition you will be asked to write down. In ${t.field}, ${t.subject} describes how a system responds when ${t.measure} is not the same everywhere. The key word is gradient. Where there is a gradient, there is a tendency for things to even out, and ${t.place} is where that evening out is controlled. A common mistake is to treat ${t.place} as a passive wall. It is nothing of the sort: it is selective, it can be regulated, and the cell or the organism spends real energy keeping it that way. If you remember one sentence from today, make it that one.`,
  (t) => `Here is where the numbers come in. Suppose we double ${t.measure}. Does the response double as well? Usually not, and the reason is saturation. At low values the response rises almost in proportion, but the machinery at ${t.place} has a finite capacity, so the curve bends over and flattens. On the exam you will often be given a graph of exactly this shape and asked to explain the plateau. The answer is never that the process stopped; it is that something else became the limiting factor. Practise saying which factor that is for each part of the curve.`,
  (t) => `I want to contrast this with ${t.neighbour}, because the two are constantly mixed up. Both involve ${t.place}, both change ${t.measure}, and both appear in the same chapter, so the confusion is understandable. The difference is the direction and the cost. ${t.subject[0]!.toUpperCase() + t.subject.slice(1)} follows the gradient, while ${t.neighbour} either works against it or depends on an entirely separate input. A useful check is to ask what would happen if you switched off the energy supply. One of them carries on regardless; the other grinds to a halt within minutes.`,
  (t) => `Let me tell you how this was worked out historically, because it explains why the terminology is so awkward. The early experiments on ${t.subject} were done long before anyone could see ${t.place} directly. Researchers inferred its properties from careful measurements of ${t.measure}, changing one condition at a time and recording what happened. Several of their conclusions were wrong in detail but right in spirit, and the names they chose stuck even after the details were corrected. So when a term sounds strange, it is usually a fossil of an older idea rather than a description of the modern one.`,
  (t) => `Why should you care about any of this outside the exam hall? Because ${t.subject} shows up in medicine, agriculture and engineering all the time. When a treatment fails, when a crop wilts, or when a sensor drifts, the explanation often comes back to the principle we have been building today. Think again about ${t.example}: the same logic tells you what will happen in a hospital drip, a greenhouse, or a water filter. The details change, but the pattern of gradient, barrier and limit is remarkably stable across ${t.field} and well beyond it.`,
  (t) => `A quick word on common errors in written answers. First, do not describe ${t.subject} as something that wants to happen; molecules and cells have no intentions, so write about probabilities and gradients instead. Second, always name the structure, in this case ${t.place}, rather than saying the cell or the system does something. Third, when you mention ${t.measure}, say whether it is rising or falling and compared with what. Examiners reward precise comparisons, and vague answers that are technically true still lose most of the marks on these questions.`,
  (t) => `Let us do a short worked problem together. Imagine two compartments separated by ${t.place}, with ${t.measure} higher on the left than on the right. Predict the direction of change, then predict what happens to the rate as time goes on. Most of you will get the direction right. The rate is the interesting part: it is fastest at the start and slows as the difference shrinks, which gives the familiar curved graph. Now add ${t.neighbour} to the picture and ask how the final state differs. Work through that on your own before next week's tutorial.`,
];
const ASIDES = [
  "Does anyone have a question so far? No? Good, then let us push on.",
  "I can see a few puzzled faces, so let me say that again more slowly.",
  "This is a classic exam question, so it is worth writing down.",
  "If you are watching the recording, pause here and sketch the diagram yourself.",
  "We will come back to this idea in two weeks, so do not throw these notes away.",
  "Someone asked me after last lecture whether this is on the syllabus. It is.",
];
const CLOSING = (t: Topic) =>
  `To wrap up: ${t.subject} is driven by differences in ${t.measure}, controlled at ${t.place}, and limited by capacity once the gradient is large. It differs from ${t.neighbour} in direction and in cost, and the history of the subject explains its odd vocabulary. For next time, reread the section on ${t.field} methods and try the practice questions at the end of the chapter. Thank you all, and see you on Thursday.`;

/** About 1,000 words of lecture prose; the topic, paragraph order and asides vary with `n`. */
function lectureText(n: number): string {
  let seed = (n * 2654435761) >>> 0;
  const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const topic = TOPICS[n % TOPICS.length]!;
  const body = [...BODY].sort(() => random() - 0.5).slice(0, 6 + (n % 3));
  const paragraphs = [OPENING(topic, (n % 24) + 1), ...body.map((p) => p(topic) + (random() < 0.5 ? ` ${ASIDES[Math.floor(random() * ASIDES.length)]}` : "")), CLOSING(topic)];
  return paragraphs.join("\n\n") + "\n";
}

// ---------------------------------------------------------------- processes
function memoryOf(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kB = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { hwm: kB("VmHWM"), rss: kB("VmRSS") };
}

// ---------------------------------------------------------------- the run
const tmp = mkdtempSync(path.join(os.tmpdir(), "pegasus-bench-"));
onCleanup(() => rmSync(tmp, { recursive: true, force: true }));

let base = "";
let gateway: Gateway;
let databaseUrl: string;
const wranglerLog: string[] = [];
const reloads: string[] = []; // phases during which wrangler dev rebuilt the Worker (e.g. node_modules changed)
let wranglerExit = "";
const jobEvents: { msg: string; jobType?: string; outcome?: string; durationMs?: number }[] = [];

function api(pathname: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<Response> {
  return fetch(base + pathname, { ...init, signal: AbortSignal.timeout(timeoutMs) }).catch((error: Error) => {
    const why = error.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : error.message;
    throw new Error(`${init.method ?? "GET"} ${pathname}: ${why}${wranglerExit ? ` (wrangler dev exited: ${wranglerExit})` : ""}`);
  });
}
async function apiJson<T = any>(pathname: string, init: RequestInit = {}, expect = 200): Promise<T> {
  const res = await api(pathname, init);
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${init.method ?? "GET"} ${pathname}: HTTP ${res.status} (expected ${expect}): ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
const post = (pathname: string, body?: unknown) =>
  apiJson(pathname, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });

function ingestForm(courseId: string, lectureId: string, text: string): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries({ course_id: courseId, lecture_id: lectureId, preset_id: "exam-mode", title: `Bench ${lectureId}`, duration_sec: "3000" }))
    form.set(k, v);
  form.set("audio", new Blob([text], { type: "text/plain" }), `${lectureId}.txt`);
  return form;
}
const ingest = (courseId: string, lectureId: string, n: number) =>
  apiJson("/lectures/ingest", { method: "POST", body: ingestForm(courseId, lectureId, lectureText(n)) });

/** Waits until the gateway has seen no SQL request for `quietMs` (nothing runs in the background). */
async function quiet(quietMs = 3000, timeoutMs = 120_000) {
  const started = Date.now();
  let last = gateway.requestCount();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - started > timeoutMs) throw new Error(`the database never went quiet within ${timeoutMs / 1000} s (background work still running)`);
    await sleep(100);
    if (gateway.requestCount() !== last) [last, since] = [gateway.requestCount(), Date.now()];
  }
}

/** Polls job counts (one list request per status, limit=0: the total is in the pagination). */
async function waitForJobs(filter: string, expected: number, timeoutMs: number) {
  const started = Date.now();
  let polls = 0;
  for (;;) {
    const count = async (status: string) => {
      polls++;
      return (await apiJson(`/jobs?${filter}&status=${status}&limit=0`)).pagination.total as number;
    };
    const completed = await count("completed");
    const failed = await count("failed");
    if (completed + failed >= expected) return { completed, failed, polls, seconds: (Date.now() - started) / 1000 };
    if (Date.now() - started > timeoutMs)
      throw new Error(`jobs (${filter}) not finished after ${timeoutMs / 1000} s: ${completed} completed, ${failed} failed of ${expected}`);
    await sleep(500);
  }
}

async function start() {
  const database = await startDatabase(process.env.BENCH_DATABASE_URL, "bench");
  ({ gateway, databaseUrl } = database);
  neonConfig.fetchEndpoint = gateway.url;
  console.log(`database: ${database.description}, gateway ${gateway.url}`);

  const log = lineLogger(process.env.BENCH_WRANGLER_LOG); // keep wrangler's whole output there
  const started = Date.now();
  const worker = await startWorker({
    tmp,
    vars: { DATABASE_URL: databaseUrl, NEON_FETCH_ENDPOINT: gateway.url, PLC_INLINE_JOBS: "0", PLC_MAX_UPLOAD_MB: String(LIMIT_MB), OPENAI_API_KEY: "" },
    onLine: (line) => {
      log(line);
      wranglerLog.push(line);
      if (/Reloading local server/.test(line)) reloads.push(phase);
      if (wranglerLog.length > 80) wranglerLog.shift();
      const json = /\{"(?:level|msg)":.*\}/.exec(line)?.[0];
      if (json) try { jobEvents.push(JSON.parse(json)); } catch {}
    },
  });
  base = worker.base;
  const wrangler = worker.process();
  wrangler.on("exit", () => (wranglerExit = worker.exitReason()));
  await apiJson("/health/ready");
  console.log(`wrangler dev: ${base} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (workerd pids ${workerdPids(wrangler.pid!).join(", ")}, state in ${tmp})`);
  return { wranglerPid: wrangler.pid! };
}

async function seed() {
  const started = Date.now();
  // One lecture goes through the real pipeline, so its artifacts, exports and threads exist in R2 too.
  await ingest(COURSE, FEATURED, 0);
  await post(`/lectures/${FEATURED}/transcribe`);
  await post(`/lectures/${FEATURED}/generate`, {});
  await post(`/lectures/${FEATURED}/export`);
  const sql = neon(databaseUrl);
  await sql.query(
    `insert into lectures (id, course_id, preset_id, title, status, audio_path, transcript_path, duration_sec, source_type,
       original_filename, content_type, size_bytes, checksum_sha256, created_at, updated_at)
     select 'lec-' || lpad(i::text, 4, '0'), $1, (array['exam-mode','beginner-mode','concept-map-mode','research-mode','neurodivergent-friendly-mode'])[1 + i % 5],
       'Seeded lecture ' || i, 'transcribed', 'r2://pegasus-media/audio/seed-' || i || '.txt',
       'r2://pegasus-media/transcripts/lec-' || lpad(i::text, 4, '0') || '.json', 3000, 'upload', 'lecture-' || i || '.txt', 'text/plain',
       6000 + i, encode(sha256(i::text::bytea), 'hex'), now() - make_interval(mins => 2000 - i), now() - make_interval(mins => 2000 - i)
     from generate_series(1, 999) as i`,
    [COURSE],
  );
  // Transcription and generation completed; export queued (2 of 3) or failed (1 of 3).
  await sql.query(
    `with base as (
       select l.id, l.created_at, s.job_type, s.ord,
         case when s.job_type <> 'export' then 'completed' when right(l.id, 4)::int % 3 = 0 then 'failed' else 'queued' end as status
       from lectures l cross join (values ('transcription', 1), ('generation', 2), ('export', 3)) as s(job_type, ord)
       where l.course_id = $1 and l.id <> $2)
     insert into jobs (id, lecture_id, job_type, status, result, error, attempt, enqueued_at, created_at, updated_at, started_at, finished_at)
     select gen_random_uuid()::text, id, job_type, status,
       case when status = 'completed' then '{"seeded": true}'::jsonb end,
       case when status = 'failed' then 'Seeded failure: the export renderer ran out of time.' end,
       case when status = 'queued' then 0 else 1 end,
       created_at + make_interval(secs => ord), created_at + make_interval(secs => ord), created_at + make_interval(secs => ord + 30),
       case when status <> 'queued' then created_at + make_interval(secs => ord + 1) end,
       case when status <> 'queued' then created_at + make_interval(secs => ord + 30) end
     from base`,
    [COURSE, FEATURED],
  );
  await sql.query(
    `insert into threads (id, course_id, title, title_key, summary, status, complexity_level, lecture_refs, created_at, updated_at)
     select 'thread-' || t, $1, 'Seeded concept ' || t, 'seeded concept ' || t, 'How seeded concept ' || t || ' develops across the course.',
       case when t % 4 = 0 then 'advanced' else 'foundational' end, 1 + t % 4,
       jsonb_build_array('lec-' || lpad((t * 7)::text, 4, '0'), 'lec-' || lpad((t * 7 + 1)::text, 4, '0'), 'lec-' || lpad((t * 7 + 2)::text, 4, '0')),
       now() - make_interval(mins => 60 - t), now() - make_interval(mins => 60 - t)
     from generate_series(1, 40) as t`,
    [COURSE],
  );
  const perRef = `from threads th, jsonb_array_elements_text(th.lecture_refs) as r(lecture_id) where th.course_id = $1 and th.id like 'thread-%'`;
  await sql.query(`insert into thread_occurrences (thread_id, lecture_id, course_id, artifact_id, evidence, confidence, segment_index)
     select th.id, r.lecture_id, $1, 'seeded-artifact', 'The lecturer comes back to ' || th.title || ' here.', 0.8, 3 ${perRef}`, [COURSE]);
  await sql.query(`insert into thread_evolution_notes (thread_id, lecture_id, change_type, note)
     select th.id, r.lecture_id, 'refinement', th.title || ' is refined with a new example.' ${perRef}`, [COURSE]);
  const { failed } = await waitForJobs(`lecture_id=${FEATURED}`, 3, 180_000);
  if (failed) throw new Error(`the featured lecture's pipeline failed: ${JSON.stringify((await apiJson(`/jobs?lecture_id=${FEATURED}&status=failed`)).jobs.map((j: any) => j.error))}`);
  const [counts] = (await sql.query(
    `select (select count(*) from lectures where course_id = $1) as lectures, (select count(*) from jobs) as jobs,
       (select count(*) from artifacts where lecture_id = $2) as artifacts, (select count(*) from exports where lecture_id = $2) as exports,
       (select count(*) from threads where course_id = $1) as threads`,
    [COURSE, FEATURED],
  )) as Record<string, string>[];
  console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.entries(counts!).map(([k, v]) => `${v} ${k}`).join(", ")}`);
}

// ---------------------------------------------------------------- A. endpoints
interface Measured { rt: number; median: number; p95: number; rps?: number }
const measured = new Map<string, Measured>();

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

async function endpoints() {
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

// ---------------------------------------------------------------- B. pipeline
async function pipeline() {
  section(`B. Pipeline: ${LECTURES} lectures x (transcribe, generate, export) through the local queue, offline generator`);
  const id = (i: number) => `p-${String(i).padStart(4, "0")}`;
  const course = "bench-pipeline";
  const pool = async (work: (i: number) => Promise<void>) => {
    let next = 1;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { for (let i = next++; i <= LECTURES; i = next++) await work(i); }));
  };
  let t0 = performance.now();
  await pool(async (i) => { await ingest(course, id(i), 100 + i); });
  const uploadSec = (performance.now() - t0) / 1000;
  await quiet();
  const before = gateway.requestCount();
  const eventsBefore = jobEvents.length;
  t0 = performance.now();
  await pool(async (i) => {
    await post(`/lectures/${id(i)}/transcribe`);
    await post(`/lectures/${id(i)}/generate`, {});
    await post(`/lectures/${id(i)}/export`);
  });
  const fireSec = (performance.now() - t0) / 1000;
  const result = await waitForJobs(`course_id=${course}`, 3 * LECTURES, Math.max(300_000, LECTURES * 6_000));
  const wall = (performance.now() - t0) / 1000;
  await quiet();
  const pollCost = measured.get("GET /jobs?status=failed")?.rt ?? 1;
  const total = gateway.requestCount() - before - result.polls * pollCost;
  const jobs = 3 * LECTURES;
  const enqueueRt = ["transcribe", "generate", "export"].reduce((n, s) => n + (measured.get(`POST /lectures/{id}/${s}`)?.rt ?? 0), 0) * LECTURES;
  const events = jobEvents.slice(eventsBefore);
  const waits = events.filter((e) => e.msg === "job waiting").length;
  const runs = events.filter((e) => e.msg === "job");
  const stageMs = (type: string) => quantile(runs.filter((e) => e.jobType === type).map((e) => e.durationMs ?? 0), 0.5);
  table(["pipeline", "value"], [
    ["lectures uploaded (~1,000 words each)", `${LECTURES} in ${uploadSec.toFixed(1)} s (${(LECTURES / uploadSec).toFixed(1)}/s, ${CONCURRENCY} concurrent)`],
    ["jobs fired (transcribe, generate, export)", `${jobs} in ${fireSec.toFixed(1)} s`],
    ["wall time, first request to last job done", `${wall.toFixed(1)} s`],
    ["jobs/s", (jobs / wall).toFixed(2)],
    ["completed / failed", `${result.completed} / ${result.failed}`],
    ["database round trips per job (all)", (total / jobs).toFixed(2)],
    ["  of which the enqueue requests", (enqueueRt / jobs).toFixed(2)],
    ["  of which the queue consumer", ((total - enqueueRt) / jobs).toFixed(2)],
    ["prerequisite waits (2 round trips each)", `${waits} (${(waits / jobs).toFixed(2)} per job)`],
    ["median stage time transcription/generation/export", ["transcription", "generation", "export"].map((t) => `${ms(stageMs(t))} ms`).join(" / ")],
    ["status polls by the bench (subtracted)", `${result.polls} x ${pollCost} round trip`],
  ]);
  if (result.failed) {
    problems.push(`${result.failed} pipeline jobs failed`);
    for (let offset = 0; ; offset += 100) {
      const page = await apiJson(`/jobs?course_id=${course}&status=failed&limit=100&offset=${offset}`);
      for (const j of page.jobs) console.log(`  failed: ${j.jobType} ${j.lectureId}: ${j.error}`);
      if (!page.pagination.hasMore) break;
    }
  }
  return { jobsPerSec: jobs / wall, rtPerJob: total / jobs, wall, failed: result.failed };
}

// ---------------------------------------------------------------- C. ingest memory
/** `size` random bytes, made a MiB at a time as the upload asks for them. */
function* randomChunks(size: number) {
  for (let sent = 0; sent < size; sent += MiB) yield randomFillSync(Buffer.allocUnsafe(Math.min(MiB, size - sent)));
}

interface Upload { status: number; text: string; seconds: number; answeredAfter: number; sent: number; sha256: string }

/** POSTs a multipart form whose file part streams from `randomChunks`, with backpressure; stops sending once answered. */
function upload(lectureId: string, size: number, declareLength: boolean): Promise<Upload> {
  const boundary = `pegasus-bench-${crypto.randomUUID()}`;
  const fields = { course_id: "bench-memory", lecture_id: lectureId, preset_id: "exam-mode", title: "Large recording" };
  const head = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
    `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="recording.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const headers: Record<string, string> = { "content-type": `multipart/form-data; boundary=${boundary}` };
  if (declareLength) headers["content-length"] = String(Buffer.byteLength(head) + size + Buffer.byteLength(tail));
  const hash = createHash("sha256");
  const t0 = performance.now();
  let sent = 0;
  let answeredAfter = -1;
  return new Promise<Upload>((resolve, reject) => {
    const req = http.request(`${base}/lectures/ingest`, { method: "POST", headers, timeout: 300_000 }, (res) => {
      answeredAfter = sent;
      const body: Buffer[] = [];
      res.on("data", (chunk: Buffer) => body.push(chunk)).on("error", reject).on("end", () => {
        resolve({ status: res.statusCode!, text: Buffer.concat(body).toString(), seconds: (performance.now() - t0) / 1000, answeredAfter, sent, sha256: hash.digest("hex") });
        req.destroy();
      });
    });
    req.on("timeout", () => req.destroy(new Error(`upload of ${lectureId}: no answer within 300 s`)));
    req.on("error", (error) => { if (answeredAfter < 0) reject(error); }); // after an early answer the server may close on us
    (async () => {
      req.write(head);
      for (const chunk of randomChunks(size)) {
        if (answeredAfter >= 0 || req.destroyed) return;
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk))
          await new Promise<void>((resolve) => {
            const go = () => (req.off("drain", go).off("close", go), resolve());
            req.on("drain", go).on("close", go);
          });
      }
      req.end(tail);
    })().catch(reject);
  });
}

async function ingestMemory(wranglerPid: number) {
  section(`C. Ingest memory: uploads streamed to POST /lectures/ingest (PLC_MAX_UPLOAD_MB=${LIMIT_MB}), workerd peak RSS`);
  const pids = workerdPids(wranglerPid);
  if (!pids.length) throw new Error("no workerd process found under wrangler");
  const port = new URL(base).port;
  const role = (pid: number) => (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`entry=127.0.0.1:${port}`) ? "dev-server proxy" : "Worker runtime");
  const hwm = () => pids.reduce((kB, pid) => kB + memoryOf(pid).hwm, 0);
  const rows: (string | number)[][] = [["before the uploads", "", "", "", "", mib(hwm()), ""]];
  const growth: number[] = [];
  const second = Math.min(2 * UPLOAD_MB, LIMIT_MB - 10);
  // The warm-up pays one-time costs; the second upload is twice the first: buffering would show as growth there.
  const steps: [string, string, number, boolean, number][] = [
    ["warm-up", "big-0000", 16, true, 200],
    ["upload #1", "big-0001", UPLOAD_MB, true, 200],
    [`upload #2 (${second === 2 * UPLOAD_MB ? "2x" : "larger"})`, "big-0002", second, true, 200],
    ["over the limit, Content-Length declared", "big-0003", LIMIT_MB + 2, true, 413],
    ["over the limit, chunked (no length)", "big-0004", LIMIT_MB + 2, false, 413],
  ];
  for (const [label, lectureId, sizeMiB, declare, expect] of steps) {
    const before = hwm();
    const r = await upload(lectureId, sizeMiB * MiB, declare);
    const after = hwm();
    growth.push((after - before) / 1024);
    if (r.status !== expect) problems.push(`${label}: HTTP ${r.status}, expected ${expect}: ${r.text.slice(0, 200)}`);
    if (r.status === 200) {
      const lecture = await apiJson(`/lectures/${lectureId}`);
      if (lecture.size_bytes !== sizeMiB * MiB || lecture.checksum_sha256 !== r.sha256) problems.push(`${label}: stored size or SHA-256 differs from what was sent`);
    } else if ((await api(`/lectures/${lectureId}`)).status !== 404) problems.push(`${label}: a refused upload left a lecture row`);
    const answered = r.status === 413 ? `, answered after ${(r.answeredAfter / MiB).toFixed(0)} MiB` : "";
    rows.push([label, `${sizeMiB} MiB`, `${r.status}${answered}`, r.seconds.toFixed(1), (r.sent / MiB / r.seconds).toFixed(1), mib(after), `${((after - before) / 1024).toFixed(0)} MiB`]);
  }
  table(["step", "file", "status", "seconds", "MiB/s", "workerd VmHWM", "growth"], rows);
  console.log(`\nworkerd VmHWM is summed over ${pids.map((pid) => `${pid} (${role(pid)}, ${mib(memoryOf(pid).hwm)})`).join(" and ")}.`);
  console.log("\"answered after\": file bytes the bench had sent when the response arrived (it stops sending then).");
  if (growth[2]! > second / 2) problems.push(`workerd peak memory grew by ${growth[2]!.toFixed(0)} MiB during the ${second} MiB upload: the upload is buffered`);
  return { seconds: rows[2]![3], growth1: growth[1]!, growth2: growth[2]!, second };
}

// ---------------------------------------------------------------- request floor
/** The budget for what Pegasus adds to a trivial request (middleware, routing, request ids). */
const FLOOR_BUDGET_MS = 0.3;
const EMPTY_WORKER = `export default { fetch() { return new Response('{"status":"ok"}', { headers: { "content-type": "application/json" } }); } };`;

async function requestFloor() {
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

// ---------------------------------------------------------------- main
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
  phase = "seeding";
  await seed();
  await endpoints();
  const floor = await requestFloor();
  const pipe = await pipeline();
  const mem = await ingestMemory(wranglerPid);
  section("Summary");
  const reads = [...measured].filter(([label]) => label.startsWith("GET"));
  const writes = [...measured].filter(([label]) => label.startsWith("POST")).map(([label, m]) => `${label.split(" ")[1]} ${m.rt}`);
  console.log(`reads: ${reads.length} endpoints, round trips ${[...new Set(reads.map(([, m]) => m.rt))].join("/")} (presets 0, the rest 1 expected)`);
  console.log(`writes (round trips per request): ${writes.join(", ")}`);
  console.log(`pipeline: ${3 * LECTURES} jobs in ${pipe.wall.toFixed(1)} s = ${pipe.jobsPerSec.toFixed(2)} jobs/s, ${pipe.rtPerJob.toFixed(2)} round trips per job, ${pipe.failed} failed`);
  console.log(`request floor: GET /health ${floor.pegasus.toFixed(3)} ms median vs ${floor.empty.toFixed(3)} ms for an empty Worker: ours ${floor.ours.toFixed(3)} ms`);
  console.log(`upload: ${UPLOAD_MB} MiB in ${mem.seconds} s; workerd peak memory +${mem.growth1.toFixed(0)} MiB for it, +${mem.growth2.toFixed(0)} MiB for the next ${mem.second} MiB`);
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
