/**
 * What the storage layer offers, whichever backend serves it (R2 binding or S3 API), and the one
 * error callers need to tell apart: the store is unavailable (worth a 503 and a retry).
 */

export interface StoredObject {
  body: ReadableStream<Uint8Array>;
  size: number;
  contentType?: string;
}

/** Part of an object: `body` holds bytes [offset, offset + length); `size` is the whole object's. */
export interface StoredRange extends StoredObject {
  offset: number;
  length: number;
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
  /**
   * Part-level multipart operations, for uploads that span requests (tus): the caller keeps the
   * upload id and the part ETags between them. Every part but the last must have the same size
   * (R2's rule) and at least 5 MiB (S3's).
   */
  createMultipart(key: string, contentType?: string): Promise<string>;
  /** Uploads part `partNumber` (from 1) of an open upload and answers its ETag. */
  uploadPart(key: string, uploadId: string, partNumber: number, data: Uint8Array): Promise<string>;
  /** Completes the upload from its parts' ETags, in part order (part 1 first). */
  completeMultipart(key: string, uploadId: string, etags: string[]): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  /**
   * Bytes [offset, offset + length) of an object, clamped to its end; null when it does not exist.
   * An offset at or past the end throws RangeNotSatisfiableError (which carries the object's size).
   */
  getRange(key: string, offset: number, length: number): Promise<StoredRange | null>;
  delete(key: string): Promise<void>;
  /** A time-limited GET URL (s3 mode); null where downloads go through the Worker (r2 mode). */
  presignGet(key: string, expiresSec?: number): Promise<string | null>;
}

/** A storage call failed; `status` follows HTTP (a backend maps its own failures onto it). */
export class StorageError extends Error {
  constructor(
    /** HTTP-like status: 429 and 5xx mean the store is unavailable for now (retried as transient). */
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
  }

  get unavailable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** A range that starts at or past the end of the object (HTTP 416). */
export class RangeNotSatisfiableError extends StorageError {
  constructor(readonly size: number) {
    super(416, `The range starts past the end of the object (${size} bytes).`);
    this.name = "RangeNotSatisfiableError";
  }
}

/** Ranges are asked for by our own code: a malformed one is a bug, not a storage failure. */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 1) {
    throw new RangeError(`Invalid byte range: offset ${offset}, length ${length}`);
  }
}
