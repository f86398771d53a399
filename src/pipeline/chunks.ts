/**
 * Transcription of any length. Audio larger than TRANSCRIBE_CHUNK_MB (or a lecture of several
 * recordings) is planned into chunks on frame boundaries (src/domain/audio), and each chunk is a
 * unit of work on the queue (`{jobId, unit}`), claimed, leased, retried and failed on its own, at
 * most TRANSCRIBE_CONCURRENCY at a time per lecture. The transcription job itself only plans,
 * hands out slots, and waits with its claim given back (src/jobs/engine.ts, StageSuspended); the
 * chunk that finishes last wakes it, and it stitches the chunks into one transcript.
 *
 * Redelivery and lost consumers: every unit and job step is a conditional write, so a duplicate
 * message finds nothing to do. A waiting job is looked at again by the recovery sweep when no
 * chunk woke it (JOB_LEASE_SEC + JOB_LOST_AFTER_SEC later), and then re-sends lost chunk
 * messages and takes back chunks whose consumer died.
 */
import {
  claimChunk,
  completeChunk,
  dispatchChunks,
  extendChunkLease,
  failChunk,
  getTranscriptionState,
  previousTranscription,
  retryChunk,
  savePlans,
  suspendForChunks,
  type ChunkRow,
  type ChunkSettled,
  type ClaimedChunk,
  type NewPlan,
  type PlanRow,
} from "../db/chunks.ts";
import type { LectureKey } from "../db/owner.ts";
import type { JobRow, LectureRow } from "../db/rows.ts";
import { cutChunk, planChunks, UnsupportedAudioError, type ChunkPlan } from "../domain/audio/index.ts";
import { sanitizeTranscript } from "../domain/transcripts/sanitize.ts";
import { stitchChunks } from "../domain/transcripts/stitch.ts";
import { log, OutcomeNotRecorded, retryDelaySec, StageSuspended, type UnitOutcome } from "../jobs/engine.ts";
import type { JobMessage } from "../jobs/messages.ts";
import type { Services } from "../services.ts";
import { storageReader } from "./audio-reader.ts";
import { PermanentJobError, TransientJobError } from "./errors.ts";
import { lectureOfJob } from "./keys.ts";
import { storeTranscript } from "./transcript-store.ts";
import { transcriptionHints } from "./providers/hints.ts";
import { transcriptionProvider, type TranscriptionProvider } from "./providers/index.ts";
import type { Config } from "../config.ts";

/** Seconds each chunk repeats of the one before, so a word at a cut is heard whole by one of them. */
export const CHUNK_OVERLAP_SEC = 2;

/** One of the lecture's recordings, in order: the lecture's own audio is 1. */
export interface RecordingRef {
  position: number;
  audioPath: string;
  sizeBytes: number | null;
  originalFilename: string | null;
}

export function recordingsOf(lecture: LectureRow, appended: { position: number; audio_path: string; size_bytes: number; original_filename: string | null }[]): RecordingRef[] {
  return [
    { position: 1, audioPath: lecture.audio_path!, sizeBytes: lecture.size_bytes, originalFilename: lecture.original_filename },
    ...appended.map((r) => ({ position: r.position, audioPath: r.audio_path, sizeBytes: r.size_bytes, originalFilename: r.original_filename })),
  ];
}

/** `lecture.part-03.mp3`: the upload's name and the chunk's number, so logs and the provider's records read plainly. */
export function chunkFileName(original: string | null, recording: number, index: number, count: number, cutName: string): string {
  const base = (original ?? "recording").split(/[\\/]/).pop()!;
  const stem = (base.replace(/\.[A-Za-z0-9]{1,10}$/, "") || "recording").replace(/[^\p{L}\p{N}._-]+/gu, "_").slice(0, 100);
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(cutName)?.[1] ?? "bin";
  const number = String(index + 1).padStart(Math.max(2, String(count).length), "0");
  return `${stem}${recording > 1 ? `.rec-${recording}` : ""}.part-${number}.${extension.toLowerCase()}`;
}

async function sendUnits(services: Services, jobId: string, units: number[]) {
  const queue = services.config.queue;
  if (!queue || units.length === 0) return;
  try {
    for (let i = 0; i < units.length; i += 100)
      await queue.sendBatch(units.slice(i, i + 100).map((unit) => ({ body: { jobId, unit } satisfies JobMessage, contentType: "json" as const })));
  } catch (error) {
    // The chunks stay queued in the database; the job's next look sends them again.
    log({ level: "error", msg: "chunk messages not sent", jobId, units, error: services.stages.classify(error).message });
  }
}

