/**
 * `npm run chaos`: Pegasus run as an attacker and as a failing datacenter would run it, against
 * `wrangler dev` with the production job settings (60 s lease, 60 s lost-message threshold, 5 s
 * database deadline) and a cron tick every minute, as deployed. Four campaigns:
 *   1. malformed requests over every operation of /openapi.json, plus raw multipart and JSON abuse:
 *      how many answers are 5xx (target 0) or not problem+json;
 *   2. the database dropped, then silent, for CHAOS_OUTAGE_SEC (30) in the middle of a pipeline:
 *      jobs not final 2 minutes after it is back (target 0), and duplicated stages;
 *   3. the whole server killed in the middle of a batch and started again: jobs not final 2 minutes
 *      after the restart (target 0);
 *   4. uploads cut off after 16 MiB: bytes left in the bucket and multipart uploads left open
 *      (target 0).
 * Authentication is required as deployed: every request carries the run's generated admin token
 * (campaign 1 also sends missing and malformed credentials); rate limits are off (local-stack.ts).
 * Settings: CHAOS_DATABASE_URL (a PostgreSQL server; default embedded PGlite), CHAOS_OUTAGE_SEC,
 * CHAOS_LECTURES (10), CHAOS_WRANGLER_LOG (a file for wrangler's whole output).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import { table } from "./bench/report.ts";
import { startFaultProxy } from "./fault-proxy.ts";
import { accountVars, bearer, lineLogger, onCleanup, root, runCleanups, sleep, startDatabase, startWorker, type LocalWorker } from "./local-stack.ts";

process.chdir(root);
const OUTAGE_SEC = Number(process.env.CHAOS_OUTAGE_SEC ?? 30);
const LECTURES = Number(process.env.CHAOS_LECTURES ?? 10);
const CRON_MS = 60_000;
const SETTLE_MS = 120_000; // the target: every job final within 2 minutes of recovery
const MiB = 1024 * 1024;

let base = "";
let worker: LocalWorker;
let proxyUrl = "";
let databaseUrl = "";
const findings: string[] = [];

/** With the run's admin token, unless the request names its own Authorization (or none: `authorization: ""`). */
function api(pathname: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", bearer());
  else if (headers.get("authorization") === "") headers.delete("authorization");
  return fetch(base + pathname, { ...init, headers, signal: AbortSignal.timeout(60_000) });
}

/** Like a phone app: a 503 is retried after its Retry-After. */
async function request(pathname: string, init: RequestInit = {}): Promise<Response> {
  for (let tries = 0; ; tries++) {
    const res = await api(pathname, init).catch(() => null);
    if (res && res.status !== 503) return res;
    if (tries > 120) throw new Error(`${init.method ?? "GET"} ${pathname}: still unavailable`);
    await sleep(1000 * Number(res?.headers.get("retry-after") ?? 1));
  }
}

function ingestForm(courseId: string, lectureId: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries({ course_id: courseId, lecture_id: lectureId, preset_id: "exam-mode", title: `Chaos ${lectureId}` })) form.set(k, v);
  const text = Array.from({ length: 40 }, (_, i) => `Sentence ${i} of ${lectureId}: osmosis moves water across a membrane toward the higher solute concentration.`).join(" ");
  form.set("audio", new Blob([text], { type: "text/plain" }), `${lectureId}.txt`);
  return form;
}

async function startPipeline(courseId: string, count: number) {
  const lectureIds = Array.from({ length: count }, (_, i) => `${courseId}-lec-${i}`);
  for (const lectureId of lectureIds) {
    const res = await request("/lectures/ingest", { method: "POST", body: ingestForm(courseId, lectureId) });
    if (res.status !== 200) throw new Error(`ingest ${lectureId}: ${res.status} ${await res.text()}`);
  }
  for (const lectureId of lectureIds)
    for (const stage of ["transcribe", "generate", "export"]) {
      const init: RequestInit = stage === "generate" ? { method: "POST", body: "{}", headers: { "content-type": "application/json" } } : { method: "POST" };
      const res = await request(`/lectures/${lectureId}/${stage}`, init);
      if (res.status !== 200) throw new Error(`${stage} ${lectureId}: ${res.status}`);
    }
  return lectureIds;
}

interface JobView { id: string; lectureId: string; jobType: string; status: string; attempt: number }
async function courseJobs(courseId: string): Promise<JobView[] | null> {
  const res = await api(`/jobs?course_id=${courseId}&limit=500`).catch(() => null);
  if (!res || res.status !== 200) return null;
  return ((await res.json()) as { jobs: JobView[] }).jobs;
}

