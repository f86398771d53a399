/**
 * Transcription stage: audio goes to the configured speech-to-text provider (OpenAI or Workers
 * AI, ./providers); an upload that already is a
 * transcript (.txt, .vtt, .srt, .json) is parsed instead. Either result is sanitised, then the
 * transcript JSON is stored at a deterministic key and its segments replace the lecture's rows, so
 * running twice is harmless. One recording within the chunk limit (TRANSCRIBE_CHUNK_MB, or less
 * when the provider takes less) is sent whole; anything longer, or a lecture of several recordings,
 * is transcribed in chunks (./chunks.ts).
 */
import { getTranscriptionState } from "../db/chunks.ts";
import { lectureOfJob } from "./keys.ts";
import { storeTranscript } from "./transcript-store.ts";
import type { JobRow } from "../db/rows.ts";
import type { Transcript } from "../domain/transcript.ts";
import { parseTranscriptUpload, transcriptKindOf, TranscriptParseError, type ParsedTranscript } from "../domain/transcripts/parse.ts";
import { sanitizeTranscript } from "../domain/transcripts/sanitize.ts";
import { PermanentJobError } from "./errors.ts";
import type { Services } from "../services.ts";
import { transcriptionProvider } from "./providers/index.ts";
import { transcriptionHints } from "./providers/hints.ts";
import { chunkLimit, recordingsOf, runChunkedTranscription } from "./chunks.ts";

/** Transcript uploads are text; anything this large is not a lecture transcript. */
const MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024;

export async function runTranscription(services: Services, job: JobRow) {
  const { db, storage, config } = services;
  const lectureKey = lectureOfJob(job);
  const state = await getTranscriptionState(db, lectureKey, job.id);
  const lecture = state.lecture;
  if (!lecture) throw new PermanentJobError("Lecture not found.");
  const key = lecture.audio_path ? storage.keyOf(lecture.audio_path) : null;
  if (!key) throw new PermanentJobError("Audio not found for lecture.");
  const kind = transcriptKindOf(lecture.original_filename ?? key, lecture.content_type ?? undefined);
  if (!kind && transcriptionProvider(config) && (state.recordings.length > 0 || state.plans.length > 0))
    return runChunkedTranscription(services, job, recordingsOf(lecture, state.recordings));
  const object = await storage.get(key);
  if (!object) throw new PermanentJobError("Audio not found for lecture.");

  let parsed: ParsedTranscript;
  let engine: Transcript["engine"];
  let durationSec: number | undefined;
  let chunkCount = 0;

  if (kind) {
    if (state.recordings.length > 0) {
      await object.body.cancel();
      throw new PermanentJobError("This lecture's first upload is a transcript: recordings appended to it cannot be combined with it. Upload the lecture again as audio.");
    }
    if (object.size > MAX_TRANSCRIPT_BYTES) {
      await object.body.cancel();
      throw new PermanentJobError(`The transcript file is larger than ${MAX_TRANSCRIPT_BYTES / 1024 / 1024} MB.`);
    }
    const text = await new Response(object.body).text();
    try {
      parsed = parseTranscriptUpload(kind, text, { durationSec: lecture.duration_sec || undefined });
    } catch (error) {
      if (error instanceof TranscriptParseError) throw new PermanentJobError(error.message);
      throw error;
    }
    engine = { provider: "upload", model: kind };
  } else {
    const provider = transcriptionProvider(config);
    if (!provider) {
      await object.body.cancel();
      throw new PermanentJobError(
        "Transcribing audio needs a speech-to-text provider: set OPENAI_API_KEY (wrangler secret put OPENAI_API_KEY) or bind Workers AI ([ai] in wrangler.toml), or upload a transcript (.txt, .vtt, .srt or .json) instead of audio.",
      );
    }
    if (object.size > chunkLimit(config, provider)) {
      await object.body.cancel();
      return runChunkedTranscription(services, job, recordingsOf(lecture, state.recordings));
    }
    const requestedModel = typeof job.params.model === "string" ? job.params.model : "base";
    const hints = await transcriptionHints(db, lectureKey, lecture, requestedModel);
    const result = await provider.transcribe(
      {
        bytes: await new Response(object.body).arrayBuffer(),
        filename: lecture.original_filename ?? key.split("/").pop()!,
        contentType: lecture.content_type ?? object.contentType,
        size: object.size,
      },
      hints,
    );
    parsed = result;
    engine = { provider: provider.name, model: result.model };
    durationSec = result.durationSec;
    chunkCount = 1;
  }

  // Once, here, for both sources: nothing unsanitised reaches storage or the database.
  parsed = sanitizeTranscript(parsed);
  if (parsed.segments.length === 0) throw new PermanentJobError("The transcript is empty.");
  return storeTranscript(
    services,
    lectureKey,
    { parsed, engine, durationSec: durationSec ?? (lecture.duration_sec || parsed.segments.at(-1)!.endSec), chunkCount },
    job,
  );
}