async function wakeJob(services: Services, jobId: string) {
  try {
    await services.config.queue?.send({ jobId } satisfies JobMessage, { contentType: "json" });
  } catch (error) {
    // The job's own look-again (next_attempt_at) and the recovery sweep still come.
    log({ level: "error", msg: "job wake-up not sent", jobId, error: services.stages.classify(error).message });
  }
}

/** Plans every recording of the lecture; its chunks are recorded `pending`. */
async function plan(services: Services, key: LectureKey, job: JobRow, recordings: RecordingRef[], prompt: string | null) {
  const { storage, config } = services;
  const plans: NewPlan[] = [];
  let offsetSec = 0;
  for (const recording of recordings) {
    const objectKey = storage.keyOf(recording.audioPath);
    if (!objectKey) throw new PermanentJobError("Audio not found for lecture.");
    let size = recording.sizeBytes;
    if (size === null) {
      const head = await storage.getRange(objectKey, 0, 1);
      if (!head) throw new PermanentJobError("Audio not found for lecture.");
      await head.body.cancel();
      size = head.size;
    }
    let chunkPlan: ChunkPlan;
    try {
      chunkPlan = await planChunks(storageReader(storage, objectKey, size), { maxChunkBytes: chunkLimit(config, transcriptionProvider(config)), overlapSec: CHUNK_OVERLAP_SEC });
    } catch (error) {
      if (error instanceof UnsupportedAudioError)
        throw new PermanentJobError(recordings.length > 1 ? `Recording ${recording.position}: ${error.message}` : error.message);
      throw error;
    }
    plans.push({
      recording: recording.position,
      audioPath: recording.audioPath,
      sizeBytes: size,
      originalFilename: recording.originalFilename,
      offsetSec,
      durationSec: chunkPlan.durationSec,
      plan: chunkPlan,
      prompt,
      chunks: chunkPlan.chunks.map((c) => ({ index: c.index, startSec: c.startSec, endSec: c.endSec })),
    });
    offsetSec += chunkPlan.durationSec;
  }
  await savePlans(services.db, key, job, plans, config.jobs.maxAttempts);
}

/**
 * The plans of an earlier transcription of the same recordings that did not finish (the job a
 * replay names, or the lecture's last failed one), with its transcribed chunks kept as done: a
 * 90-minute recording that failed on one chunk is not transcribed (and paid for) again. Null when
 * there is none, it asked for another model, or the recordings changed since (path or size).
 */
async function keptFromEarlierJob(services: Services, key: LectureKey, job: JobRow, recordings: RecordingRef[], prompt: string | null): Promise<NewPlan[] | null> {
  const earlier = await previousTranscription(services.db, key, job);
  const same =
    // Transcribed with the model this job asks for, and from the same recordings.
    earlier.params?.model === job.params.model &&
    earlier.plans.length === recordings.length &&
    recordings.every((r, i) => {
      const p = earlier.plans[i]!;
      return p.recording === r.position && p.audio_path === r.audioPath && (r.sizeBytes === null || p.size_bytes === r.sizeBytes);
    });
  if (!same) return null;
  const done = new Map(earlier.chunks.filter((c) => c.status === "completed" && c.result).map((c) => [c.seq, c.result]));
  let seq = 0; // numbered as savePlans numbers them: over the plans in order
  return earlier.plans.map((p, i) => ({
    recording: p.recording,
    audioPath: p.audio_path,
    sizeBytes: p.size_bytes,
    originalFilename: recordings[i]!.originalFilename,
    offsetSec: p.offset_sec,
    durationSec: p.duration_sec,
    plan: p.plan,
    prompt,
    chunks: (p.plan as ChunkPlan).chunks.map((c) => {
      const result = done.get(seq++);
      return { index: c.index, startSec: c.startSec, endSec: c.endSec, ...(result ? { result } : {}) };
    }),
  }));
}

const clock = (sec: number) => `${Math.floor(sec / 60)}:${String(Math.floor(sec % 60)).padStart(2, "0")}`;

function failedChunkError(failed: ChunkRow, chunks: ChunkRow[], plans: PlanRow[]) {
  const recording = plans.length > 1 ? `recording ${failed.recording}, ` : "";
  return new PermanentJobError(
    `Chunk ${failed.seq + 1} of ${chunks.length} (${recording}${clock(failed.start_sec)}–${clock(failed.end_sec)}) could not be transcribed: ${failed.error ?? "unknown error"}`,
  );
}

