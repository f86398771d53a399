/**
 * Multipart uploads send fixed-size parts: R2 wants every part but the last to be the same size,
 * and S3 wants at least 5 MiB each.
 */

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
