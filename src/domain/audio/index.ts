/**
 * Cutting recordings into chunks the transcription provider accepts (each under its size limit,
 * on frame/packet boundaries, a valid standalone file, overlapping its neighbour by a few
 * seconds). Pure: all input comes through a ByteReader, read in bounded ranges, never whole.
 */
import { readRange } from "./bytes.ts";
import { UnsupportedAudioError } from "./errors.ts";
import { flac } from "./flac.ts";
import { mp3, parseFrameHeader } from "./mp3.ts";
import { mp4 } from "./mp4.ts";
import { ogg } from "./ogg.ts";
import { wav } from "./wav.ts";
import { webm } from "./webm.ts";
import { AUDIO_FORMATS, type AudioFormat, type ByteReader, type ChunkOptions, type ChunkPlan, type ContainerHandler, type CutFile } from "./types.ts";

export { AUDIO_FORMATS, UnsupportedAudioError };
export type { AudioChunk, AudioFormat, ByteReader, ChunkOptions, ChunkPlan } from "./types.ts";

const HANDLERS: Record<AudioFormat, ContainerHandler> = { wav, mp3, ogg, flac, webm, mp4 };

/** How a chunk that is the untouched original is named. */
const ORIGINAL: Record<AudioFormat, { extension: string; contentType: string }> = {
  mp4: { extension: "m4a", contentType: "audio/mp4" },
  mp3: { extension: "mp3", contentType: "audio/mpeg" },
  wav: { extension: "wav", contentType: "audio/wav" },
  flac: { extension: "flac", contentType: "audio/flac" },
  ogg: { extension: "ogg", contentType: "audio/ogg" },
  webm: { extension: "webm", contentType: "audio/webm" },
};

/** Bytes sniffAudioFormat wants to see (more is fine). */
export const SNIFF_BYTES = 64;

const text = (b: Uint8Array, at: number, s: string) => s.split("").every((c, i) => b[at + i] === c.charCodeAt(0));

/** Detects the container from its first bytes; null when it is none of AUDIO_FORMATS. */
export function sniffAudioFormat(head: Uint8Array): AudioFormat | null {
  if (text(head, 0, "RIFF") && text(head, 8, "WAVE")) return "wav";
  if (text(head, 0, "fLaC")) return "flac";
  if (text(head, 0, "OggS")) return "ogg";
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "webm";
  if (text(head, 4, "ftyp")) return "mp4";
  if (text(head, 0, "ID3")) return "mp3";
  const frame = parseFrameHeader(head, 0);
  if (frame?.layer === 3) return "mp3";
  return null;
}


/** Plans chunks on frame/packet boundaries. Throws UnsupportedAudioError for unknown/corrupt input. */
export async function planChunks(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan> {
  if (!(options.maxChunkBytes > 0) || !(options.overlapSec >= 0)) throw new RangeError("maxChunkBytes must be positive and overlapSec not negative");
  if (reader.size < 16) throw new UnsupportedAudioError("the file is too small to be audio");
  const format = sniffAudioFormat(await reader.read(0, Math.min(SNIFF_BYTES, reader.size)));
  if (!format) throw new UnsupportedAudioError("the container is not recognised");
  const plan = await HANDLERS[format].plan(reader, options);
  if (!(plan.durationSec > 0)) throw new UnsupportedAudioError("the recording has no duration");
  // A recording within the limit is sent as it is: one chunk, the original file.
  if (reader.size <= options.maxChunkBytes) {
    return { ...plan, chunks: [{ index: 0, startSec: 0, endSec: plan.durationSec, recipe: { whole: true } }] };
  }
  return plan;
}

/** Builds chunk `index` as a valid standalone file the transcription provider accepts
 *  (OpenAI accepts flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm). */
export async function cutChunk(reader: ByteReader, plan: ChunkPlan, index: number): Promise<CutFile> {
  const chunk = plan.chunks[index];
  if (!chunk) throw new RangeError(`chunk ${index} is not in the plan (${plan.chunks.length} chunks)`);
  if ((chunk.recipe as { whole?: boolean }).whole) {
    const { extension, contentType } = ORIGINAL[plan.format];
    return { bytes: await readRange(reader, 0, reader.size), filename: `chunk-0.${extension}`, contentType };
  }
  return HANDLERS[plan.format].cut(reader, plan, chunk);
}
