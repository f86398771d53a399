import { describe, expect, it } from "vitest";
import { AUDIO_FORMATS, cutChunk, planChunks, sniffAudioFormat, UnsupportedAudioError } from "../../../src/domain/audio/index.ts";
import { fixtureBytes, fixtureReader, manifest, memoryReader, probe } from "./support.ts";

const OVERLAP = 3;
// ffprobe's container names for what each chunk must be.
const DEMUXER: Record<string, string> = {
  wav: "wav",
  mp3: "mp3",
  flac: "flac",
  ogg: "ogg",
  m4a: "mov,mp4,m4a,3gp,3g2,mj2",
};
const fixtures = Object.entries(manifest.files);
// How far a chunk's decoded length may differ from the times the plan gives it: codec priming
// and block sizes (an AAC or Vorbis frame is up to ~64 ms at these rates).
const TOLERANCE_SEC = 0.08;

describe.each(fixtures)("%s", (name, format) => {
  it("is sniffed, planned into 4-10 chunks and cut into valid standalone files covering the recording", { timeout: 120_000 }, async () => {
    const reader = await fixtureReader(name);
    expect(sniffAudioFormat(await reader.read(0, 64))).toBe(format);
    reader.reads.length = 0;
    const maxChunkBytes = Math.ceil(reader.size / 5);
    const plan = await planChunks(reader, { maxChunkBytes, overlapSec: OVERLAP });
    expect(plan.format).toBe(format);
    // Planning reads in bounded ranges (the fixtures are small, so this is one pass at most).
    expect(Math.max(...reader.reads.map((r) => r.length))).toBeLessThanOrEqual(1 << 20);
    expect(reader.reads.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(reader.size + 128);
    expect(plan.durationSec).toBeCloseTo(manifest.durationSec, 0);
    expect(Math.abs(plan.durationSec - manifest.durationSec)).toBeLessThan(0.2);
    expect(plan.chunks.length).toBeGreaterThanOrEqual(4);
    expect(plan.chunks.length).toBeLessThanOrEqual(10);
    expect(JSON.stringify(plan).length).toBeLessThan(4096);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);

    // At 0, or a codec's encoder delay before it (MP3 LAME: 1105 samples, 0.14 s at 8 kHz).
    expect(Math.abs(plan.chunks[0]!.startSec)).toBeLessThan(0.15);
    expect(plan.chunks.at(-1)!.endSec).toBeCloseTo(plan.durationSec, 3);
    for (const [i, chunk] of plan.chunks.entries()) {
      expect(chunk.index).toBe(i);
      expect(chunk.endSec).toBeGreaterThan(chunk.startSec);
      if (i === 0) continue;
      const previous = plan.chunks[i - 1]!;
      expect(chunk.startSec).toBeGreaterThan(previous.startSec);
      expect(chunk.endSec).toBeGreaterThan(previous.endSec);
      // The overlap is the one requested, to within a frame, and never a gap.
      expect(previous.endSec - chunk.startSec).toBeGreaterThanOrEqual(OVERLAP - TOLERANCE_SEC);
      expect(previous.endSec - chunk.startSec).toBeLessThan(OVERLAP + 1.2);
    }

    // Where speech starts in the whole recording, as the provider would hear it undivided.
    const original = await probe(await fixtureBytes(name), name);
    expect(original.valid).toBe(true);
    const speechStarts = original.speech.map((s) => s.start);
    expect(speechStarts.length).toBe(manifest.sentences.length);
    // (A fragmented M4A has no edit list, so its AAC priming, 64 ms here, is played as audio.)
    for (const [i, start] of speechStarts.entries()) expect(Math.abs(start - manifest.sentences[i]!.startSec)).toBeLessThan(0.15);
    for (const chunk of plan.chunks) {
      reader.reads.length = 0;
      const cut = await cutChunk(reader, plan, chunk.index);
      expect(cut.bytes.length).toBeLessThanOrEqual(maxChunkBytes);
      // Cutting reads about the chunk's own bytes (plus the container's header or index).
      expect(reader.reads.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(maxChunkBytes + 16 * 1024);
      const extension = cut.filename.split(".").pop()!;
      expect(cut.filename).toBe(`chunk-${chunk.index}.${extension}`);
      const result = await probe(cut.bytes, cut.filename);
      expect(result.problem, `chunk ${chunk.index}: ${result.errors.join(" | ")}`).toBeNull();
      expect(result.formatName).toBe(DEMUXER[extension]);
      expect(result.durationSec, `chunk ${chunk.index} length`).toBeCloseTo(chunk.endSec - chunk.startSec, 0);
      expect(Math.abs(result.durationSec - (chunk.endSec - chunk.startSec)), `chunk ${chunk.index} length`).toBeLessThan(TOLERANCE_SEC);
      // Speech the chunk contains starts where the manifest says, once shifted by startSec: the
      // plan's times are absolute. (A stretch cut at the chunk's start begins at 0: skipped.)
      for (const speech of result.speech.filter((s) => s.start > 0.1)) {
        const absolute = chunk.startSec + speech.start;
        const nearest = Math.min(...speechStarts.map((s) => Math.abs(s - absolute)));
        expect(nearest, `chunk ${chunk.index} speech at ${absolute.toFixed(3)}s`).toBeLessThan(0.05);
      }
    }
  });

  it("sends a recording within the limit as it is, in one chunk", async () => {
    const reader = await fixtureReader(name);
    const plan = await planChunks(reader, { maxChunkBytes: reader.size, overlapSec: OVERLAP });
    expect(plan.chunks).toEqual([{ index: 0, startSec: 0, endSec: plan.durationSec, recipe: { whole: true } }]);
    const cut = await cutChunk(reader, plan, 0);
    expect(cut.bytes).toEqual(await fixtureBytes(name));
  });

  it("refuses a truncated or damaged file with UnsupportedAudioError", async () => {
    const bytes = await fixtureBytes(name);
    // Only the first bytes: the container starts but holds no audio.
    await expect(planChunks(memoryReader(bytes.slice(0, 40)), { maxChunkBytes: 10_000, overlapSec: OVERLAP })).rejects.toThrow(UnsupportedAudioError);
    // Container signature intact, everything after it noise.
    const noise = bytes.slice(0, 64 * 1024);
    for (let i = 16; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    await expect(planChunks(memoryReader(noise), { maxChunkBytes: 10_000, overlapSec: OVERLAP })).rejects.toThrow(UnsupportedAudioError);
  });
});

describe("sniffAudioFormat and unsupported input", () => {
  it("knows the six containers and nothing else", () => {
    expect(AUDIO_FORMATS).toEqual(["mp4", "mp3", "wav", "flac", "ogg", "webm"]);
    expect(sniffAudioFormat(new TextEncoder().encode("Hello, this is a transcript.\n"))).toBeNull();
    expect(sniffAudioFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]))).toBeNull();
    expect(sniffAudioFormat(new Uint8Array(0))).toBeNull();
  });

  it("names the supported formats when it refuses a file", async () => {
    const error = await planChunks(memoryReader(new TextEncoder().encode("%PDF-1.7 not audio at all, just a document body")), { maxChunkBytes: 1000, overlapSec: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedAudioError);
    expect((error as Error).message).toMatch(/M4A\/MP4 \(AAC\), MP3, WAV \(PCM\), FLAC, Ogg \(Opus or Vorbis\) and WebM \(Opus\)/);
  });
});

