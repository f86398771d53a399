/**
 * The only place that creates database clients. Production and local runs use the same Neon
 * HTTP driver; locally NEON_FETCH_ENDPOINT points it at the gateway in scripts/neon-gateway.ts.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { Config } from "../config.ts";
import * as schema from "./schema.ts";

export type Db = NeonHttpDatabase<typeof schema>;

const NEON_DEFAULT_ENDPOINT = neonConfig.fetchEndpoint;

/** The endpoint setting is global in the driver; only a local run overrides it. */
function pointDriverAt(config: Pick<Config, "neonFetchEndpoint">) {
  neonConfig.fetchEndpoint = config.neonFetchEndpoint ?? NEON_DEFAULT_ENDPOINT;
}

export function createDb(config: Config): Db {
  pointDriverAt(config);
  return drizzle({ client: neon(config.databaseUrl), schema });
}

/** A raw client with a deadline, for probes that must answer quickly even when the database hangs. */
export function createProbeClient(config: Config, timeoutMs: number) {
  pointDriverAt(config);
  return neon(config.databaseUrl, { fetchOptions: { signal: AbortSignal.timeout(timeoutMs) } });
}
