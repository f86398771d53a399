import { ascii, ByteWriter, READ_WINDOW, readRange, u32be, u64be, WindowedReader } from "./bytes.ts";
import { expectAudio, UnsupportedAudioError } from "./errors.ts";
import { groupUnits, type Unit } from "./plan.ts";
import type { AudioChunk, ByteReader, ChunkOptions, ChunkPlan, ContainerHandler } from "./types.ts";

// MP4/M4A with an AAC track. The sample table in moov (at the start, or at the end as phones
// write it) says where every AAC frame is; a chunk is a minimal M4A (ftyp, moov with one track
// whose sample description is copied from the original, mdat) holding a run of those frames.
// Written by hand rather than with mp4box: only stbl parsing and one fixed box layout are needed,
// and mp4box would add ~41 KB gzipped to the Worker.

// moov is held in memory to read the sample table: a 4-hour AAC track needs ~3 MB.
const MAX_MOOV_BYTES = 32 * 1024 * 1024;

interface Box {
  type: string;
  start: number;
  dataStart: number;
  end: number;
}

/** Child boxes of data[from, to). */
function boxes(data: Uint8Array, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let at = from; at + 8 <= to; ) {
    let size = u32be(data, at);
    let header = 8;
    if (size === 1) (size = u64be(data, at + 8)), (header = 16);
    else if (size === 0) size = to - at;
    expectAudio(size >= header && at + size <= to, "the MP4 box structure is damaged");
    out.push({ type: ascii(data, at + 4, 4), start: at, dataStart: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (data: Uint8Array, box: Box, type: string, skip = 0) => boxes(data, box.dataStart + skip, box.end).find((b) => b.type === type);

interface SampleTable {
  trackId: number;
  /** Per-sample defaults for movie fragments (mvex/trex). */
  trex: { duration: number; size: number };
  timescale: number;
  /** Decoding starts this many ticks before the presentation's zero (AAC priming, from elst). */
  mediaTime: number;
  stsd: Uint8Array;
  sttsEntries: number;
  count: number;
  samples(): Generator<{ index: number; offset: number; size: number; dts: number; duration: number }>;
}

/** The first sound track's sample table. */
function sampleTable(moov: Uint8Array): SampleTable {
  const root: Box = { type: "moov", start: 0, dataStart: 8, end: moov.length };
  for (const trak of boxes(moov, root.dataStart, root.end).filter((b) => b.type === "trak")) {
    const mdia = child(moov, trak, "mdia");
    const hdlr = mdia && child(moov, mdia, "hdlr");
    if (!mdia || !hdlr || ascii(moov, hdlr.dataStart + 8, 4) !== "soun") continue;
    const tkhd = child(moov, trak, "tkhd");
    const trackId = tkhd ? (moov[tkhd.dataStart] === 1 ? u32be(moov, tkhd.dataStart + 20) : u32be(moov, tkhd.dataStart + 12)) : 1;
    const trex = { duration: 0, size: 0 };
    const mvex = boxes(moov, root.dataStart, root.end).find((b) => b.type === "mvex");
    for (const box of mvex ? boxes(moov, mvex.dataStart, mvex.end) : []) {
      if (box.type === "trex" && u32be(moov, box.dataStart + 4) === trackId) {
        trex.duration = u32be(moov, box.dataStart + 12);
        trex.size = u32be(moov, box.dataStart + 16);
      }
    }
    const mdhd = child(moov, mdia, "mdhd")!;
    const timescale = moov[mdhd.dataStart] === 1 ? u32be(moov, mdhd.dataStart + 20) : u32be(moov, mdhd.dataStart + 12);
    const minf = child(moov, mdia, "minf");
    const stbl = minf && child(moov, minf, "stbl");
    expectAudio(stbl && timescale > 0, "the MP4 sound track has no sample table");
    const find = (type: string) => child(moov, stbl, type);
    const found = [find("stsd"), find("stts"), find("stsc"), find("stsz"), find("stco") ?? find("co64")];
    expectAudio(found.every(Boolean), "the MP4 sample table is incomplete");
    const [stsd, stts, stsc, stsz, stco] = found as Box[] as [Box, Box, Box, Box, Box];
    const entry = boxes(moov, stsd.dataStart + 8, stsd.end)[0];
    expectAudio(entry, "the MP4 sound track has no sample description");
    if (entry.type !== "mp4a") throw new UnsupportedAudioError(`MP4 audio in "${entry.type}" is not supported (only AAC)`);
    let mediaTime = 0;
    const edts = child(moov, trak, "edts");
    const elst = edts && child(moov, edts, "elst");
    if (elst) {
      const v1 = moov[elst.dataStart] === 1;
      const first = elst.dataStart + 8;
      // An empty edit (media time -1) shifts the start later; the first real edit gives the skip.
      const media = v1 ? u64be(moov, first + 8) : u32be(moov, first + 4);
      if (media !== 0xffffffff && media < 2 ** 52) mediaTime = media;
    }
    const count = u32be(moov, stsz.dataStart + 8);
    const fixedSize = u32be(moov, stsz.dataStart + 4);
    const co64 = stco.type === "co64";
    const chunkCount = u32be(moov, stco.dataStart + 4);
    const stscCount = u32be(moov, stsc.dataStart + 4);
    const sttsCount = u32be(moov, stts.dataStart + 4);
    expectAudio(stsz.dataStart + 12 + (fixedSize ? 0 : count * 4) <= stsz.end, "the MP4 sample sizes are truncated");
    expectAudio(stco.dataStart + 8 + chunkCount * (co64 ? 8 : 4) <= stco.end, "the MP4 chunk offsets are truncated");
    expectAudio(stsc.dataStart + 8 + stscCount * 12 <= stsc.end && stts.dataStart + 8 + sttsCount * 8 <= stts.end, "the MP4 sample table is truncated");
    function* samples() {
      let index = 0;
      let dts = 0;
      let sttsIndex = 0;
      let sttsLeft = sttsCount > 0 ? u32be(moov, stts.dataStart + 8) : 0;
      for (let s = 0; s < stscCount; s++) {
        const at = stsc.dataStart + 8 + s * 12;
        const firstChunk = u32be(moov, at);
        const perChunk = u32be(moov, at + 4);
        const lastChunk = s + 1 < stscCount ? u32be(moov, at + 12) - 1 : chunkCount;
        for (let c = firstChunk; c <= lastChunk && c <= chunkCount; c++) {
          let offset = co64 ? u64be(moov, stco.dataStart + 8 + (c - 1) * 8) : u32be(moov, stco.dataStart + 8 + (c - 1) * 4);
          for (let k = 0; k < perChunk && index < count; k++) {
            while (sttsLeft === 0 && sttsIndex + 1 < sttsCount) sttsLeft = u32be(moov, stts.dataStart + 8 + ++sttsIndex * 8);
            const duration = u32be(moov, stts.dataStart + 12 + sttsIndex * 8);
            sttsLeft--;
            const size = fixedSize || u32be(moov, stsz.dataStart + 12 + index * 4);
            yield { index, offset, size, dts, duration };
            offset += size;
            dts += duration;
            index++;
          }
        }
      }
    }
    return { trackId, trex, timescale, mediaTime, stsd: moov.slice(stsd.start, stsd.end), sttsEntries: sttsCount, count, samples };
  }
  throw new UnsupportedAudioError("the MP4 file has no audio track");
}

/** A top-level box header read through the window; null past the end or when damaged. */
async function topBox(input: WindowedReader, at: number): Promise<{ type: string; size: number } | null> {
  const head = await input.bytes(at, 16);
  if (head.length < 8) return null;
  let size = u32be(head, 0);
  if (size === 1 && head.length === 16) size = u64be(head, 8);
  else if (size === 0) size = input.size - at;
  const type = ascii(head, 4, 4);
  return size >= 8 && /^[\x20-\x7e]{4}$/.test(type) ? { type, size } : null;
}

/**
 * Finds moov by walking the top-level box headers (mdat is jumped over, so a moov at the end,
 * as phones write it, costs one more read); a fragmented file's first moof is noted, not walked.
 */
async function findMoov(input: WindowedReader): Promise<Mp4Header> {
  let moov: { offset: number; size: number } | null = null;
  for (let at = 0; at + 8 <= input.size; ) {
    const box = await topBox(input, at);
    expectAudio(box, "the MP4 box structure is damaged");
    if (box.type === "moov") moov = { offset: at, size: box.size };
    if (box.type === "moof") {
      expectAudio(moov, "the MP4 fragments come before their moov box");
      return { moovOffset: moov.offset, moovSize: moov.size, firstFragment: at };
    }
    at += box.size;
  }
  expectAudio(moov, "the MP4 file has no moov box (an unfinished recording?)");
  expectAudio(moov.size <= MAX_MOOV_BYTES && moov.offset + moov.size <= input.size, "the MP4 moov box is too large or truncated");
  return { moovOffset: moov.offset, moovSize: moov.size, firstFragment: null };
}

interface Sample {
  index: number;
  offset: number;
  size: number;
  dts: number;
  duration: number;
}

/** Where to resume a walk over fragments: a moof, and the sample index and time it starts at. */
interface FragmentCursor {
  offset: number;
  index: number;
  dts: number;
}

/** The sound track's samples in movie fragments (moof + mdat pairs), from `cursor` on. */
async function* fragmentSamples(input: WindowedReader, table: SampleTable, cursor: FragmentCursor, until: number, visit?: (c: FragmentCursor) => void): AsyncGenerator<Sample> {
  let { index, dts } = cursor;
  for (let at = cursor.offset; at + 8 <= Math.min(input.size, until); ) {
    const box = await topBox(input, at);
    if (!box) return; // trailing damage (an interrupted recording): keep what is complete
    if (box.type === "moof") {
      expectAudio(box.size <= MAX_MOOV_BYTES, "an MP4 fragment header is too large");
      const moof = (await input.bytes(at, box.size)).slice();
      if (moof.length < box.size) return;
      for (const traf of boxes(moof, 8, moof.length).filter((b) => b.type === "traf")) {
        const parts = boxes(moof, traf.dataStart, traf.end);
        const tfhd = parts.find((b) => b.type === "tfhd");
        if (!tfhd || u32be(moof, tfhd.dataStart + 4) !== table.trackId) continue;
        const flags = u32be(moof, tfhd.dataStart) & 0xffffff;
        let field = tfhd.dataStart + 8;
        const base = flags & 0x1 ? u64be(moof, field) : at;
        if (flags & 0x1) field += 8;
        if (flags & 0x2) field += 4;
        let defaultDuration = table.trex.duration;
        let defaultSize = table.trex.size;
        if (flags & 0x8) (defaultDuration = u32be(moof, field)), (field += 4);
        if (flags & 0x10) defaultSize = u32be(moof, field);
        const tfdt = parts.find((b) => b.type === "tfdt");
        if (tfdt) dts = moof[tfdt.dataStart] === 1 ? u64be(moof, tfdt.dataStart + 4) : u32be(moof, tfdt.dataStart + 4);
        visit?.({ offset: at, index, dts });
        for (const trun of parts.filter((b) => b.type === "trun")) {
          const runFlags = u32be(moof, trun.dataStart) & 0xffffff;
          const count = u32be(moof, trun.dataStart + 4);
          let p = trun.dataStart + 8;
          let offset = base;
          if (runFlags & 0x1) (offset = base + (u32be(moof, p) | 0)), (p += 4);
          if (runFlags & 0x4) p += 4;
          for (let k = 0; k < count; k++) {
            expectAudio(p <= trun.end, "an MP4 fragment's sample list is truncated");
            let duration = defaultDuration;
            let size = defaultSize;
            if (runFlags & 0x100) (duration = u32be(moof, p)), (p += 4);
            if (runFlags & 0x200) (size = u32be(moof, p)), (p += 4);
            if (runFlags & 0x400) p += 4;
            if (runFlags & 0x800) p += 4;
            if (offset + size > input.size) return;
            yield { index: index++, offset, size, dts, duration };
            offset += size;
            dts += duration;
          }
        }
      }
    }
    at += box.size;
  }
}

interface Mp4Header {
  moovOffset: number;
  moovSize: number;
  /** Offset of the first moof of a fragmented file (MediaRecorder, some phones); null otherwise. */
  firstFragment: number | null;
}

interface Mp4Recipe {
  firstSample: number;
  lastSample: number;
  /** Where the last sample ends in the file. */
  to: number;
  /** Fragmented files: the moof holding firstSample, so a cut walks only its own fragments. */
  fragment?: FragmentCursor;
}

/** Samples of the file from the start (or from a fragment on). */
function allSamples(input: WindowedReader, header: Mp4Header, table: SampleTable, from?: FragmentCursor, until = input.size, visit?: (c: FragmentCursor) => void): AsyncIterable<Sample> | Iterable<Sample> {
  if (header.firstFragment === null) return table.samples();
  // Samples in moov come first (usually none), then the fragments'.
  const start = from ?? { offset: header.firstFragment, index: table.count, dts: 0 };
  return (async function* () {
    if (!from) yield* table.samples();
    yield* fragmentSamples(input, table, start, until, visit);
  })();
}

async function loadTable(input: WindowedReader, header: Mp4Header) {
  const { moovOffset: offset, moovSize: size } = header;
  // A small moov usually sits in the window already read (faststart files).
  const moov = size <= READ_WINDOW ? (await input.bytes(offset, size)).slice() : await readRange(input.source, offset, size);
  expectAudio(moov.length === size, "the MP4 moov box is truncated");
  return sampleTable(moov);
}

/** A minimal M4A holding `samples` (their bytes in `data`, in order). */
function writeM4a(table: SampleTable, sizes: number[], durations: number[], data: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  const open: number[] = [];
  const box = (type: string) => {
    open.push(w.length);
    w.u32be(0).ascii(type);
  };
  const full = (type: string, version = 0, flags = 0) => {
    box(type);
    w.u32be((version << 24) | flags);
  };
  const close = () => {
    const start = open.pop()!;
    w.patchU32be(start, w.length - start);
  };
  const total = durations.reduce((n, d) => n + d, 0);
  const matrix = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

  box("ftyp");
  w.ascii("M4A ").u32be(0).ascii("M4A ").ascii("mp42").ascii("isom");
  close();
  box("moov");
  full("mvhd");
  w.u32be(0).u32be(0).u32be(table.timescale).u32be(total).u32be(0x10000).u16be(0x100).u16be(0).u32be(0).u32be(0);
  for (const m of matrix) w.u32be(m);
  for (let i = 0; i < 6; i++) w.u32be(0);
  w.u32be(2);
  close();
  box("trak");
  full("tkhd", 0, 7);
  w.u32be(0).u32be(0).u32be(1).u32be(0).u32be(total).u32be(0).u32be(0).u16be(0).u16be(0).u16be(0x100).u16be(0);
  for (const m of matrix) w.u32be(m);
  w.u32be(0).u32be(0);
  close();
  box("mdia");
  full("mdhd");
  w.u32be(0).u32be(0).u32be(table.timescale).u32be(total).u16be(0x55c4).u16be(0);
  close();
  full("hdlr");
  w.u32be(0).ascii("soun").u32be(0).u32be(0).u32be(0).ascii("SoundHandler").u8(0);
  close();
  box("minf");
  full("smhd");
  w.u32be(0);
  close();
  box("dinf");
  full("dref");
  w.u32be(1);
  full("url ", 0, 1);
  close();
  close();
  close();
  box("stbl");
  w.bytes(table.stsd);
  full("stts");
  const runs: [number, number][] = [];
  for (const d of durations) {
    const last = runs.at(-1);
    if (last && last[1] === d) last[0]++;
    else runs.push([1, d]);
  }
  w.u32be(runs.length);
  for (const [count, delta] of runs) w.u32be(count).u32be(delta);
  close();
  full("stsc");
  w.u32be(1).u32be(1).u32be(sizes.length).u32be(1);
  close();
  full("stsz");
  w.u32be(0).u32be(sizes.length);
  for (const size of sizes) w.u32be(size);
  close();
  full("stco");
  w.u32be(1);
  const chunkOffsetAt = w.length;
  w.u32be(0);
  close();
  close(); // stbl
  close(); // minf
  close(); // mdia
  close(); // trak
  close(); // moov
  const dataBytes = data.reduce((n, d) => n + d.length, 0);
  w.patchU32be(chunkOffsetAt, w.length + 8);
  w.u32be(8 + dataBytes).ascii("mdat");
  for (const part of data) w.bytes(part);
  return w.result();
}

/** Fixed M4A overhead besides the sample description and the per-sample table entries. */
const M4A_OVERHEAD = 1024;

export const mp4: ContainerHandler = {
  async plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
    const input = new WindowedReader(reader);
    const header = await findMoov(input);
    const table = await loadTable(input, header);
    expectAudio(table.count > 0 || header.firstFragment !== null, "the MP4 sound track has no samples");
    // Fragmented: where each fragment starts, to give every chunk a place to resume (O(fragments)
    // while planning, one entry per chunk in the plan).
    const fragments: FragmentCursor[] = [];
    async function* units(): AsyncGenerator<Unit> {
      for await (const s of allSamples(input, header, table, undefined, input.size, (c) => fragments.push(c))) {
        expectAudio(s.offset + s.size <= reader.size, "the MP4 file is truncated");
        yield { index: s.index, offset: s.offset, size: s.size, start: s.dts, duration: s.duration };
      }
    }
    const fragmentOf = (sample: number) => {
      let found: FragmentCursor | undefined;
      for (const f of fragments) if (f.index <= sample) found = f;
      return found;
    };
    const ranges = await groupUnits(units(), {
      budget: options.maxChunkBytes - M4A_OVERHEAD - table.stsd.length,
      // A size entry per sample, and a time entry too when durations vary.
      perUnitOverhead: table.sttsEntries > 16 ? 12 : 4,
      contiguous: false,
      overlapTicks: Math.round(options.overlapSec * table.timescale),
    });
    // Times count from the presentation's zero: the first chunk starts the priming before it.
    const seconds = (tick: number) => (tick - table.mediaTime) / table.timescale;
    const chunks: AudioChunk[] = ranges.map((r, index) => {
      const recipe: Mp4Recipe = { firstSample: r.firstIndex, lastSample: r.lastIndex, to: r.to };
      const fragment = fragmentOf(r.firstIndex);
      if (fragment) recipe.fragment = fragment;
      return { index, startSec: seconds(r.startTick), endSec: seconds(r.endTick), recipe };
    });
    return { format: "mp4", durationSec: seconds(ranges.at(-1)!.endTick), chunks, header };
  },

  async cut(reader, plan, chunk) {
    const header = plan.header as Mp4Header;
    const { firstSample, lastSample, fragment, to } = chunk.recipe as Mp4Recipe;
    // Windows no larger than what the cut needs: the moov, then (fragmented) its own fragments.
    const table = await loadTable(new WindowedReader(reader, Math.min(READ_WINDOW, header.moovSize)), header);
    const windowSize = Math.min(READ_WINDOW, to - (fragment?.offset ?? to) + 4096);
    const input = new WindowedReader(reader, windowSize);
    const sizes: number[] = [];
    const durations: number[] = [];
    // Contiguous samples are read together.
    const runs: { offset: number; size: number }[] = [];
    // Fragments past the chunk's last byte are not read.
    for await (const s of allSamples(input, header, table, fragment, to)) {
      if (s.index < firstSample) continue;
      if (s.index > lastSample) break;
      sizes.push(s.size);
      durations.push(s.duration);
      const run = runs.at(-1);
      if (run && run.offset + run.size === s.offset) run.size += s.size;
      else runs.push({ offset: s.offset, size: s.size });
    }
    expectAudio(sizes.length > 0, "the MP4 chunk holds no samples");
    const data: Uint8Array[] = [];
    // A fragmented chunk's samples are mostly in the window already read.
    for (const run of runs) data.push(run.size <= windowSize ? (await input.bytes(run.offset, run.size)).slice() : await readRange(reader, run.offset, run.size));
    return { bytes: writeM4a(table, sizes, durations, data), filename: `chunk-${chunk.index}.m4a`, contentType: "audio/mp4" };
  },
};
