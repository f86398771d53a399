/**
 * The transcription stage's last step, however the words came (an uploaded transcript, one
 * provider request, or chunks stitched together): the transcript goes to storage as JSON and its
 * segments to the database, where search and the thread engine read them.
 */
import type { LectureKey } from "../db/owner.ts";
import { saveTranscript } from "../db/transcripts.ts";
import type { Transcript } from "../domain/transcript.ts";
import type { Services } from "../services.ts";
import { writeJson } from "../storage/index.ts";
import { objectKeys } from "./keys.ts";

/** Stores the transcript; `job` guards the database write (a job that lost its claim writes nothing). */
export async function storeTranscript(
  services: Pick<Services, "db" | "storage">,
  key: LectureKey,
  transcript: Transcript,
  job?: Parameters<typeof saveTranscript>[4],
): Promise<{ transcriptPath: string }> {
  const transcriptKey = objectKeys.transcript(key);
  await writeJson(services.storage, transcriptKey, transcript);
  const transcriptPath = services.storage.uri(transcriptKey);
  await saveTranscript(services.db, key, transcriptPath, transcript.segments, job);
  return { transcriptPath };
}
