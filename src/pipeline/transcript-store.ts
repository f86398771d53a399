/**
 * The transcription stage's last step, however the words came (an uploaded transcript, one
 * provider request, or chunks stitched together): the transcript goes to storage as JSON and its
 * segments to the database, where search and the thread engine read them.
 */
import type { LectureKey } from "../db/owner.ts";
import { saveTranscript } from "../db/transcripts.ts";
import type { Transcript } from "../domain/transcript.ts";
import type { ParsedTranscript } from "../domain/transcripts/parse.ts";
import type { Services } from "../services.ts";
import { writeJson } from "../storage/index.ts";
import { objectKeys } from "./keys.ts";

export interface TranscriptSource {
  /** Already sanitised and not empty. */
  parsed: ParsedTranscript;
  engine: Transcript["engine"];
  durationSec: number;
  chunkCount: number;
}

/**
 * Stores the transcript; `job` guards the database write (a job that lost its claim writes
 * nothing). Answers what the stage's job result reports of it.
 */
export async function storeTranscript(
  services: Pick<Services, "db" | "storage">,
  key: LectureKey,
  { parsed, engine, durationSec, chunkCount }: TranscriptSource,
  job?: Parameters<typeof saveTranscript>[4],
) {
  const transcript: Transcript = {
    lectureId: key.lectureId,
    createdAt: new Date().toISOString(),
    language: parsed.language,
    text: parsed.text,
    segments: parsed.segments,
    ...(parsed.words ? { words: parsed.words } : {}),
    engine,
    durationSec,
    chunkCount,
  };
  const transcriptKey = objectKeys.transcript(key);
  await writeJson(services.storage, transcriptKey, transcript);
  const transcriptPath = services.storage.uri(transcriptKey);
  await saveTranscript(services.db, key, transcriptPath, parsed.segments, job);
  return { lectureId: key.lectureId, transcriptPath, segmentCount: parsed.segments.length, language: parsed.language, engine, durationSec, chunkCount };
}
