import { ascii, concatBytes, fromBase64, readRange, toBase64, u24be, WindowedReader } from "./bytes.ts";
import { expectAudio } from "./errors.ts";
import { groupUnits, type Unit } from "./plan.ts";
import type { AudioChunk, ByteReader, ChunkOptions, ChunkPlan, ContainerHandler } from "./types.ts";

// FLAC: "fLaC", metadata blocks, then frames that carry no length. Frames are found by their sync
// code, accepted only when the header's CRC-8 holds and its frame/sample number is the one
// expected next, so audio bytes that happen to look like a sync code are never taken for one.
// A chunk is "fLaC" + the STREAMINFO (total samples set to the chunk's, MD5 cleared) + frames.

interface FlacHeader {
  streamInfo: string; // base64, 34 bytes
  sampleRate: number;
}

interface FlacRecipe {
  from: number;
  to: number;
  samples: number;
}

const CRC8 = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[i] = c;
  }
  return table;
})();

interface FrameInfo {
  /** Frame number (fixed block size) or first sample number (variable). */
  number: number;
  variable: boolean;
  blockSize: number;
}

/** Parses and checks a frame header at `i`; null when it is not one. */
function parseFrame(b: Uint8Array, i: number): FrameInfo | null {
  if (b[i] !== 0xff || (b[i + 1]! & 0xfe) !== 0xf8 || i + 6 > b.length) return null;
  const variable = (b[i + 1]! & 1) === 1;
  const sizeCode = b[i + 2]! >> 4;
  const rateCode = b[i + 2]! & 0x0f;
  if (sizeCode === 0 || rateCode === 15 || (b[i + 3]! >> 4) > 10 || ((b[i + 3]! >> 1) & 7) === 3 || (b[i + 3]! & 1)) return null;
  // The UTF-8-like coded number.
  let at = i + 4;
  const lead = b[at++]!;
  let extra = 0;
  let number = lead;
  if (lead >= 0x80) {
    if (lead >= 0xfe) number = 0, extra = 6;
    else if (lead >= 0xfc) number = lead & 0x01, extra = 5;
    else if (lead >= 0xf8) number = lead & 0x03, extra = 4;
    else if (lead >= 0xf0) number = lead & 0x07, extra = 3;
    else if (lead >= 0xe0) number = lead & 0x0f, extra = 2;
    else if (lead >= 0xc0) number = lead & 0x1f, extra = 1;
    else return null;
  }
  for (let k = 0; k < extra; k++) {
    const c = b[at++]!;
    if ((c & 0xc0) !== 0x80) return null;
    number = number * 64 + (c & 0x3f);
  }
  let blockSize: number;
  if (sizeCode === 1) blockSize = 192;
  else if (sizeCode <= 5) blockSize = 576 << (sizeCode - 2);
  else if (sizeCode === 6) blockSize = b[at++]! + 1;
  else if (sizeCode === 7) (blockSize = ((b[at]! << 8) | b[at + 1]!) + 1), (at += 2);
  else blockSize = 256 << (sizeCode - 8);
  if (rateCode === 12) at += 1;
  else if (rateCode === 13 || rateCode === 14) at += 2;
  if (at >= b.length) return null;
  let crc = 0;
  for (let k = i; k < at; k++) crc = CRC8[crc ^ b[k]!]!;
  return crc === b[at] ? { number, variable, blockSize } : null;
}

/** The next frame at or after `from` whose number is `expected` (frame or sample number). */
async function findFrame(input: WindowedReader, from: number, expected: (f: FrameInfo) => boolean): Promise<{ at: number; frame: FrameInfo } | null> {
  const step = 64 * 1024;
  for (let base = from; base < input.size; base += step) {
    const b = await input.bytes(base, step + 16);
    const limit = Math.min(step, b.length);
    for (let i = 0; i < limit; i++) {
      if (b[i] !== 0xff) continue;
      const frame = parseFrame(b, i);
      if (frame && expected(frame)) return { at: base + i, frame };
    }
  }
  return null;
}

