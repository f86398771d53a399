import { ascii, concatBytes, readRange, u16le, u32le, u64le, WindowedReader } from "./bytes.ts";
import { expectAudio, UnsupportedAudioError } from "./errors.ts";
import { groupUnits, type Unit } from "./plan.ts";
import type { AudioChunk, ByteReader, ChunkOptions, ChunkPlan, ContainerHandler } from "./types.ts";

// Ogg (Opus or Vorbis): a chunk is the stream's header pages followed by a run of its audio pages,
// renumbered, with granule positions rebased to the chunk's start and the CRCs recomputed. Cuts
// fall only before pages that start a fresh packet.

interface OggPage {
  offset: number;
  size: number;
  flags: number;
  /** -1 when no packet ends on the page */
  granule: number;
  serial: number;
  /** Lacing values: a value below 255 ends a packet. */
  lacing: Uint8Array;
}

const CONTINUED = 0x01;
const BOS = 0x02;
const EOS = 0x04;

async function readPage(input: WindowedReader, offset: number): Promise<OggPage | null> {
  const head = await input.bytes(offset, 27);
  if (head.length < 27 || ascii(head, 0, 4) !== "OggS" || head[4] !== 0) return null;
  const segments = head[26]!;
  const lacing = (await input.bytes(offset + 27, segments)).slice();
  if (lacing.length < segments) return null;
  const body = lacing.reduce((n, v) => n + v, 0);
  const size = 27 + segments + body;
  if (offset + size > input.size) return null;
  const allOnes = u32le(head, 6) === 0xffffffff && u32le(head, 10) === 0xffffffff;
  return { offset, size, flags: head[5]!, granule: allOnes ? -1 : u64le(head, 6), serial: u32le(head, 14), lacing };
}

/** Packets completed on a page. */
const packetsEnding = (page: OggPage) => page.lacing.reduce((n, v) => n + (v < 255 ? 1 : 0), 0);

interface OggHeader {
  codec: "opus" | "vorbis";
  serial: number;
  /** Bytes [0, headerEnd) hold the header pages (with any other stream's pages, skipped on cut). */
  headerEnd: number;
  rate: number;
  preSkip: number;
}

interface OggRecipe {
  from: number;
  to: number;
  /** Granule position the chunk is rebased to (the end of the page before it). */
  base: number;
}

async function readHeader(input: WindowedReader): Promise<OggHeader> {
  const first = await readPage(input, 0);
  expectAudio(first && first.flags & BOS, "not an Ogg stream");
  const id = await input.bytes(first.offset + 27 + first.lacing.length, 19);
  let codec: OggHeader["codec"];
  let rate: number;
  let preSkip = 0;
  let headerPackets: number;
  if (ascii(id, 0, 8) === "OpusHead") {
    codec = "opus";
    rate = 48000; // Opus granules always count 48 kHz samples
    preSkip = u16le(id, 10);
    headerPackets = 2;
  } else if (ascii(id, 0, 7) === "\x01vorbis") {
    codec = "vorbis";
    rate = u32le(id, 12);
    headerPackets = 3;
  } else {
    throw new UnsupportedAudioError("the Ogg stream is neither Opus nor Vorbis");
  }
  expectAudio(rate > 0, "the Ogg stream's header is invalid");
  let at = 0;
  for (let packets = 0; packets < headerPackets; ) {
    const page = await readPage(input, at);
    expectAudio(page, "the Ogg headers are truncated");
    if (page.serial === first.serial) packets += packetsEnding(page);
    at += page.size;
  }
  return { codec, serial: first.serial, headerEnd: at, rate, preSkip };
}

/** Units: runs of this stream's pages between points where a packet starts a page. */
async function* audioUnits(input: WindowedReader, header: OggHeader): AsyncGenerator<Unit> {
  let at = header.headerEnd;
  let granule = 0;
  let index = 0;
  let run: { offset: number; end: number } | null = null;
  while (at < input.size) {
    const page = await readPage(input, at);
    if (!page) {
      // Damage: resynchronise on the next capture pattern, if any.
      const next = await findCapture(input, at + 1);
      if (next < 0) break;
      at = next;
      continue;
    }
    at += page.size;
    if (page.serial !== header.serial) continue;
    run ??= { offset: page.offset, end: page.offset };
    run.end = page.offset + page.size;
    if (page.granule >= 0 && packetsEnding(page) > 0 && page.lacing.at(-1)! < 255) {
      // The page ends on a packet boundary: the next page may start a chunk.
      const duration = Math.max(0, page.granule - granule);
      yield { index: index++, offset: run.offset, size: run.end - run.offset, start: granule, duration };
      granule = Math.max(granule, page.granule);
      run = null;
    }
  }
}

