import { describe, expect, it } from "vitest";
import { classifyError, PermanentJobError } from "../../../src/pipeline/errors.ts";
import { OPENAI_AUDIO_MAX_BYTES, providerModelFor, transcribeAudio } from "../../../src/pipeline/openai/index.ts";
import { fakeClient, rejectionOf, requestsWith } from "./fake.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
// The fake "hears" text bytes as speech, one Whisper segment per line.
const speech = (lines: string[]) => new TextEncoder().encode(lines.join("\n"));

describe("providerModelFor", () => {
  it("maps the reference's local Whisper size names to whisper-1 and passes other models through", () => {
    for (const name of ["", "base", "tiny", "small", "medium", "large", "large-v2", "large-v3", "turbo", "whisper-1", "base.en", " Base "]) {
      expect(providerModelFor(name), name).toEqual({ model: "whisper-1", timestamps: true });
    }
    expect(providerModelFor("gpt-4o-transcribe")).toEqual({ model: "gpt-4o-transcribe", timestamps: false });
    expect(providerModelFor("gpt-4o-mini-transcribe")).toEqual({ model: "gpt-4o-mini-transcribe", timestamps: false });
  });
});

describe("transcribeAudio", () => {
  it("sends the seed's `base` as whisper-1 with verbose_json segment timestamps and keeps the segments", async () => {
    const filename = `lecture-${uid()}.mp3`;
    const result = await transcribeAudio(fakeClient(), {
      bytes: speech(["  Welcome to thermodynamics.  ", "", "Energy is conserved in a closed system.", "   ", "Entropy tends to increase."]),
      filename,
      contentType: "audio/mpeg",
      model: "base",
    });

    expect(result.model).toBe("whisper-1");
    expect(result.language).toBe("en");
    expect(result.segments.map((s) => s.text)).toEqual([
      "Welcome to thermodynamics.",
      "Energy is conserved in a closed system.",
      "Entropy tends to increase.",
    ]);
    expect(result.text).toBe("Welcome to thermodynamics. Energy is conserved in a closed system. Entropy tends to increase.");
    for (const [i, s] of result.segments.entries()) {
      expect(s.endSec).toBeGreaterThan(s.startSec);
      if (i > 0) expect(s.startSec).toBeGreaterThanOrEqual(result.segments[i - 1]!.endSec);
    }

    const [sent, ...more] = await requestsWith(filename);
    expect(more).toHaveLength(0);
    expect(sent).toMatchObject({
      path: "/v1/audio/transcriptions",
      model: "whisper-1",
      responseFormat: "verbose_json",
      timestampGranularities: ["segment"],
      filename,
      contentType: "audio/mpeg",
      status: 200,
    });
  });

  it("passes gpt-4o-mini-transcribe through with json and spreads sentence segments over the duration", async () => {
    const filename = `lecture-${uid()}.m4a`;
    const result = await transcribeAudio(fakeClient(), {
      bytes: new TextEncoder().encode("Photosynthesis turns light into chemical energy. Chlorophyll absorbs mostly red and blue light. The Calvin cycle fixes carbon dioxide."),
      filename,
      model: "gpt-4o-mini-transcribe",
      durationSec: 90,
    });

    expect(result.model).toBe("gpt-4o-mini-transcribe");
    expect(result.language).toBeNull();
    expect(result.segments.map((s) => s.text)).toEqual([
      "Photosynthesis turns light into chemical energy.",
      "Chlorophyll absorbs mostly red and blue light.",
      "The Calvin cycle fixes carbon dioxide.",
    ]);
    expect(result.segments[0]!.startSec).toBe(0);
    expect(result.segments.at(-1)!.endSec).toBeCloseTo(90, 1);

    const sent = await requestsWith(filename);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ model: "gpt-4o-mini-transcribe", responseFormat: "json", timestampGranularities: [] });
  });

  it("refuses files over OpenAI's 25 MB limit with an actionable permanent error, without calling the API", async () => {
    const filename = `huge-${uid()}.wav`;
    const error = await rejectionOf(
      transcribeAudio(fakeClient(), { bytes: new Uint8Array(OPENAI_AUDIO_MAX_BYTES + 1), filename, model: "base" }),
    );
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toMatch(/25 MB/);
    expect(error.message).toMatch(/Opus|AAC/);
    expect(error.message).toMatch(/transcript/);
    expect(classifyError(error).transient).toBe(false);
    expect(await requestsWith(filename)).toHaveLength(0);
  });

  it("lets provider outages through unchanged so the job engine retries them", async () => {
    const filename = `fail-twice-${uid()}.mp3`;
    const input = { bytes: speech(["Back after the outage."]), filename, model: "whisper-1" };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await rejectionOf(transcribeAudio(fakeClient(), input));
      expect(error).not.toBeInstanceOf(PermanentJobError);
      expect(error.status).toBe(503);
      expect(classifyError(error).transient).toBe(true);
    }
    const result = await transcribeAudio(fakeClient(), input);
    expect(result.segments.map((s) => s.text)).toEqual(["Back after the outage."]);
    // maxRetries 0: exactly one HTTP request per call, the retry policy is the job engine's.
    expect((await requestsWith(filename)).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("reports a 429 as transient", async () => {
    const error = await rejectionOf(transcribeAudio(fakeClient(), { bytes: speech(["Too many."]), filename: `status-429-${uid()}.mp3`, model: "base" }));
    expect(error.status).toBe(429);
    expect(classifyError(error).transient).toBe(true);
  });
});