/**
 * The transcription job's step for chunked audio: plan (once), then either stitch (every chunk
 * done), fail (a chunk failed for good), or hand out slots and wait.
 */
export async function runChunkedTranscription(services: Services, job: JobRow, recordings: RecordingRef[]): Promise<Record<string, unknown>> {
  const { db, config } = services;
  const key = lectureOfJob(job);
  let state = await getTranscriptionState(db, key, job.id);
  if (state.plans.length === 0) {
    // The course's words, read once here rather than by every chunk.
    const { prompt } = state.lecture ? await transcriptionHints(db, key, state.lecture) : {};
    const kept = await keptFromEarlierJob(services, key, job, recordings, prompt ?? null);
    if (kept) await savePlans(db, key, job, kept, config.jobs.maxAttempts);
    else await plan(services, key, job, recordings, prompt ?? null);
    state = await getTranscriptionState(db, key, job.id);
    if (state.plans.length === 0) throw new TransientJobError("The chunk plan was not recorded (the job's claim was lost).");
  }
  // Inline mode has no queue: the chunks run here, a slot's worth at a time.
  const local = config.inlineJobs || !config.queue;
  for (let look = 0; look < 50; look++) {
    const { chunks, plans } = state;
    const failed = chunks.find((c) => c.status === "failed");
    if (failed) throw failedChunkError(failed, chunks, plans);
    if (chunks.every((c) => c.status === "completed")) return finish(services, job, plans, chunks);
    const { send } = await dispatchChunks(db, job.id, config.transcription.concurrency, config.jobs.lostAfterSec, config.jobs.stageTimeoutSec);
    if (local) {
      await Promise.all(send.map((seq) => runChunk(services, job.id, seq, { local: true })));
    } else {
      await sendUnits(services, job.id, send);
      if (await suspendForChunks(db, job, config.jobs.leaseSec)) throw new StageSuspended("waiting for chunks");
      state = await getTranscriptionState(db, key, job.id);
      // Not suspended although chunks are unfinished: this consumer's claim is gone (taken over,
      // or the job deleted); whoever holds the job now carries on.
      if (!state.chunks.some((c) => c.status === "failed") && state.chunks.some((c) => c.status === "pending" || c.status === "queued" || c.status === "running"))
        throw new StageSuspended("the job's claim was lost");
      continue;
    }
    state = await getTranscriptionState(db, key, job.id);
  }
  throw new TransientJobError("The chunks are still being transcribed.");
}

async function finish(services: Services, job: JobRow, plans: PlanRow[], chunks: ChunkRow[]) {
  const key = lectureOfJob(job);
  const offsets = new Map(plans.map((p) => [p.recording, p.offset_sec]));
  const stitched = stitchChunks(
    chunks.map((c) => ({
      offsetSec: offsets.get(c.recording) ?? 0,
      recording: c.recording,
      startSec: c.start_sec,
      endSec: c.end_sec,
      segments: c.result?.segments ?? [],
    })),
    plans.map((p) => p.duration_sec),
  );
  // The language most chunks heard (a chunk of silence hears none).
  const votes = new Map<string, number>();
  for (const c of chunks) if (c.result?.language) votes.set(c.result.language, (votes.get(c.result.language) ?? 0) + 1);
  const language = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const parsed = sanitizeTranscript({ text: stitched.text, language, segments: stitched.segments });
  if (parsed.segments.length === 0) throw new PermanentJobError("No speech was recognised in the recording: the transcription came back empty.");
  const model = chunks.find((c) => c.result?.model)?.result?.model ?? "unknown";
  const source = {
    parsed,
    // The provider that transcribed the chunks (the stage only runs with one configured).
    engine: { provider: transcriptionProvider(services.config)?.name ?? "openai", model },
    durationSec: stitched.durationSec,
    chunkCount: chunks.length,
  };
  return { ...(await storeTranscript(services, key, source, job)), recordingCount: plans.length };
}

/** Renews the chunk's lease a few times per lease period while it is transcribed. */
function keepChunkLease(services: Services, chunk: ChunkRow): () => void {
  const { leaseSec, stageTimeoutSec } = services.config.jobs;
  const timer = setInterval(() => {
    extendChunkLease(services.db, chunk, leaseSec, stageTimeoutSec).catch(() => {});
  }, (leaseSec * 1000) / 3);
  return () => clearInterval(timer);
}