/** Frames skipped over a damaged stretch that a resynchronisation still accepts. */
const MAX_FRAME_GAP = 4096;

async function* frames(input: WindowedReader, audioStart: number): AsyncGenerator<Unit> {
  const first = await findFrame(input, audioStart, () => true);
  expectAudio(first && first.at === audioStart, "FLAC audio does not start with a frame");
  const variable = first.frame.variable;
  // Fixed-size streams number frames; a frame's first sample is its number times the block size.
  const nominal = first.frame.blockSize;
  const startOf = (f: FrameInfo) => (variable ? f.number : f.number * nominal);
  let current = first;
  let index = 0;
  for (;;) {
    const start = startOf(current.frame);
    const expected = start + current.frame.blockSize;
    // The next frame starts where this one ends; after damage, a little later. A frame is at
    // least a few bytes long: start looking past this one's header.
    const next = await findFrame(input, current.at + 6, (f) => {
      if (f.variable !== variable) return false;
      const at = startOf(f);
      return at >= expected && at <= expected + MAX_FRAME_GAP * nominal;
    });
    const end = next ? next.at : input.size;
    yield { index: index++, offset: current.at, size: end - current.at, start, duration: current.frame.blockSize };
    if (!next) return;
    current = next;
  }
}

export const flac: ContainerHandler = {
  async plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
    const input = new WindowedReader(reader);
    expectAudio(ascii(await input.bytes(0, 4), 0, 4) === "fLaC", "not a FLAC file");
    let at = 4;
    let streamInfo: Uint8Array | null = null;
    for (let last = false; !last; ) {
      const head = await input.bytes(at, 4);
      expectAudio(head.length === 4, "FLAC metadata is truncated");
      last = (head[0]! & 0x80) !== 0;
      const length = u24be(head, 1);
      if ((head[0]! & 0x7f) === 0) {
        expectAudio(length === 34, "FLAC STREAMINFO is invalid");
        streamInfo = (await input.bytes(at + 4, 34)).slice();
      }
      at += 4 + length;
      expectAudio(at <= reader.size, "FLAC metadata is truncated");
    }
    expectAudio(streamInfo, "FLAC file has no STREAMINFO");
    const sampleRate = (streamInfo[10]! << 12) | (streamInfo[11]! << 4) | (streamInfo[12]! >> 4);
    expectAudio(sampleRate > 0, "FLAC sample rate is invalid");
    const ranges = await groupUnits(frames(input, at), {
      budget: options.maxChunkBytes - 4 - 4 - 34,
      perUnitOverhead: 0,
      contiguous: true,
      overlapTicks: Math.round(options.overlapSec * sampleRate),
    });
    const header: FlacHeader = { streamInfo: toBase64(streamInfo), sampleRate };
    const chunks: AudioChunk[] = ranges.map((r, index) => {
      const recipe: FlacRecipe = { from: r.from, to: r.to, samples: r.endTick - r.startTick };
      return { index, startSec: r.startTick / sampleRate, endSec: r.endTick / sampleRate, recipe };
    });
    return { format: "flac", durationSec: ranges.at(-1)!.endTick / sampleRate, chunks, header };
  },

  async cut(reader, plan, chunk) {
    const header = plan.header as FlacHeader;
    const recipe = chunk.recipe as FlacRecipe;
    const info = fromBase64(header.streamInfo);
    // Total samples: the low 36 bits of bytes 13-17; the MD5 no longer applies.
    info[13] = (info[13]! & 0xf0) | (Math.floor(recipe.samples / 2 ** 32) & 0x0f);
    new DataView(info.buffer).setUint32(14, recipe.samples % 2 ** 32);
    info.fill(0, 18, 34);
    const blockHeader = new Uint8Array([0x80, 0, 0, 34]);
    const frames = await readRange(reader, recipe.from, recipe.to - recipe.from);
    return { bytes: concatBytes([new TextEncoder().encode("fLaC"), blockHeader, info, frames]), filename: `chunk-${chunk.index}.flac`, contentType: "audio/flac" };
  },
};