/** Polls until every job of the course is final; reports how long that took and what was left at the target. */
async function settle(courseId: string, expected: number, recoveredAt: number) {
  let atTarget: JobView[] | null = null;
  for (;;) {
    const jobs = await courseJobs(courseId);
    const pending = jobs ? jobs.filter((j) => j.status === "queued" || j.status === "running") : null;
    const elapsed = Date.now() - recoveredAt;
    if (elapsed >= SETTLE_MS && !atTarget && pending) atTarget = pending;
    if (jobs && pending!.length === 0 && jobs.length >= expected)
      return { jobs, seconds: elapsed / 1000, stuckAtTarget: atTarget?.length ?? 0 };
    if (elapsed > SETTLE_MS + 180_000) return { jobs: jobs ?? [], seconds: NaN, stuckAtTarget: atTarget?.length ?? pending?.length ?? expected };
    await sleep(2000);
  }
}

function duplicates(jobs: JobView[]) {
  const seen = new Map<string, number>();
  for (const j of jobs) seen.set(`${j.lectureId}/${j.jobType}`, (seen.get(`${j.lectureId}/${j.jobType}`) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

// ---------------------------------------------------------------- 1. malformed requests
const BAD_IDS = ["%00", "a%00b", "%ED%A0%80", "%FF%FE", "x".repeat(300), "..%2F..", "%20", "lec%0A1", "%F0%9F%98%80"];
const BAD_QUERY = ["%00", "a%00", "%ED%A0%80", "%FF", "9223372036854775808", "99999999999999999999999", "-1", "1e308", "NaN", "0x10", "x".repeat(5000), ""];
const BAD_JSON = [
  '{"course_id": 1}', '{"preset_id": "\\u0000"}', '{"openai_model": "\\ud800"}', '{"course_id": ["a"]}', "[]", "null", '"text"', "{", "{}}",
  "[".repeat(5000) + "]".repeat(5000), JSON.stringify({ title: "x".repeat(5 * MiB) }),
];

async function fuzz() {
  const doc = await (await api("/openapi.json")).json() as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>> };
  const cases: { method: string; path: string; body?: string; headers?: Record<string, string> }[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    const fill = (id: string) => template.replace(/\{[^}]+\}/g, id);
    for (const [method, op] of Object.entries(ops)) {
      const M = method.toUpperCase();
      const json = op.requestBody ? { body: "{}", headers: { "content-type": "application/json" } } : {};
      if (template.includes("{")) for (const id of BAD_IDS) cases.push({ method: M, path: fill(id), ...json });
      for (const param of (op.parameters ?? []).filter((p) => p.in === "query"))
        for (const value of BAD_QUERY) cases.push({ method: M, path: `${fill("chaos-0-lec-0")}?${param.name}=${value}`, ...json });
      if (op.requestBody && !template.includes("ingest"))
        for (const body of BAD_JSON) cases.push({ method: M, path: fill("chaos-0-lec-0"), body, headers: { "content-type": "application/json" } });
    }
    for (const method of ["PUT", "PATCH", "DELETE", "QUERY"]) cases.push({ method, path: fill("chaos-0-lec-0") });
  }
  const boundary = "chaosboundary";
  const part = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const form = (fields: Record<string, string>, file = true) =>
    Object.entries(fields).map(([k, v]) => part(k, v)).join("") +
    (file ? `--${boundary}\r\ncontent-disposition: form-data; name="audio"; filename="a\u0000.txt"\r\ncontent-type: text/plain\r\n\r\nhello world\r\n` : "") + `--${boundary}--\r\n`;
  const good = { course_id: "chaos-fuzz", lecture_id: "chaos-fuzz-1", preset_id: "exam-mode", title: "T" };
  const multipart = { "content-type": `multipart/form-data; boundary=${boundary}` };
  for (const [field, value] of [["title", "a\u0000b"], ["course_title", "\ud800"], ["source_type", "\u0000"], ["lecture_id", "a\u0000"], ["course_id", "x".repeat(300)], ["duration_sec", "1e308"], ["duration_sec", "99999999999999999999"], ["preset_id", "\u0000"]] as const)
    cases.push({ method: "POST", path: "/lectures/ingest", body: form({ ...good, [field]: value }), headers: multipart });
  cases.push({ method: "POST", path: "/lectures/ingest", body: form(good).slice(0, 120), headers: multipart });
  cases.push({ method: "POST", path: "/lectures/ingest", body: form(good), headers: { "content-type": "multipart/form-data" } });
  cases.push({ method: "POST", path: "/lectures/ingest", body: "{}", headers: { "content-type": "application/json" } });
  cases.push({ method: "POST", path: "/lectures/ingest", body: form(good, false), headers: multipart });
  // Credentials that are missing or malformed: 401 problems, never 5xx.
  const jwtPart = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  for (const authorization of ["", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer plc_", `Bearer plc_${"A".repeat(43)}`, `Bearer plc_${"%".repeat(43)}`,
    "Bearer a.b.c", `Bearer ${jwtPart({ alg: "none" })}.${jwtPart({ sub: "local" })}.`, `Bearer ${jwtPart({ alg: "RS256", kid: "x" })}.${jwtPart({ sub: "local" })}.sig`,
    `Bearer ${"x".repeat(8000)}`, "Bearer a b"])
    for (const [method, path] of [["GET", "/courses"], ["POST", "/lectures/chaos-0-lec-0/transcribe"], ["POST", "/api-keys"]] as const)
      cases.push({ method, path, headers: { authorization } });

  const statuses = new Map<number, number>();
  const serverErrors: string[] = [];
  const notProblem: string[] = [];
  let index = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (index < cases.length) {
        const c = cases[index++]!;
        const res = await api(c.path, { method: c.method, body: c.body, headers: c.headers }).catch((e: Error) => ({ status: 599, headers: new Headers(), text: async () => e.message }) as unknown as Response);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const text = await res.text();
        if (res.status >= 500) serverErrors.push(`${c.method} ${c.path.slice(0, 80)} -> ${res.status} ${text.slice(0, 160)}`);
        else if (res.status >= 400 && res.status !== 405 && !/problem\+json/.test(res.headers.get("content-type") ?? "")) notProblem.push(`${c.method} ${c.path.slice(0, 80)} -> ${res.status}`);
      }
    }),
  );
  return { requests: cases.length, statuses, serverErrors, notProblem };
}

