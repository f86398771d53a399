/**
 * Calls the Worker's own fetch handler inside workerd, with the test bindings (or overrides).
 */
import { env, exports } from "cloudflare:workers";
import worker from "../../src/index.ts";

export const BASE = "http://pegasus.test";

export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** The same Worker with some settings changed, e.g. `{ PLC_INLINE_JOBS: "1" }`. */
export async function callWith(overrides: Record<string, unknown>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, ctx);
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** A unique id per test so files running side by side never share rows. */
export function uid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
