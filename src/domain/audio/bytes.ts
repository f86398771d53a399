import { UnsupportedAudioError } from "./errors.ts";
import type { ByteReader } from "./types.ts";

/** Largest single read the parsers issue; storage reads stay ranged and bounded. */
export const READ_WINDOW = 1 << 20;

/**
 * Sequential-friendly view over a ByteReader: keeps one window of at most READ_WINDOW bytes, so
 * parsers can ask for a few bytes at a time without one storage read each.
 */
export class WindowedReader {
  private windowStart = 0;
  private window: Uint8Array = new Uint8Array(0);

  readonly source: ByteReader;
  private readonly windowSize: number;

  constructor(source: ByteReader, windowSize = READ_WINDOW) {
    this.source = source;
    this.windowSize = windowSize;
  }

  get size(): number {
    return this.source.size;
  }

  /** Bytes [offset, offset+length), shorter only at the end of the object. */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, this.source.size);
    if (offset >= end) return new Uint8Array(0);
    if (offset < this.windowStart || end > this.windowStart + this.window.length) {
      if (end - offset > this.windowSize) return this.source.read(offset, end - offset);
      this.windowStart = offset;
      this.window = await this.source.read(offset, Math.min(this.windowSize, this.source.size - offset));
    }
    return this.window.subarray(offset - this.windowStart, end - this.windowStart);
  }
}

export const u16be = (b: Uint8Array, i: number) => ((b[i]! << 8) | b[i + 1]!) >>> 0;
export const u24be = (b: Uint8Array, i: number) => ((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!) >>> 0;
export const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
export const u64be = (b: Uint8Array, i: number) => u32be(b, i) * 2 ** 32 + u32be(b, i + 4);
export const u16le = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8)) >>> 0;
export const u32le = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
export const u64le = (b: Uint8Array, i: number) => u32le(b, i) + u32le(b, i + 4) * 2 ** 32;
export const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Appends big- or little-endian fields without precomputing the size. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  bytes(b: Uint8Array | readonly number[]) {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  ascii(s: string) {
    return this.bytes(Array.from(s, (c) => c.charCodeAt(0)));
  }
  u8(v: number) {
    return this.bytes([v & 0xff]);
  }
  u16be(v: number) {
    return this.bytes([(v >>> 8) & 0xff, v & 0xff]);
  }
  u32be(v: number) {
    return this.bytes([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
  }
  u16le(v: number) {
    return this.bytes([v & 0xff, (v >>> 8) & 0xff]);
  }
  u32le(v: number) {
    return this.bytes([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
  }
  u64le(v: number) {
    return this.u32le(v % 2 ** 32).u32le(Math.floor(v / 2 ** 32));
  }
  /** Overwrites a 32-bit big-endian field written earlier (box sizes). */
  patchU32be(at: number, v: number) {
    this.buf[at] = (v >>> 24) & 0xff;
    this.buf[at + 1] = (v >>> 16) & 0xff;
    this.buf[at + 2] = (v >>> 8) & 0xff;
    this.buf[at + 3] = v & 0xff;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Base64 for the few header bytes a plan carries (codec configuration); plans are JSON. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Fills `target` from the source starting at `offset`, in reads of at most READ_WINDOW bytes. */
export async function readInto(reader: ByteReader, offset: number, target: Uint8Array): Promise<void> {
  for (let done = 0; done < target.length; ) {
    const part = await reader.read(offset + done, Math.min(target.length - done, READ_WINDOW));
    if (part.length === 0) throw new UnsupportedAudioError("the file is truncated");
    target.set(part.subarray(0, target.length - done), done);
    done += part.length;
  }
}

/** Bytes [offset, offset+length) in reads of at most READ_WINDOW bytes; the caller bounds `length`. */
export async function readRange(reader: ByteReader, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await readInto(reader, offset, out);
  return out;
}
