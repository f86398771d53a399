/**
 * What a handler needs beyond the request: the validated config and the clients built from it.
 * Resolved lazily, so routes that need no configuration (health, presets, docs) never fail on it.
 */
import { describeIssues, loadConfig, type Config } from "./config.ts";
import { dbFor, storageFor, type AppContext } from "./context.ts";
import type { Db } from "./db/client.ts";
import type { StageRegistry } from "./jobs/engine.ts";
import { pipelineStages } from "./pipeline/index.ts";
import type { Storage } from "./storage/index.ts";

export class MisconfiguredError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "MisconfiguredError";
  }
}

const reported = new WeakSet<object>();

export function configFromEnv(env: object): Config {
  const loaded = loadConfig(env);
  if (loaded.ok) return loaded.config;
  const detail = `Server misconfigured: ${describeIssues(loaded.issues)}.`;
  if (!reported.has(env)) {
    reported.add(env);
    console.error(JSON.stringify({ level: "error", msg: "invalid configuration", detail }));
  }
  throw new MisconfiguredError(detail);
}

export interface Services {
  config: Config;
  db: Db;
  storage: Storage;
  /** The pipeline, as the job runner sees it. */
  stages: StageRegistry;
}

export function servicesFromEnv(env: object): Services {
  const config = configFromEnv(env);
  return { config, db: dbFor(config), storage: storageFor(config), stages: pipelineStages };
}

export function services(c: AppContext): Services {
  return servicesFromEnv(c.env);
}
