/**
 * Hono's typing for this app, and the per-request services built from the validated config.
 */
import type { Context } from "hono";
import type { Config } from "./config.ts";
import { createDb, type Db } from "./db/client.ts";
import { createStorage, type Storage } from "./storage/index.ts";

export type Bindings = Record<string, unknown>;

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string; config: Config };
}

export type AppContext = Context<AppEnv>;

const dbs = new WeakMap<Config, Db>();
const storages = new WeakMap<Config, Storage>();

export function dbFor(config: Config): Db {
  let db = dbs.get(config);
  if (!db) dbs.set(config, (db = createDb(config)));
  return db;
}

export function storageFor(config: Config): Storage {
  let storage = storages.get(config);
  if (!storage) storages.set(config, (storage = createStorage(config.storage)));
  return storage;
}