async function findCapture(input: WindowedReader, from: number): Promise<number> {
  for (let at = from; at + 4 <= input.size; at += 4096 - 3) {
    const b = await input.bytes(at, 4096);
    for (let i = 0; i + 4 <= b.length; i++) if (b[i] === 0x4f && b[i + 1] === 0x67 && b[i + 2] === 0x67 && b[i + 3] === 0x53) return at + i;
  }
  return -1;
}

// ---- writing pages ----

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc;
}

/** Sets a page's sequence number, granule and flags in place and recomputes its checksum. */
export function restamp(page: Uint8Array, sequence: number, granule: number | null, flags: number) {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  page[5] = flags;
  if (granule !== null) {
    view.setUint32(6, granule % 2 ** 32, true);
    view.setUint32(10, Math.floor(granule / 2 ** 32), true);
  }
  view.setUint32(18, sequence, true);
  view.setUint32(22, 0, true);
  view.setUint32(22, oggCrc(page), true);
}

/** Splits a byte range of an Ogg file into its pages of one stream (copies). */
function pagesOf(bytes: Uint8Array, serial: number): Uint8Array[] {
  const pages: Uint8Array[] = [];
  for (let at = 0; at + 27 <= bytes.length; ) {
    expectAudio(ascii(bytes, at, 4) === "OggS", "the Ogg stream changed while it was being cut");
    const segments = bytes[at + 26]!;
    let size = 27 + segments;
    for (let i = 0; i < segments; i++) size += bytes[at + 27 + i]!;
    if (u32le(bytes, at + 14) === serial) pages.push(bytes.slice(at, at + size));
    at += size;
  }
  return pages;
}

export const ogg: ContainerHandler = {
  async plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
    const input = new WindowedReader(reader);
    const header = await readHeader(input);
    const ranges = await groupUnits(audioUnits(input, header), {
      budget: options.maxChunkBytes - header.headerEnd,
      perUnitOverhead: 0,
      contiguous: true,
      overlapTicks: Math.round(options.overlapSec * header.rate),
    });
    // Opus: a chunk's decoder drops preSkip samples at its start, which are exactly the samples
    // before the chunk's first page in the original timeline; times are granule - preSkip.
    const seconds = (granule: number) => granule / header.rate;
    const chunks: AudioChunk[] = ranges.map((r, index) => {
      const recipe: OggRecipe = { from: r.from, to: r.to, base: r.startTick };
      return { index, startSec: seconds(r.startTick), endSec: seconds(r.endTick - header.preSkip), recipe };
    });
    return { format: "ogg", durationSec: seconds(ranges.at(-1)!.endTick - header.preSkip), chunks, header };
  },

  async cut(reader, plan, chunk) {
    const header = plan.header as OggHeader;
    const recipe = chunk.recipe as OggRecipe;
    const headerPages = pagesOf(await readRange(reader, 0, header.headerEnd), header.serial);
    const audioPages = pagesOf(await readRange(reader, recipe.from, recipe.to - recipe.from), header.serial);
    expectAudio(audioPages.length > 0, "the Ogg chunk holds no pages");
    // Header pages keep their granules; a Vorbis setup header may continue over several pages.
    for (const [i, page] of headerPages.entries()) restamp(page, i, null, (page[5]! & CONTINUED) | (i === 0 ? BOS : 0));
    for (const [i, page] of audioPages.entries()) {
      const granule = u32le(page, 6) === 0xffffffff && u32le(page, 10) === 0xffffffff ? null : u64le(page, 6) - recipe.base;
      const flags = (page[5]! & CONTINUED) | (i === audioPages.length - 1 ? EOS : 0);
      restamp(page, headerPages.length + i, granule, flags);
    }
    return { bytes: concatBytes([...headerPages, ...audioPages]), filename: `chunk-${chunk.index}.ogg`, contentType: "audio/ogg" };
  },
};
