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
 * this fetch function, installed once, sends the request there.
 */
type RoutedInit = RequestInit & { neonEndpoint?: string };
neonConfig.fetchFunction = (input: string, init?: RoutedInit) => {
  if (!init?.neonEndpoint) return fetch(input, init);
  const { neonEndpoint, ...rest } = init;
  return fetch(neonEndpoint, rest);
};

function fetchOptions(config: Pick<Config, "neonFetchEndpoint">, extra: RequestInit = {}): RoutedInit {
  return config.neonFetchEndpoint ? { ...extra, neonEndpoint: config.neonFetchEndpoint } : extra;
}

export function createDb(config: Config): Db {
  return drizzle({ client: neon(config.databaseUrl, { fetchOptions: fetchOptions(config) }), schema });
}

/** A raw client with a deadline, for probes that must answer quickly even when the database hangs. */
export function createProbeClient(config: Config, timeoutMs: number) {
  return neon(config.databaseUrl, { fetchOptions: fetchOptions(config, { signal: AbortSignal.timeout(timeoutMs) }) });
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
