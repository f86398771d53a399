/**
 * The only place that creates database clients. Production and local runs use the same Neon
 * HTTP driver; locally NEON_FETCH_ENDPOINT points it at the gateway in scripts/neon-gateway.ts.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { Config } from "../config.ts";
import * as schema from "./schema.ts";

export type Db = NeonHttpDatabase<typeof schema>;

/**
 * The driver's endpoint setting is global, but each client here may point elsewhere (a local
 * gateway, or production Neon). So the endpoint rides along in the client's fetch options and
 * this fetch function, installed once, sends the request there. The per-round-trip deadline rides
 * along the same way: the driver's fetch options are fixed per client, a deadline must start
 * with each request.
 */
type RoutedInit = RequestInit & { neonEndpoint?: string; neonTimeoutMs?: number };
neonConfig.fetchFunction = (input: string, init: RoutedInit = {}) => {
  const { neonEndpoint, neonTimeoutMs, ...rest } = init;
  if (neonTimeoutMs) rest.signal = rest.signal ? AbortSignal.any([rest.signal, AbortSignal.timeout(neonTimeoutMs)]) : AbortSignal.timeout(neonTimeoutMs);
  return fetch(neonEndpoint ?? input, rest);
};

function fetchOptions(config: Pick<Config, "neonFetchEndpoint">, extra: RoutedInit = {}): RoutedInit {
  return config.neonFetchEndpoint ? { ...extra, neonEndpoint: config.neonFetchEndpoint } : extra;
}

/**
 * Every round trip has a deadline: a database that hangs (rather than refusing) turns into a
 * timely "Error connecting to database", i.e. a 503 for a request and a retry for a stage.
 */
export function createDb(config: Config): Db {
  const options = fetchOptions(config, { neonTimeoutMs: config.databaseTimeoutMs });
  return drizzle({ client: neon(config.databaseUrl, { fetchOptions: options }), schema });
}

/** A raw client with a deadline, for probes that must answer quickly even when the database hangs. */
export function createProbeClient(config: Config, timeoutMs: number) {
  return neon(config.databaseUrl, { fetchOptions: fetchOptions(config, { neonTimeoutMs: timeoutMs }) });
}

/** The database could not be reached (as opposed to rejecting a query): worth a 503 and a retry. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== "object" || error === null) return false;
  const e = error as { message?: unknown; cause?: unknown; sourceError?: unknown; code?: unknown };
  const message = typeof e.message === "string" ? e.message : "";
  if (/^Error connecting to database|^Server error \(HTTP status (5\d\d|429)\)/.test(message)) return true;
  if (typeof e.code === "string" && /^(08|57P)/.test(e.code)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** Two transactions collided (serialization failure, deadlock): the same request will succeed if retried. */
export function isTransientConflict(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; cause?: unknown };
  if (e.code === "40001" || e.code === "40P01") return true;
  return isTransientConflict(e.cause, depth + 1);
}
