import { ascii, ByteWriter, concatBytes, fromBase64, READ_WINDOW, toBase64, WindowedReader } from "./bytes.ts";
import { expectAudio, UnsupportedAudioError } from "./errors.ts";
import { restamp } from "./ogg.ts";
import { groupUnits, type Unit } from "./plan.ts";
import type { AudioChunk, ByteReader, ChunkOptions, ChunkPlan, ContainerHandler } from "./types.ts";

// WebM/Matroska with an Opus track (what MediaRecorder writes): the Opus packets are remuxed
// into Ogg/Opus chunks (simpler to write than a Matroska file, and accepted by the provider).
// Walks the element tree flat, so MediaRecorder's unknown-size segments and clusters need no
// special case.

const ID = {
  segment: 0x18538067,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  codecId: 0x86,
  codecPrivate: 0x63a2,
  codecDelay: 0x56aa,
  audio: 0xe1,
  channels: 0x9f,
  cluster: 0x1f43b675,
  blockGroup: 0xa0,
  block: 0xa1,
  simpleBlock: 0xa3,
};
/** Elements whose children the walk visits; every other element is skipped whole. */
const DESCEND = new Set([ID.segment, ID.tracks, ID.trackEntry, ID.audio, ID.cluster, ID.blockGroup]);

interface Element {
  id: number;
  /** Where the element and its data start; size -1 = unknown (runs until a sibling or parent). */
  offset: number;
  dataOffset: number;
  size: number;
}

function vint(b: Uint8Array, i: number, keepMarker: boolean): { value: number; length: number } | null {
  const first = b[i];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (i + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let k = 1; k < length; k++) {
    value = value * 256 + b[i + k]!;
    allOnes &&= b[i + k] === 0xff;
  }
  return { value: !keepMarker && allOnes ? -1 : value, length };
}

async function readElement(input: WindowedReader, offset: number): Promise<Element | null> {
  const b = await input.bytes(offset, 12);
  const id = vint(b, 0, true);
  if (!id || id.length > 4) return null;
  const size = vint(b, id.length, false);
  if (!size) return null;
  return { id: id.value, offset, dataOffset: offset + id.length + size.length, size: size.value };
}

const uint = (b: Uint8Array) => b.reduce((n, v) => n * 256 + v, 0);

interface WebmTrack {
  number: number;
  type: number;
  codec: string;
  codecPrivate: Uint8Array | null;
  codecDelayNs: number;
  channels: number;
}

interface Block {
  /** The SimpleBlock/BlockGroup element and where its Opus packet lies. */
  elementOffset: number;
  dataOffset: number;
  dataEnd: number;
  track: number;
}

/** Yields the tracks as they are parsed, then every block, in file order, between from and to. */
async function* walk(input: WindowedReader, from: number, to: number, tracks: WebmTrack[]): AsyncGenerator<Block> {
  let at = from;
  let group: Element | null = null;
  while (at < to) {
    const element = await readElement(input, at);
    if (!element) {
      if (at === from) throw new UnsupportedAudioError("the WebM file is damaged");
      return; // trailing damage: stop at the last complete element
    }
    if (element.id === ID.trackEntry) tracks.push({ number: 0, type: 0, codec: "", codecPrivate: null, codecDelayNs: 0, channels: 1 });
    if (DESCEND.has(element.id)) {
      if (element.id === ID.blockGroup) group = element;
      at = element.dataOffset;
      continue;
    }
    expectAudio(element.size >= 0, "the WebM file has an element of unknown size");
    const end = element.dataOffset + element.size;
    const track = tracks.at(-1);
    if (element.id === ID.simpleBlock || element.id === ID.block) {
      if (end > input.size) return; // a truncated last block
      const head = await input.bytes(element.dataOffset, 12);
      const number = vint(head, 0, false);
      expectAudio(number, "a WebM block is damaged");
      const flags = head[number.length + 2]!;
      const elementOffset = element.id === ID.block && group ? group.offset : element.offset;
      if (flags & 0x06) throw new UnsupportedAudioError("laced WebM blocks are not supported");
      yield { elementOffset, dataOffset: element.dataOffset + number.length + 3, dataEnd: end, track: number.value };
    } else if (track && [ID.trackNumber, ID.trackType, ID.codecId, ID.codecPrivate, ID.codecDelay, ID.channels].includes(element.id)) {
      const value = await input.bytes(element.dataOffset, element.size);
      if (element.id === ID.trackNumber) track.number = uint(value);
      if (element.id === ID.trackType) track.type = uint(value);
      if (element.id === ID.codecId) track.codec = ascii(value, 0, value.length);
      if (element.id === ID.codecPrivate) track.codecPrivate = value.slice();
      if (element.id === ID.codecDelay) track.codecDelayNs = uint(value);
      if (element.id === ID.channels) track.channels = uint(value);
    }
    at = end;
  }
}

/** Samples (at 48 kHz) in an Opus packet, from its TOC byte (RFC 6716 §3.1). */
export function opusSamples(packet: Uint8Array): number {
  const toc = packet[0] ?? 0;
  const config = toc >> 3;
  const tenths = config < 12 ? [100, 200, 400, 600][config % 4]! : config < 16 ? [100, 200][config % 2]! : [25, 50, 100, 200][config % 4]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return (frames * tenths * 48) / 10;
}

interface WebmHeader {
  opusHead: string; // base64
  track: number;
  preSkip: number;
}

