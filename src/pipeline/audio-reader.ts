/**
 * Random access to a stored recording for the audio chunker, through ranged storage reads. A
 * Worker has 128 MB, so the recording is never read whole: each request fetches at most one
 * block (1 MiB), and the last two blocks are kept, so a parser walking a file header by header
 * costs one request per block rather than one per header.
 */
import type { ByteReader } from "../domain/audio/index.ts";
import type { Storage } from "../storage/index.ts";
import { TransientJobError } from "./errors.ts";

export const READ_BLOCK_BYTES = 1024 * 1024;
const CACHED_BLOCKS = 2;

export interface StorageReader extends ByteReader {
  /** Ranged requests made so far (for logs and the bench). */
  readonly requests: number;
}

export function storageReader(storage: Storage, key: string, size: number): StorageReader {
  const blocks = new Map<number, Promise<Uint8Array>>();
  let requests = 0;

  async function fetchRange(offset: number, length: number): Promise<Uint8Array> {
    requests++;
    const range = await storage.getRange(key, offset, length);
    // The recording vanished mid-transcription (re-ingested or deleted): its job is gone too,
    // or will fail on its next look; a retry sorts out which.
    if (!range) throw new TransientJobError("The recording is no longer in storage.");
    return new Uint8Array(await new Response(range.body).arrayBuffer());
  }

  function block(index: number): Promise<Uint8Array> {
    let cached = blocks.get(index);
    if (cached) {
      blocks.delete(index); // re-inserted below: most recently used last
    } else {
      const offset = index * READ_BLOCK_BYTES;
      cached = fetchRange(offset, Math.min(READ_BLOCK_BYTES, size - offset));
      cached.catch(() => blocks.delete(index));
    }
    blocks.set(index, cached);
    while (blocks.size > CACHED_BLOCKS) blocks.delete(blocks.keys().next().value!);
    return cached;
  }

  return {
    size,
    get requests() {
      return requests;
    },
    async read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.max(0, Math.min(offset, size));
      const end = Math.min(size, start + Math.max(0, length));
      if (end <= start) return new Uint8Array(0);
      const first = Math.floor(start / READ_BLOCK_BYTES);
      const last = Math.floor((end - 1) / READ_BLOCK_BYTES);
      // Small reads go through the block cache; a chunk's worth of bytes is fetched block by block
      // straight into its buffer (the caller holds that chunk anyway), without caching it.
      if (last - first < CACHED_BLOCKS) {
        const parts = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => block(first + i)));
        if (parts.length === 1) return parts[0]!.subarray(start - first * READ_BLOCK_BYTES, end - first * READ_BLOCK_BYTES);
        const out = new Uint8Array(end - start);
        let at = 0;
        parts.forEach((part, i) => {
          const blockStart = (first + i) * READ_BLOCK_BYTES;
          const slice = part.subarray(Math.max(0, start - blockStart), Math.min(part.length, end - blockStart));
          out.set(slice, at);
          at += slice.length;
        });
        return out;
      }
      const out = new Uint8Array(end - start);
      for (let at = start; at < end; at += READ_BLOCK_BYTES) {
        out.set(await fetchRange(at, Math.min(READ_BLOCK_BYTES, end - at)), at - start);
      }
      return out;
    },
  };
}