/** The largest chunk: TRANSCRIBE_CHUNK_MB, or less when the provider takes less per request. */
export function chunkLimit(config: Config, provider: TranscriptionProvider | null): number {
  return Math.min(config.transcription.chunkBytes, provider?.maxFileBytes ?? Infinity);
}

async function transcribeChunk(services: Services, claimed: ClaimedChunk) {
  const { storage, config } = services;
  const { chunk, plan: planRow, params } = claimed;
  const objectKey = storage.keyOf(planRow.audio_path);
  if (!objectKey) throw new PermanentJobError("Audio not found for lecture.");
  const chunkPlan = planRow.plan as ChunkPlan;
  let cut;
  try {
    cut = await cutChunk(storageReader(storage, objectKey, planRow.size_bytes), chunkPlan, chunk.chunk_index);
  } catch (error) {
    if (error instanceof UnsupportedAudioError) throw new PermanentJobError(error.message);
    throw error;
  }
  const provider = transcriptionProvider(config);
  if (!provider) throw new PermanentJobError("Transcribing audio needs a speech-to-text provider: set OPENAI_API_KEY or bind Workers AI.");
  const result = await provider.transcribe(
    {
      bytes: cut.bytes,
      filename: chunkFileName(planRow.original_filename, chunk.recording, chunk.chunk_index, chunkPlan.chunks.length, cut.filename),
      contentType: cut.contentType,
      size: cut.bytes.byteLength,
    },
    {
      ...(typeof params.model === "string" ? { requestedModel: params.model } : {}),
      durationSec: chunk.end_sec - chunk.start_sec,
      ...(planRow.prompt ? { prompt: planRow.prompt } : {}),
      // A chunk may fall in a pause: silence is an empty chunk, not a failed one.
      allowSilence: true,
    },
  );
  return { language: result.language, segments: result.segments, model: result.model };
}

/**
 * One chunk, from its queue message (or, `local`, from the job itself in inline mode, where a
 * transient failure is final like the job's own).
 */
export async function runChunk(services: Services, jobId: string, seq: number, options: { local?: boolean } = {}): Promise<UnitOutcome> {
  const { db, config } = services;
  const claimed = await claimChunk(db, jobId, seq, config.jobs.leaseSec);
  if (!claimed) return { kind: "skipped" };
  const { chunk } = claimed;
  const started = Date.now();
  const release = keepChunkLease(services, chunk);
  let result: Awaited<ReturnType<typeof transcribeChunk>> | undefined;
  let chunkError: unknown;
  try {
    result = await transcribeChunk(services, claimed);
  } catch (error) {
    chunkError = error;
  } finally {
    release();
  }

  const concurrency = config.transcription.concurrency;
  let settled: ChunkSettled;
  let failure: string | undefined;
  try {
    if (chunkError === undefined) {
      settled = await completeChunk(db, chunk, result!, concurrency);
    } else {
      const { transient, message } = services.stages.classify(chunkError);
      if (transient && chunk.attempt < chunk.max_attempts && !options.local) {
        const delaySec = retryDelaySec(config.jobs.retryDelaysSec, chunk.attempt);
        await retryChunk(db, chunk, message, delaySec);
        log({ msg: "chunk", jobId, chunk: seq, attempt: chunk.attempt, outcome: "retry", error: message, retryInSec: delaySec, durationMs: Date.now() - started });
        return { kind: "retry", delaySec };
      }
      failure = transient && !options.local ? `${message} (gave up after ${chunk.attempt} attempts)` : message;
      settled = await failChunk(db, chunk, failure, concurrency);
    }
  } catch (error) {
    throw new OutcomeNotRecorded(error, services.stages.classify(error).message);
  }
  log({ msg: "chunk", jobId, chunk: seq, attempt: chunk.attempt, outcome: failure ? "failed" : "completed", ...(failure ? { error: failure } : {}), durationMs: Date.now() - started });
  // Inline, each finished chunk runs the chunks given its slot itself: a lane per slot.
  if (options.local) {
    await Promise.all(settled.send.map((next) => runChunk(services, jobId, next, options)));
    return { kind: "done" };
  }
  await sendUnits(services, jobId, settled.send);
  // The job waits with its claim given back: the last chunk (or a failed one) wakes it. A job
  // still running will see this chunk's outcome itself (see src/db/chunks.ts).
  if ((settled.unfinished === 0 || failure) && settled.jobStatus === "queued") await wakeJob(services, jobId);
  return { kind: "done" };
}
