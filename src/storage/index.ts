/**
 * The storage layer: every stage reads and writes objects through `Storage`, never a filesystem.
 * Keys are relative (`audio/<lecture>.mp3`); URIs in rows and responses are `r2://bucket/key` or
 * `s3://bucket/prefix/key`.
 */
import type { StorageConfig } from "../config.ts";
import { createR2Storage } from "./r2.ts";
import { createS3Storage } from "./s3.ts";
import type { Storage } from "./types.ts";

export type { MultipartHooks, Storage, StoredObject, StoredRange } from "./types.ts";
export { RangeNotSatisfiableError, StorageError } from "./types.ts";

export function createStorage(config: StorageConfig): Storage {
  return config.mode === "s3" ? createS3Storage(config) : createR2Storage(config);
}

export async function readText(storage: Storage, key: string): Promise<string | null> {
  const object = await storage.get(key);
  return object ? new Response(object.body).text() : null;
}

export async function readJson<T = unknown>(storage: Storage, key: string): Promise<T | null> {
  const text = await readText(storage, key);
  return text === null ? null : (JSON.parse(text) as T);
}

export function writeJson(storage: Storage, key: string, value: unknown): Promise<void> {
  return storage.put(key, JSON.stringify(value, null, 2), "application/json");
}

/** Readiness: a small object written and deleted again. */
export async function probeStorage(storage: Storage): Promise<void> {
  const key = `.ready/${crypto.randomUUID()}`;
  await storage.put(key, new Date().toISOString(), "text/plain");
  await storage.delete(key);
}
