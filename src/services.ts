/**
 * The composition root: what a handler, the queue consumer or the cron needs beyond its input,
 * built from the validated configuration. Clients are made once per configuration (the runtime
 * reuses the env object across requests) and handed to each request through its context.
 */
import { createMiddleware } from "hono/factory";
import { describeIssues, loadConfig, type Config } from "./config.ts";
import type { AppEnv } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import type { StageRegistry } from "./jobs/engine.ts";
import { pipelineStages } from "./pipeline/index.ts";
import { createStorage, type Storage } from "./storage/index.ts";

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

const built = new WeakMap<Config, Services>();

export function servicesFromEnv(env: object): Services {
  const config = configFromEnv(env);
  let services = built.get(config);
  if (!services) {
    services = { config, db: createDb(config), storage: createStorage(config.storage), stages: pipelineStages };
    built.set(config, services);
  }
  return services;
}

/**
 * Puts the request's services on its context. They are built on first use, so routes that need
 * no configuration (health, presets, docs) keep answering when it is broken.
 */
export const provideServices = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    let services: Services | undefined;
    c.set("services", () => (services ??= servicesFromEnv(c.env)));
    await next();
  });
