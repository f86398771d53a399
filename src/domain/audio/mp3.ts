import { ascii, readRange, WindowedReader } from "./bytes.ts";
import { expectAudio } from "./errors.ts";
import { groupUnits, type Unit } from "./plan.ts";
import type { AudioChunk, ByteReader, ChunkOptions, ChunkPlan, ContainerHandler } from "./types.ts";

// MPEG audio (Layer III, also I/II): a sequence of self-describing frames. Chunks are byte
// ranges of whole frames; ID3 tags and the Xing/Info/VBRI frame (whose counts describe the whole
// file) are left out, so every chunk is a plain frame sequence.

interface FrameHeader {
  /** 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (the header's own code) */
  version: number;
  layer: number;
  sampleRate: number;
  samples: number;
  size: number;
  mono: boolean;
}

const BITRATES: Record<string, number[]> = {
  "v1l1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "v1l2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "v1l3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "v2l1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "v2l2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

export function parseFrameHeader(b: Uint8Array, i: number): FrameHeader | null {
  if (i + 4 > b.length || b[i] !== 0xff || (b[i + 1]! & 0xe0) !== 0xe0) return null;
  const version = (b[i + 1]! >> 3) & 3;
  const layerBits = (b[i + 1]! >> 1) & 3;
  const bitrateIndex = b[i + 2]! >> 4;
  const rateIndex = (b[i + 2]! >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const layer = 4 - layerBits;
  const table = version === 3 ? `v1l${layer}` : layer === 1 ? "v2l1" : "v2l2";
  const bitrate = BITRATES[table]![bitrateIndex]! * 1000;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (b[i + 2]! >> 1) & 1;
  const samples = layer === 1 ? 384 : layer === 2 || version === 3 ? 1152 : 576;
  const size = layer === 1 ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4 : Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { version, layer, sampleRate, samples, size, mono: b[i + 3]! >> 6 === 3 };
}

const sameStream = (a: FrameHeader, b: FrameHeader) => a.version === b.version && a.layer === b.layer && a.sampleRate === b.sampleRate;

/**
 * The Xing/Info or VBRI frame carries whole-file counts, not audio. A LAME tag in it also gives
 * the encoder delay: decoders drop those first samples of the file, but a chunk without the tag
 * plays them, so the chunks' times are shifted by it.
 */
async function infoFrame(input: WindowedReader, offset: number, h: FrameHeader): Promise<{ delay: number } | null> {
  const sideInfo = h.version === 3 ? (h.mono ? 17 : 32) : h.mono ? 9 : 17;
  const b = await input.bytes(offset, Math.min(h.size, 200));
  const xing = 4 + sideInfo;
  const tag = ascii(b, xing, 4);
  if (ascii(b, 36, 4) === "VBRI") return { delay: 0 };
  if (tag !== "Xing" && tag !== "Info") return null;
  const flags = b[xing + 7] ?? 0;
  const lame = xing + 8 + (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  if (lame + 24 > b.length || !/^(LAME|Lavc|Lavf|L3.99)/.test(ascii(b, lame, 4))) return { delay: 0 };
  // 12 bits of delay, then 12 of padding; the decoder's own 529-sample delay comes on top.
  const delay = ((b[lame + 21]! << 4) | (b[lame + 22]! >> 4)) + 529;
  return { delay };
}

/** Where the frames are: after an ID3v2 tag, before an ID3v1 tag. */
async function audioBounds(input: WindowedReader) {
  let start = 0;
  // Some files carry several ID3v2 tags in a row.
  for (;;) {
    const id3 = await input.bytes(start, 10);
    if (id3.length < 10 || ascii(id3, 0, 3) !== "ID3") break;
    const size = ((id3[6]! & 0x7f) << 21) | ((id3[7]! & 0x7f) << 14) | ((id3[8]! & 0x7f) << 7) | (id3[9]! & 0x7f);
    start += 10 + size + (id3[5]! & 0x10 ? 10 : 0);
  }
  let end = input.size;
  // Read past the window, so the scan from the start does not read its first megabyte twice.
  if (end - start >= 128 && ascii(await input.source.read(end - 128, 3), 0, 3) === "TAG") end -= 128;
  return { start, end };
}

/**
 * Finds the next frame at or after `offset` whose successor also parses (or which ends exactly at
 * `end`), so stray 0xFF bytes inside tags or junk are not taken for frames.
 */
async function syncFrom(input: WindowedReader, offset: number, end: number, like: FrameHeader | null, limit: number) {
  for (let at = offset; at + 4 <= end && at < offset + limit; at++) {
    const window = await input.bytes(at, 4);
    const h = parseFrameHeader(window, 0);
    if (!h || (like && !sameStream(like, h))) continue;
    if (at + h.size === end) return { at, h };
    const next = parseFrameHeader(await input.bytes(at + h.size, 4), 0);
    if (next && sameStream(h, next)) return { at, h };
  }
  return null;
}

async function* frames(input: WindowedReader, start: number, end: number, first: FrameHeader): AsyncGenerator<Unit> {
  let at = start;
  let tick = 0;
  let index = 0;
  while (at + 4 <= end) {
    let h = parseFrameHeader(await input.bytes(at, 4), 0);
    if (!h || !sameStream(first, h) || at + h.size > end) {
      // Damage or trailing junk (APE tags...): resynchronise on the next frame pair, if any.
      const found = await syncFrom(input, at + 1, end, first, end);
      if (!found) return;
      at = found.at;
      h = found.h;
    }
    if (at + h.size > end) return;
    yield { index: index++, offset: at, size: h.size, start: tick, duration: h.samples };
    tick += h.samples;
    at += h.size;
  }
}

export const mp3: ContainerHandler = {
  async plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
    const input = new WindowedReader(reader);
    const { start, end } = await audioBounds(input);
    const found = await syncFrom(input, start, end, null, 64 * 1024);
    expectAudio(found, "no MPEG audio frames found");
    let first = found.at;
    const info = await infoFrame(input, found.at, found.h);
    if (info) first += found.h.size;
    const delay = info?.delay ?? 0;
    const rate = found.h.sampleRate;
    const ranges = await groupUnits(frames(input, first, end, found.h), {
      budget: options.maxChunkBytes,
      perUnitOverhead: 0,
      contiguous: true,
      overlapTicks: Math.round(options.overlapSec * rate),
    });
    const chunks: AudioChunk[] = ranges.map((r, index) => ({
      index,
      // The first chunk starts the encoder delay before the recording's time zero.
      startSec: (r.startTick - delay) / rate,
      endSec: (r.endTick - delay) / rate,
      recipe: { from: r.from, to: r.to },
    }));
    return { format: "mp3", durationSec: (ranges.at(-1)!.endTick - delay) / rate, chunks };
  },

  async cut(reader, _plan, chunk) {
    const { from, to } = chunk.recipe as { from: number; to: number };
    return { bytes: await readRange(reader, from, to - from), filename: `chunk-${chunk.index}.mp3`, contentType: "audio/mpeg" };
  },
};
