/** Random access to a stored object; the pipeline backs it with ranged storage reads. */
export interface ByteReader {
  readonly size: number;
  /** Bytes [offset, offset+length) (shorter only at the end of the object). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export const AUDIO_FORMATS = ["mp4", "mp3", "wav", "flac", "ogg", "webm"] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export interface ChunkOptions {
  /** Every chunk file must be at most this many bytes (TRANSCRIBE_CHUNK_MB). */
  maxChunkBytes: number;
  /** Seconds each chunk repeats of the previous one (a few seconds), so words at a cut are not lost. */
  overlapSec: number;
}

export interface AudioChunk {
  index: number;
  /** Absolute times (seconds from the start of this recording) the chunk covers, overlap included.
   *  The first chunk of an MP3 or M4A may start a little before 0 (by the encoder delay, at most
   *  ~0.15 s): players skip those first samples, a cut chunk cannot say so, so its audio (and the
   *  provider's segment times) begin that much earlier. Add startSec, then clamp at 0. */
  startSec: number;
  endSec: number;
  /** JSON-serialisable recipe cutChunk needs (byte ranges, sample ranges...). Keep it small. */
  recipe: unknown;
}

export interface ChunkPlan {
  format: AudioFormat;
  durationSec: number;
  chunks: AudioChunk[];
  /** Small JSON-serialisable format data cutChunk needs besides the recipe (codec config...). */
  header?: unknown;
}

export interface CutFile {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

/** What each container module provides to the dispatcher in index.ts. */
export interface ContainerHandler {
  plan(reader: ByteReader, options: ChunkOptions): Promise<ChunkPlan>;
  cut(reader: ByteReader, plan: ChunkPlan, chunk: AudioChunk): Promise<CutFile>;
}
