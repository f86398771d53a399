import { ascii, ByteWriter, readInto, fromBase64, toBase64, u16le, u32le, WindowedReader } from "./bytes.ts";
import { expectAudio, UnsupportedAudioError } from "./errors.ts";
import type { AudioChunk, ByteReader, ChunkOptions, ChunkPlan, ContainerHandler } from "./types.ts";

// RIFF/WAVE: a header, then interleaved sample frames of fixed size. Chunks are frame ranges of
// the data chunk behind a fresh header that repeats the original "fmt " chunk.

interface WavHeader {
  fmt: string; // base64 of the "fmt " chunk body
  dataOffset: number;
  blockAlign: number;
  sampleRate: number;
}

interface WavRecipe {
  firstFrame: number;
  endFrame: number;
}

// PCM, IEEE float, A-law, mu-law and WAVE_FORMAT_EXTENSIBLE: what common decoders accept.
const KNOWN_FORMAT_TAGS = new Set([1, 3, 6, 7, 0xfffe]);

async function readHeader(reader: ByteReader) {
  const input = new WindowedReader(reader, 16 * 1024);
  const riff = await input.bytes(0, 12);
  expectAudio(riff.length === 12 && ascii(riff, 0, 4) === "RIFF" && ascii(riff, 8, 4) === "WAVE", "not a RIFF/WAVE file");
  let at = 12;
  let fmt: Uint8Array | null = null;
  while (at + 8 <= reader.size) {
    const head = await input.bytes(at, 8);
    const id = ascii(head, 0, 4);
    const size = u32le(head, 4);
    if (id === "fmt ") {
      expectAudio(size >= 16 && size <= 4096, "WAV format chunk has a bad size");
      fmt = (await input.bytes(at + 8, size)).slice();
      expectAudio(fmt.length === size, "WAV file is truncated");
    } else if (id === "data") {
      expectAudio(fmt, "WAV data comes before its format chunk");
      const formatTag = u16le(fmt, 0);
      const channels = u16le(fmt, 2);
      const sampleRate = u32le(fmt, 4);
      const blockAlign = u16le(fmt, 12);
      expectAudio(KNOWN_FORMAT_TAGS.has(formatTag), `WAV encoding ${formatTag} is not PCM`);
      expectAudio(channels > 0 && sampleRate > 0 && blockAlign > 0, "WAV format chunk is invalid");
      // Streaming writers leave the size at 0 or 0xFFFFFFFF; the data then runs to the end.
      const available = reader.size - (at + 8);
      const dataSize = size === 0 || size === 0xffffffff || size > available ? available : size;
      return { header: { fmt: toBase64(fmt), dataOffset: at + 8, blockAlign, sampleRate }, frames: Math.floor(dataSize / blockAlign) };
    }
    at += 8 + size + (size & 1);
  }
  throw new UnsupportedAudioError("WAV file has no data chunk");
}

function riffHeader(fmt: Uint8Array, dataBytes: number): Uint8Array {
  const w = new ByteWriter();
  const fmtPadded = fmt.length + (fmt.length & 1);
  w.ascii("RIFF").u32le(4 + 8 + fmtPadded + 8 + dataBytes).ascii("WAVE");
  w.ascii("fmt ").u32le(fmt.length).bytes(fmt);
  if (fmt.length & 1) w.u8(0);
  w.ascii("data").u32le(dataBytes);
  return w.result();
}

export const wav: ContainerHandler = {
  async plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
    const { header, frames } = await readHeader(reader);
    expectAudio(frames > 0, "WAV file has no samples");
    const overhead = riffHeader(fromBase64(header.fmt), 0).length;
    const perChunk = Math.floor((options.maxChunkBytes - overhead) / header.blockAlign);
    expectAudio(perChunk > 0, "the chunk size limit is smaller than one WAV frame");
    const overlap = Math.min(Math.round(options.overlapSec * header.sampleRate), Math.floor(perChunk / 2));
    const chunks: AudioChunk[] = [];
    for (let first = 0; ; ) {
      const endFrame = Math.min(first + perChunk, frames);
      const recipe: WavRecipe = { firstFrame: first, endFrame };
      chunks.push({ index: chunks.length, startSec: first / header.sampleRate, endSec: endFrame / header.sampleRate, recipe });
      if (endFrame >= frames) break;
      first = endFrame - overlap;
    }
    return { format: "wav", durationSec: frames / header.sampleRate, chunks, header };
  },

  async cut(reader, plan, chunk) {
    const header = plan.header as WavHeader;
    const { firstFrame, endFrame } = chunk.recipe as WavRecipe;
    const dataBytes = (endFrame - firstFrame) * header.blockAlign;
    const head = riffHeader(fromBase64(header.fmt), dataBytes);
    const bytes = new Uint8Array(head.length + dataBytes);
    bytes.set(head);
    await readInto(reader, header.dataOffset + firstFrame * header.blockAlign, bytes.subarray(head.length));
    return { bytes, filename: `chunk-${chunk.index}.wav`, contentType: "audio/wav" };
  },
};