// ---------------------------------------------------------------- 2. database outage
async function setFault(order: Record<string, unknown>) {
  await fetch(`${proxyUrl}/__fault`, { method: "POST", body: JSON.stringify(order) });
}
async function faultState() {
  return (await (await fetch(`${proxyUrl}/__fault`)).json()) as { mode: string; armed: boolean; changedAt: number };
}

async function outage(mode: "refuse" | "hang") {
  const courseId = `chaos-${mode}`;
  // The outage begins the moment a consumer claims a job of this campaign: mid-stage.
  await setFault({ mode, after: "set status = 'running'", forMs: OUTAGE_SEC * 1000 });
  await startPipeline(courseId, LECTURES);
  let state = await faultState();
  while (state.armed || state.mode !== "pass") {
    await sleep(500);
    state = await faultState();
  }
  const result = await settle(courseId, 3 * LECTURES, state.changedAt);
  return { label: mode === "refuse" ? `database down ${OUTAGE_SEC} s` : `database silent ${OUTAGE_SEC} s`, ...result };
}

// ---------------------------------------------------------------- 3. server killed
async function crash() {
  const courseId = "chaos-crash";
  const lectureIds = await startPipeline(courseId, 2 * LECTURES);
  for (let i = 0; i < 40; i++) {
    const jobs = await courseJobs(courseId);
    if (jobs?.some((j) => j.status === "running")) break;
    await sleep(100);
  }
  await worker.crash();
  const restartMs = await worker.restart();
  const result = await settle(courseId, 3 * lectureIds.length, Date.now());
  return { label: `server killed mid-batch (restart ${(restartMs / 1000).toFixed(1)} s)`, ...result };
}

// ---------------------------------------------------------------- 4. uploads cut off
function blobBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (d.split(path.sep).includes("blobs")) total += statSync(p).size;
    }
  };
  try { walk(dir); } catch {} // nothing stored yet
  return total;
}

