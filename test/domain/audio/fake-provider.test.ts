/**
 * The local OpenAI-protocol server decodes real media like the provider: a chunk that is not a
 * valid file of its declared format is refused, a valid one is transcribed by speech detection.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cutChunk, planChunks } from "../../../src/domain/audio/index.ts";
import { fixtureBytes, fixtureReader, manifest } from "./support.ts";

const base = (env as unknown as { OPENAI_BASE_URL: string }).OPENAI_BASE_URL;

async function transcribe(bytes: Uint8Array, filename: string, contentType: string) {
  const form = new FormData();
  form.set("file", new File([bytes], filename, { type: contentType }));
  form.set("model", "whisper-1");
  form.set("response_format", "verbose_json");
  const response = await fetch(`${base}/audio/transcriptions`, { method: "POST", body: form, headers: { authorization: "Bearer sk-test" } });
  return { status: response.status, body: (await response.json()) as { duration?: number; segments?: { start: number; end: number; text: string }[]; error?: { message: string } } };
}

describe("the local transcription server with real audio", () => {
  it("answers a valid chunk with one segment per stretch of speech, times relative to the chunk", async () => {
    const reader = await fixtureReader("lecture-opus.ogg");
    const plan = await planChunks(reader, { maxChunkBytes: Math.ceil(reader.size / 4), overlapSec: 3 });
    const chunk = plan.chunks[1]!;
    const cut = await cutChunk(reader, plan, 1);
    const { status, body } = await transcribe(cut.bytes, cut.filename, cut.contentType);
    expect(status).toBe(200);
    expect(body.duration).toBeCloseTo(chunk.endSec - chunk.startSec, 1);
    expect(body.segments!.length).toBeGreaterThan(1);
    expect(body.segments![0]!.text).toBe(" speech 1");
    // Whole sentences in the chunk start where the manifest says, once made absolute.
    for (const segment of body.segments!.filter((s) => s.start > 0.1)) {
      const absolute = chunk.startSec + segment.start;
      expect(Math.min(...manifest.sentences.map((s) => Math.abs(s.startSec - absolute)))).toBeLessThan(0.1);
    }
  });

  it("refuses a file that does not decode as the format its name declares", async () => {
    const wav = await fixtureBytes("lecture.wav");
    const misnamed = await transcribe(wav.slice(0, 100_000), "chunk-0.mp3", "audio/mpeg");
    expect(misnamed.status).toBe(400);
    expect(misnamed.body.error?.message).toMatch(/^Invalid file format/);
  });

  it("refuses media whose data is damaged or cut short", async () => {
    const m4a = await fixtureBytes("lecture-moov-at-end.m4a");
    // Without its trailing moov box the samples cannot be located.
    expect((await transcribe(m4a.slice(0, m4a.length - 10_000), "talk.m4a", "audio/mp4")).status).toBe(400);
    const flac = await fixtureBytes("lecture.flac");
    const damaged = flac.slice();
    for (let i = 50_000; i < 60_000; i++) damaged[i] = (i * 31) % 256;
    expect((await transcribe(damaged, "talk.flac", "audio/flac")).status).toBe(400);
  });

  it("still hears text bytes as the lines they contain", async () => {
    const { status, body } = await transcribe(new TextEncoder().encode("First line.\nSecond line."), "notes.mp3", "audio/mpeg");
    expect(status).toBe(200);
    expect(body.segments!.map((s) => s.text.trim())).toEqual(["First line.", "Second line."]);
  });
});
