/**
 * Calls the Worker's own fetch handler inside workerd, with the test bindings (or overrides).
 */
import { env, exports } from "cloudflare:workers";
import { DEFAULT_OWNER } from "../../src/domain/principal.ts";
import { ownerPrefix } from "../../src/pipeline/keys.ts";
import worker from "../../src/index.ts";

export const BASE = "http://pegasus.test";

/** Whose data the tests' default credential (the admin token) reads and writes. */
export const TEST_OWNER = DEFAULT_OWNER;

/** One of the test owner's lectures, as the database and pipeline modules take it. */
export const lectureOf = (lectureId: string) => ({ owner: TEST_OWNER, lectureId });

/** Where the test owner's objects live in the bucket (src/pipeline/keys.ts). */
export const TEST_PREFIX = `${ownerPrefix(TEST_OWNER)}/`;

/** The bootstrap admin token of the test configuration (vitest.config.ts). */
export const ADMIN_TOKEN = (env as unknown as { PLC_ADMIN_TOKEN: string }).PLC_ADMIN_TOKEN;

/**
 * Requests carry the admin token unless they set Authorization themselves (`Authorization: ""`
 * sends none).
 */
export function withCredential(init?: RequestInit): RequestInit {
  const headers = new Headers(init?.headers);
  if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${ADMIN_TOKEN}`);
  else if (headers.get("Authorization") === "") headers.delete("Authorization");
  return { ...init, headers };
}

export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, withCredential(init)));
}

/** The same Worker with some settings changed, e.g. `{ PLC_INLINE_JOBS: "1" }`. */
export async function callWith(overrides: Record<string, unknown>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return worker.fetch(new Request(`${BASE}${path}`, withCredential(init)), { ...env, ...overrides }, ctx);
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** A unique id per test so files running side by side never share rows. */
export function uid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