interface WebmRecipe {
  from: number;
  to: number;
}

function opusHeadFor(track: WebmTrack): Uint8Array {
  if (track.codecPrivate && ascii(track.codecPrivate, 0, 8) === "OpusHead") return track.codecPrivate;
  const w = new ByteWriter().ascii("OpusHead").u8(1).u8(track.channels);
  w.u16le(Math.round((track.codecDelayNs * 48000) / 1e9)).u32le(48000).u16le(0).u8(0);
  return w.result();
}

const SERIAL = 0x70656761;

/** Ogg pages for a run of Opus packets: at most 255 lacing values or ~1 s per page. */
function oggOpus(opusHead: Uint8Array, packets: Uint8Array[]): Uint8Array {
  const pages: Uint8Array[] = [];
  const page = (granule: number, lacing: number[], body: Uint8Array[], flags: number) => {
    const w = new ByteWriter().ascii("OggS").u8(0).u8(flags).u64le(granule).u32le(SERIAL).u32le(0).u32le(0).u8(lacing.length).bytes(lacing);
    for (const part of body) w.bytes(part);
    const bytes = w.result();
    restamp(bytes, pages.length, granule, flags);
    pages.push(bytes);
  };
  page(0, [opusHead.length], [opusHead], 0x02);
  const tags = new ByteWriter().ascii("OpusTags").u32le(7).ascii("pegasus").u32le(0).result();
  page(0, [tags.length], [tags], 0);
  let granule = 0;
  let lacing: number[] = [];
  let body: Uint8Array[] = [];
  let pageSamples = 0;
  for (const [i, packet] of packets.entries()) {
    const laces = Math.floor(packet.length / 255) + 1;
    if (lacing.length + laces > 255 || pageSamples >= 48000) {
      page(granule, lacing, body, 0);
      lacing = [];
      body = [];
      pageSamples = 0;
    }
    for (let k = 0; k < laces - 1; k++) lacing.push(255);
    lacing.push(packet.length % 255);
    body.push(packet);
    const samples = opusSamples(packet);
    granule += samples;
    pageSamples += samples;
    if (i === packets.length - 1) page(granule, lacing, body, 0x04);
  }
  return concatBytes(pages);
}

export const webm: ContainerHandler = {
  async plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
    const input = new WindowedReader(reader);
    const ebml = await readElement(input, 0);
    expectAudio(ebml && ebml.id === 0x1a45dfa3 && ebml.size > 0, "not a WebM file");
    const tracks: WebmTrack[] = [];
    const blocks = walk(input, ebml.dataOffset + ebml.size, reader.size, tracks);
    let audio: WebmTrack | undefined;
    let opusHead: Uint8Array | null = null;
    async function* units(): AsyncGenerator<Unit> {
      let index = 0;
      let sample = 0;
      for await (const block of blocks) {
        audio ??= tracks.find((t) => t.type === 2 || t.codec.startsWith("A_"));
        expectAudio(audio, "the WebM file has no audio track");
        expectAudio(audio.codec === "A_OPUS", `WebM audio in ${audio.codec || "an unknown codec"} is not supported (only Opus)`);
        opusHead ??= opusHeadFor(audio);
        if (block.track !== audio.number) continue;
        const duration = opusSamples(await input.bytes(block.dataOffset, 2));
        yield { index: index++, offset: block.elementOffset, size: block.dataEnd - block.elementOffset, start: sample, duration };
        sample += duration;
      }
    }
    const ranges = await groupUnits(units(), {
      // The two Ogg header pages, then per packet its lacing and a share of its page's header.
      budget: options.maxChunkBytes - 2 * 27 - 19 - 128 - 64,
      perUnitOverhead: 4,
      contiguous: false,
      overlapTicks: Math.round(options.overlapSec * 48000),
    });
    expectAudio(audio && opusHead, "the WebM file has no audio track");
    const head: Uint8Array = opusHead;
    const preSkip = head[10]! | (head[11]! << 8);
    const header: WebmHeader = { opusHead: toBase64(head), track: (audio as WebmTrack).number, preSkip };
    const chunks: AudioChunk[] = ranges.map((r, index) => {
      const recipe: WebmRecipe = { from: r.from, to: r.to };
      // As for Ogg/Opus: each chunk's decoder drops preSkip samples that precede its start.
      return { index, startSec: r.startTick / 48000, endSec: (r.endTick - preSkip) / 48000, recipe };
    });
    return { format: "webm", durationSec: (ranges.at(-1)!.endTick - preSkip) / 48000, chunks, header };
  },

  async cut(reader, plan, chunk) {
    const header = plan.header as WebmHeader;
    const recipe = chunk.recipe as WebmRecipe;
    // Walked through a window, never read whole: a video track's blocks may lie in between.
    const input = new WindowedReader(reader, Math.min(READ_WINDOW, recipe.to - recipe.from));
    const packets: Uint8Array[] = [];
    for await (const block of walk(input, recipe.from, recipe.to, [])) {
      if (block.track === header.track) packets.push((await input.bytes(block.dataOffset, block.dataEnd - block.dataOffset)).slice());
    }
    expectAudio(packets.length > 0, "the WebM chunk holds no audio");
    return { bytes: oggOpus(fromBase64(header.opusHead), packets), filename: `chunk-${chunk.index}.ogg`, contentType: "audio/ogg" };
  },
};
