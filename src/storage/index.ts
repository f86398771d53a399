/**
 * The storage layer: every stage reads and writes objects through `Storage`, never a filesystem.
 * Keys are relative (`audio/<lecture>.mp3`); URIs in rows and responses are `r2://bucket/key` or
 * `s3://bucket/prefix/key`.
 */
import type { StorageConfig } from "../config.ts";
import { createR2Storage } from "./r2.ts";
import { createS3Storage } from "./s3.ts";

export interface StoredObject {
  body: ReadableStream<Uint8Array>;
  size: number;
  contentType?: string;
}

/**
 * Told about a multipart upload's lifecycle, for a caller that keeps its own record of uploads in
 * flight (the storage layer knows nothing of the database).
 */
export interface MultipartHooks {
  /** The upload was opened. No part is sent before this resolves; a rejection aborts the upload. */
  opened(uploadId: string): Promise<void>;
  /** The upload was completed, or aborted after a failure (not called when even the abort failed). */
  closed(uploadId: string, outcome: "completed" | "aborted"): Promise<void>;
}

export interface Storage {
  readonly mode: "r2" | "s3";
  /** The URI stored in rows and shown in responses. */
  uri(key: string): string;
  /** The key behind one of our URIs, or null for anything else. */
  keyOf(uri: string): string | null;
  put(key: string, data: string | Uint8Array, contentType?: string): Promise<void>;
  /** Streams an upload of unknown length with bounded memory (multipart above one part). */
  putStream(key: string, stream: ReadableStream<Uint8Array>, contentType?: string, hooks?: MultipartHooks): Promise<{ size: number }>;
  /** Aborts a multipart upload left open; one that no longer exists (aborted, completed) is done. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  delete(key: string): Promise<void>;
  /** A time-limited GET URL (s3 mode); null where downloads go through the Worker (r2 mode). */
  presignGet(key: string, expiresSec?: number): Promise<string | null>;
}

export function createStorage(config: StorageConfig): Storage {
  return config.mode === "s3" ? createS3Storage(config) : createR2Storage(config);
}

/** Multipart part size: R2 wants equal parts (but the last), S3 at least 5 MiB. */
export const PART_SIZE = 8 * 1024 * 1024;

/** Re-chunks a byte stream into parts of exactly `size` bytes (the last may be shorter). */
export async function* fixedSizeParts(stream: ReadableStream<Uint8Array>, size = PART_SIZE): AsyncGenerator<Uint8Array> {
  let part = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const n = Math.min(size - filled, chunk.byteLength - offset);
      part.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield part;
        part = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield part.subarray(0, filled);
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
