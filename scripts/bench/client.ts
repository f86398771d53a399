/**
 * Talking to the Worker under test: requests that fail with a readable reason (and wrangler's exit,
 * if it died), JSON calls that check the status, the ingest form, and two waits: until the
 * database has gone quiet, and until a set of jobs has finished.
 *
 * It also holds the state of the running stack that these helpers and the sections share: the
 * Worker's address, the Neon gateway (whose request count is the round-trip meter) and the
 * database URL, set once by `connect` from `start` (setup.ts) and read by importers as live
 * bindings, and what wrangler printed (its last lines, reloads, structured job logs).
 *
 * Every request carries the run's admin token (authentication is required, as deployed) unless
 * it brings an Authorization header of its own.
 */
import { bearer, sleep } from "../local-stack.ts";
import type { Gateway } from "../neon-gateway.ts";
import { lectureText } from "./lecture-text.ts";

export let base = "";
export let gateway: Gateway;
export let databaseUrl: string;
let wranglerExit = "";
/** wrangler's latest output lines, shown when the bench fails. */
export const wranglerLog: string[] = [];
export const reloads: string[] = []; // phases during which wrangler dev rebuilt the Worker (e.g. node_modules changed)
/** The Worker's structured log lines (job runs and waits among them), in order. */
export const jobEvents: { msg: string; jobType?: string; outcome?: string; durationMs?: number }[] = [];

/** Points the helpers at the started stack; called once, before the first request. */
export function connect(stack: { base: string; gateway: Gateway; databaseUrl: string }) {
  ({ base, gateway, databaseUrl } = stack);
}
/** Records why wrangler dev exited, so failing requests can say so. */
export function wranglerExited(reason: string) {
  wranglerExit = reason;
}

/** `headers` with the run's admin token added, unless they name a credential already. */
export function withAuth(headers?: RequestInit["headers"]): Headers {
  const all = new Headers(headers);
  if (!all.has("authorization")) all.set("authorization", bearer());
  return all;
}

export function api(pathname: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<Response> {
  return fetch(base + pathname, { ...init, headers: withAuth(init.headers), signal: AbortSignal.timeout(timeoutMs) }).catch((error: Error) => {
    const why = error.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : error.message;
    throw new Error(`${init.method ?? "GET"} ${pathname}: ${why}${wranglerExit ? ` (wrangler dev exited: ${wranglerExit})` : ""}`);
  });
}
export async function apiJson<T = any>(pathname: string, init: RequestInit = {}, expect = 200): Promise<T> {
  const res = await api(pathname, init);
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${init.method ?? "GET"} ${pathname}: HTTP ${res.status} (expected ${expect}): ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
export const post = (pathname: string, body?: unknown, expect = 200) =>
  apiJson(pathname, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) }, expect);

function ingestForm(courseId: string, lectureId: string, text: string): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries({ course_id: courseId, lecture_id: lectureId, preset_id: "exam-mode", title: `Bench ${lectureId}`, duration_sec: "3000" }))
    form.set(k, v);
  form.set("audio", new Blob([text], { type: "text/plain" }), `${lectureId}.txt`);
  return form;
}
export const ingest = (courseId: string, lectureId: string, n: number, headers?: HeadersInit) =>
  apiJson("/lectures/ingest", { method: "POST", body: ingestForm(courseId, lectureId, lectureText(n)), headers });

/** Waits until the gateway has seen no SQL request for `quietMs` (nothing runs in the background). */
export async function quiet(quietMs = 3000, timeoutMs = 120_000) {
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
export async function waitForJobs(filter: string, expected: number, timeoutMs: number) {
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