function cutUpload(lectureId: string, cutAfter: number, declared: number): Promise<void> {
  const boundary = "cutboundary";
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="course_id"\r\n\r\nchaos-cut\r\n--${boundary}\r\ncontent-disposition: form-data; name="lecture_id"\r\n\r\n${lectureId}\r\n--${boundary}\r\ncontent-disposition: form-data; name="preset_id"\r\n\r\nexam-mode\r\n--${boundary}\r\ncontent-disposition: form-data; name="title"\r\n\r\nCut\r\n--${boundary}\r\ncontent-disposition: form-data; name="audio"; filename="cut.m4a"\r\ncontent-type: audio/mp4\r\n\r\n`;
  return new Promise((resolve) => {
    const req = http.request(`${base}/lectures/ingest`, { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(declared), authorization: bearer() } });
    req.on("error", () => resolve());
    req.on("response", () => resolve());
    req.on("close", () => resolve());
    req.write(head);
    const chunk = Buffer.alloc(MiB, 7);
    let sent = 0;
    const pump = () => {
      while (sent < cutAfter) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      setTimeout(() => req.destroy(), 200); // the phone loses its connection
    };
    pump();
  });
}

async function cutUploads(stateDir: string) {
  await sleep(3000);
  const before = blobBytes(stateDir);
  const sql = neon(databaseUrl);
  for (let i = 0; i < 4; i++) await cutUpload(`chaos-cut-${i}`, 16 * MiB, 40 * MiB);
  await sleep(5000);
  const left = blobBytes(stateDir) - before;
  const open = Number((await sql.query("select count(*)::int as n from multipart_uploads"))[0]?.n ?? NaN);
  return { uploads: 4, orphanBytes: left, openMultipart: open };
}

// ---------------------------------------------------------------- main
let exitCode = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void runCleanups().then(() => process.exit(130)));

try {
  const t0 = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "pegasus-chaos-"));
  onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
  const database = await startDatabase(process.env.CHAOS_DATABASE_URL, "chaos");
  databaseUrl = database.databaseUrl;
  neonConfig.fetchEndpoint = database.gateway.url;
  const proxy = await startFaultProxy(database.gateway.port);
  onCleanup(() => proxy.close());
  proxyUrl = `http://127.0.0.1:${proxy.port}`;
  worker = await startWorker({
    tmp,
    vars: { DATABASE_URL: databaseUrl, NEON_FETCH_ENDPOINT: `${proxyUrl}/sql`, PLC_INLINE_JOBS: "0", PLC_MAX_UPLOAD_MB: "64", OPENAI_API_KEY: "", ...accountVars },
    extraArgs: ["--test-scheduled"],
    onLine: lineLogger(process.env.CHAOS_WRANGLER_LOG),
  });
  base = worker.base;
  console.log(`database: ${database.description}; wrangler dev on ${base}; cron every ${CRON_MS / 1000} s`);
  const cron = setInterval(() => void fetch(`${base}/__scheduled?cron=*+*+*+*+*`).catch(() => {}), CRON_MS);
  onCleanup(() => clearInterval(cron));

  await startPipeline("chaos-0", 1); // something for the id-shaped requests to find

  console.log("\n== 1. malformed requests\n");
  const f = await fuzz();
  table(["status", "answers"], [...f.statuses].sort(([a], [b]) => a - b));
  console.log(`\n${f.requests} requests: ${f.serverErrors.length} answered 5xx, ${f.notProblem.length} 4xx without problem+json`);
  for (const line of [...f.serverErrors, ...f.notProblem].slice(0, 20)) console.log(`  ${line}`);
  if (f.serverErrors.length) findings.push(`${f.serverErrors.length} malformed requests answered 5xx`);

  console.log("\n== 2-3. faults in the middle of a pipeline\n");
  const faults: Awaited<ReturnType<typeof crash>>[] = [];
  for (const run of [() => outage("refuse"), () => outage("hang"), crash]) {
    const r = await run();
    faults.push(r);
    const final = Number.isNaN(r.seconds) ? "never" : `${r.seconds.toFixed(0)} s`;
    console.log(`${r.label}: ${r.jobs.length} jobs, ${r.jobs.filter((j) => j.status === "completed").length} completed, ${r.jobs.filter((j) => j.status === "failed").length} failed; all final ${final} after recovery; ${r.stuckAtTarget} not final at +120 s; ${duplicates(r.jobs)} stages duplicated`);
  }
  console.log();
  table(
    ["fault", "jobs", "completed", "failed", "final after (s)", "not final at +120 s", "duplicated stages"],
    faults.map((r) => [r.label, r.jobs.length, r.jobs.filter((j) => j.status === "completed").length, r.jobs.filter((j) => j.status === "failed").length, Number.isNaN(r.seconds) ? "never" : r.seconds.toFixed(0), r.stuckAtTarget, duplicates(r.jobs)]),
  );
  for (const r of faults) {
    if (r.stuckAtTarget) findings.push(`${r.label}: ${r.stuckAtTarget} jobs not final 2 minutes after recovery`);
    if (duplicates(r.jobs)) findings.push(`${r.label}: ${duplicates(r.jobs)} stages ran as more than one job`);
  }

  console.log("\n== 4. uploads cut off after 16 MiB\n");
  const u = await cutUploads(path.join(tmp, "state"));
  console.log(`${u.uploads} uploads of 40 MiB cut after 16 MiB: ${u.orphanBytes} bytes left in the bucket, ${u.openMultipart} multipart uploads still open`);
  if (u.orphanBytes || u.openMultipart) findings.push(`cut-off uploads left ${u.orphanBytes} bytes and ${u.openMultipart} open multipart uploads`);

  console.log(`\ntotal time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (findings.length) {
    exitCode = 1;
    console.log(`\nFAIL (${findings.length}):\n${findings.map((p) => `  - ${p}`).join("\n")}`);
  } else console.log("\nOK: no 5xx, nothing stuck, nothing orphaned");
} catch (error) {
  exitCode = 1;
  console.error(`\nchaos failed: ${(error as Error).stack ?? error}`);
} finally {
  await runCleanups();
}
process.exit(exitCode);