describe("WebM as MediaRecorder writes it", () => {
  it("cuts a stream whose segment and clusters have unknown sizes", { timeout: 60_000 }, async () => {
    const bytes = await fixtureBytes("lecture.webm");
    // Rewrite every Segment/Cluster size as "unknown" (all ones, same length), as a live recorder does.
    let patched = 0;
    for (const id of [[0x18, 0x53, 0x80, 0x67], [0x1f, 0x43, 0xb6, 0x75]]) {
      for (let i = bytes.indexOf(id[0]!); i >= 0 && i + 5 < bytes.length; i = bytes.indexOf(id[0]!, i + 1)) {
        if (!id.every((b, k) => bytes[i + k] === b)) continue;
        const length = Math.clz32(bytes[i + 4]!) - 23;
        if (length < 1 || length > 8) continue;
        bytes[i + 4] = 0xff >> (length - 1);
        bytes.fill(0xff, i + 5, i + 4 + length);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(3);
    const reader = memoryReader(bytes);
    const plan = await planChunks(reader, { maxChunkBytes: Math.ceil(bytes.length / 5), overlapSec: OVERLAP });
    expect(plan.chunks.length).toBeGreaterThanOrEqual(4);
    expect(Math.abs(plan.durationSec - manifest.durationSec)).toBeLessThan(0.2);
    for (const chunk of plan.chunks) {
      const cut = await cutChunk(reader, plan, chunk.index);
      const result = await probe(cut.bytes, cut.filename);
      expect(result.problem).toBeNull();
      expect(Math.abs(result.durationSec - (chunk.endSec - chunk.startSec))).toBeLessThan(TOLERANCE_SEC);
    }
  });
});
