/**
 * Transcription of any length, end to end through the real local queue: real encoded fixtures
 * (test/fixtures/audio) are cut into many chunks (TRANSCRIBE_CHUNK_MB is 0.08 in this project),
 * every chunk goes to the local OpenAI server, which decodes it with ffmpeg (a bad cut is a 400)
 * and answers one segment per stretch of speech; the stitched transcript must put every sentence
 * of the fixture's manifest once, at its time on the lecture's clock.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import manifest from "../fixtures/audio/manifest.json";
import { call, json, uid } from "../support/http.ts";
import { ingestOk, post, waitForJob } from "../support/lectures.ts";
import { deliver, execSql, jobRow, queuedJob } from "../support/jobs.ts";

const FAKE = env.OPENAI_BASE_URL.replace(/\/v1$/, "");
// The local server finds speech by its level, so a sentence ends up to ~0.4 s before the
// manifest says (espeak's quiet tail); the same on the whole file as on chunks.
const TOLERANCE_SEC = 0.5;
const CONCURRENCY = 4; // TRANSCRIBE_CONCURRENCY's default
const CHUNK_BYTES = 0.08 * 1024 * 1024; // TRANSCRIBE_CHUNK_MB of this project (vitest.config.ts)
/** A file of `bytes` cannot take fewer chunks than this. */
const leastChunks = (bytes: number) => Math.max(2, Math.floor(bytes / CHUNK_BYTES));

interface Segment {
  startSec: number;
  endSec: number;
  text: string;
}

async function fixture(name: string): Promise<Blob> {
  const res = await fetch(`${FAKE}/__fixtures/audio/${name}`);
  if (!res.ok) throw new Error(`fixture ${name}: ${res.status}`);
  return new Blob([await res.arrayBuffer()]);
}

/** What the local OpenAI server received for file names containing `marker`. */
async function received(marker: string): Promise<{ filename: string; status: number; prompt: string | null }[]> {
  return (await fetch(`${FAKE}/__requests?contains=${encodeURIComponent(marker)}`)).json();
}

async function transcribe(lectureId: string) {
  const started = await json(await post(`/lectures/${lectureId}/transcribe`));
  return waitForJob(started.jobId, ["completed", "failed"], 140_000);
}

async function transcriptOf(lectureId: string) {
  const res = await call(`/lectures/${lectureId}/transcript`);
  expect(res.status).toBe(200);
  return json<{ language: string | null; durationSec: number; segments: Segment[] }>(res);
}

/** Every manifest sentence, shifted by `offsetSec`, is matched by exactly one segment (and vice versa). */
function expectSentences(segments: Segment[], offsetSec: number) {
  for (const sentence of manifest.sentences) {
    const start = sentence.startSec + offsetSec;
    const end = sentence.endSec + offsetSec;
    const matches = segments.filter((s) => Math.abs(s.startSec - start) <= TOLERANCE_SEC && Math.abs(s.endSec - end) <= TOLERANCE_SEC);
    expect(matches, `sentence ${sentence.index} at ${start.toFixed(2)}–${end.toFixed(2)} s: ${JSON.stringify(segments.filter((s) => s.endSec > start - 2 && s.startSec < end + 2))}`).toHaveLength(1);
  }
}

function expectMonotonic(segments: Segment[], durationSec: number) {
  segments.forEach((s, i) => {
    expect(s.endSec).toBeGreaterThanOrEqual(s.startSec);
    if (i > 0) expect(s.startSec).toBeGreaterThanOrEqual(segments[i - 1]!.endSec);
  });
  expect(segments[0]!.startSec).toBeGreaterThanOrEqual(0);
  expect(segments.at(-1)!.endSec).toBeLessThanOrEqual(durationSec);
}

// Every chunk is decoded by ffmpeg in the local server: generous on a busy 2-core machine.
describe("transcription of any length", { timeout: 150_000 }, () => {
  it("cuts a WAV lecture into many chunks, transcribes them in parallel (bounded) and stitches one transcript", async () => {
    const lectureId = uid("lec");
    const name = `wav-${lectureId}`;
    const wav = await fixture("lecture.wav");
    await ingestOk({ courseId: uid("c"), lectureId, file: wav, filename: `${name}.wav`, courseTitle: "Cell Biology 101", title: "Membranes and osmosis" });
    const job = await transcribe(lectureId);
    expect(job).toMatchObject({ status: "completed", error: null, attempt: 1 });
    expect(job.result.chunkCount).toBeGreaterThanOrEqual(Math.max(6, leastChunks(wav.size)));

    const transcript = await transcriptOf(lectureId);
    expect(transcript.durationSec).toBeCloseTo(manifest.durationSec, 1);
    expect(transcript.segments).toHaveLength(manifest.sentences.length);
    expectSentences(transcript.segments, 0);
    expectMonotonic(transcript.segments, transcript.durationSec);

    // Every chunk was a file the provider decoded (it answers 400 to a bad cut), once each.
    const requests = await received(name);
    expect(requests).toHaveLength(job.result.chunkCount);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    const count = job.result.chunkCount as number;
    expect(requests.map((r) => r.filename).sort()).toEqual(Array.from({ length: count }, (_, i) => `${name}.part-${String(i + 1).padStart(2, "0")}.wav`));
    // Each chunk is sent with the course's words, as a whole recording would be.
    for (const r of requests) expect(r.prompt).toBe("Cell Biology 101. Membranes and osmosis.");

    // Never more than TRANSCRIBE_CONCURRENCY chunks transcribed at the same time.
    const { rows } = (await execSql(
      sql`select started_at, finished_at from transcription_chunks where job_id = ${job.id} order by started_at`,
    )) as unknown as { rows: { started_at: string; finished_at: string }[] };
    expect(rows).toHaveLength(job.result.chunkCount);
    const events = rows.flatMap((r) => [
      { at: Date.parse(r.started_at), delta: 1 },
      { at: Date.parse(r.finished_at), delta: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (running += e.delta));
    expect(peak).toBeLessThanOrEqual(CONCURRENCY);
    expect(peak).toBeGreaterThan(1);

    // Progress reports the chunks inside the transcription stage.
    const progress = await json(await call(`/lectures/${lectureId}/progress`));
    expect(progress.stages.transcription).toMatchObject({
      status: "completed",
      chunks: { done: job.result.chunkCount, total: job.result.chunkCount },
      message: `transcription: ${job.result.chunkCount}/${job.result.chunkCount} chunks`,
    });
    expect(progress.stages.generation).toEqual({ status: "not_started", jobId: null, createdAt: null, updatedAt: null, error: null });

    // The stored transcript records its duration and chunk count.
    const stored = (await (await env.BUCKET.get(`owners/local/transcripts/${lectureId}.json`))!.json()) as { durationSec: number; chunkCount: number };
    expect(stored).toMatchObject({ chunkCount: job.result.chunkCount });
    expect(stored.durationSec).toBeCloseTo(manifest.durationSec, 1);
  });

  it("retries each chunk on its own: every chunk fails twice, then succeeds, and nothing else is redone", async () => {
    const lectureId = uid("lec");
    const name = `lecture-fail-twice-${lectureId}`;
    const flac = await fixture("lecture.flac");
    await ingestOk({ courseId: uid("c"), lectureId, file: flac, filename: `${name}.flac` });
    const job = await transcribe(lectureId);
    expect(job).toMatchObject({ status: "completed", error: null, attempt: 1 });
    const chunks = job.result.chunkCount as number;
    expect(chunks).toBeGreaterThanOrEqual(leastChunks(flac.size));

    const requests = await received(name);
    const byName = new Map<string, number[]>();
    for (const r of requests) byName.set(r.filename, [...(byName.get(r.filename) ?? []), r.status]);
    expect(byName.size).toBe(chunks);
    for (const [filename, statuses] of byName) {
      expect(filename).toMatch(new RegExp(`^${name}\\.part-\\d{2}\\.flac$`));
      expect(statuses).toEqual([503, 503, 200]);
    }
    const transcript = await transcriptOf(lectureId);
    expectSentences(transcript.segments, 0);
  });

  it("concatenates a lecture's recordings in order, with running time offsets", async () => {
    const lectureId = uid("lec");
    const name = `parts-${lectureId}`;
    await ingestOk({ courseId: uid("c"), lectureId, file: await fixture("lecture-cbr.mp3"), filename: `${name}-a.mp3` });
    const form = new FormData();
    form.set("audio", await fixture("lecture.m4a"), `${name}-b.m4a`);
    const appended = await call(`/lectures/${lectureId}/recordings`, { method: "POST", body: form });
    expect(appended.status).toBe(201);
    expect(await json(appended)).toMatchObject({ position: 2, original_filename: `${name}-b.m4a`, size_bytes: expect.any(Number) });

    const job = await transcribe(lectureId);
    expect(job).toMatchObject({ status: "completed", error: null });
    expect(job.result.recordingCount).toBe(2);
    const transcript = await transcriptOf(lectureId);
    const first = transcript.segments.filter((s) => s.startSec < manifest.durationSec - 0.5);
    const second = transcript.segments.filter((s) => s.startSec >= manifest.durationSec - 0.5);
    expectSentences(first, 0);
    // The second part starts where the first ends: the MP3's length (a little over the speech's,
    // frame padding), as its plan measured it.
    const { rows } = (await execSql(sql`select recording, offset_sec, duration_sec from transcription_plans where job_id = ${job.id} order by recording`)) as unknown as {
      rows: { recording: number; offset_sec: number; duration_sec: number }[];
    };
    const mp3Sec = Number(rows[0]!.duration_sec);
    expect(mp3Sec).toBeGreaterThan(manifest.durationSec - 0.1);
    expect(mp3Sec).toBeLessThan(manifest.durationSec + 0.3);
    expect(Number(rows[1]!.offset_sec)).toBe(mp3Sec);
    expect(transcript.durationSec).toBeCloseTo(mp3Sec + Number(rows[1]!.duration_sec), 2);
    expectSentences(second, mp3Sec);
    expect(transcript.segments).toHaveLength(2 * manifest.sentences.length);
    expectMonotonic(transcript.segments, transcript.durationSec);
    const requests = await received(name);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect(requests.map((r) => r.filename)).toContain(`${name}-b.rec-2.part-01.m4a`);
  });

  it("survives redelivery and a lost chunk consumer: the job's next look takes the chunk back, nothing else is redone", async () => {
    const lectureId = uid("lec");
    const name = `redelivery-${lectureId}`;
    await ingestOk({ courseId: uid("c"), lectureId, file: await fixture("lecture-cbr.mp3"), filename: `${name}.mp3` });
    const job = await queuedJob(lectureId, "transcription"); // no message: this test delivers them
    // The consumer's queue is a recorder, so every message it sends is delivered by hand below.
    const sent: { jobId: string; unit?: number }[] = [];
    const JOBS = {
      send: async (body: { jobId: string; unit?: number }) => void sent.push(body),
      sendBatch: async (messages: { body: { jobId: string; unit?: number } }[]) => void sent.push(...messages.map((m) => m.body)),
    };
    const run = (body: { jobId: string; unit?: number }) => deliver([body], { overrides: { JOBS } });
    const take = () => sent.splice(0);

    // The job plans, hands out the first slots and waits without spending its attempt.
    expect((await run({ jobId: job.id })).result.explicitAcks).toHaveLength(1);
    const units = take().map((m) => m.unit);
    expect(units).toEqual([0, 1, 2, 3].slice(0, units.length));
    expect(units.length).toBeGreaterThanOrEqual(2);
    expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempt: 0 });

    await run({ jobId: job.id, unit: 0 });
    // A duplicate of a finished chunk's message finds nothing to do.
    await run({ jobId: job.id, unit: 0 });
    // Chunk 1's consumer died mid-request: its lease lapsed.
    await execSql(sql`update transcription_chunks set status = 'running', attempt = 1, started_at = now(), lease_expires_at = now() - interval '1 second' where job_id = ${job.id} and seq = 1`);
    // The recovery sweep's re-sent job message: the job looks again and takes chunk 1 back.
    await run({ jobId: job.id });
    const resent = take();
    expect(resent).toContainEqual({ jobId: job.id, unit: 1 });
    sent.push(...resent); // delivered below, after the first messages
    for (const unit of units.slice(1)) await run({ jobId: job.id, unit });
    for (let more = take(); more.length > 0; more = take()) for (const m of more) await run(m);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempt: 1, error: null });

    const attempts = (await execSql(sql`select seq, attempt from transcription_chunks where job_id = ${job.id} order by seq`)) as unknown as { rows: { seq: number; attempt: number }[] };
    expect(attempts.rows.map((r) => Number(r.attempt))).toEqual(attempts.rows.map((r) => (Number(r.seq) === 1 ? 2 : 1)));
    const requests = await received(name);
    expect(requests).toHaveLength(attempts.rows.length); // one request per chunk: the duplicate did nothing
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expectSentences((await transcriptOf(lectureId)).segments, 0);
  });

  it("inline mode runs the chunks inside the request", async () => {
    const lectureId = uid("lec");
    const name = `inline-${lectureId}`;
    await ingestOk({ courseId: uid("c"), lectureId, file: await fixture("lecture-opus.ogg"), filename: `${name}.ogg` });
    const started = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, { PLC_INLINE_JOBS: "1" }));
    expect(started.status).toBe("completed");
    const requests = await received(name);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expectSentences((await transcriptOf(lectureId)).segments, 0);
  });

  it("fails the job with a clear message when a chunk fails for good", async () => {
    const lectureId = uid("lec");
    const name = `always-503-${lectureId}`;
    await ingestOk({ courseId: uid("c"), lectureId, file: await fixture("lecture-opus.ogg"), filename: `${name}.ogg` });
    const job = await transcribe(lectureId);
    expect(job.status).toBe("failed");
    expect(job.error).toMatch(/^Chunk \d+ of \d+ \(\d+:\d\d–\d+:\d\d\) could not be transcribed: .*\(gave up after 4 attempts\)$/);
    const perChunk = new Map<string, number>();
    for (const r of await received(name)) perChunk.set(r.filename, (perChunk.get(r.filename) ?? 0) + 1);
    expect(Math.max(...perChunk.values())).toBe(4); // JOB_MAX_ATTEMPTS, each chunk on its own
    expect((await call(`/lectures/${lectureId}/transcript`)).status).toBe(404);
  });

  it("a transcription that failed on some chunks keeps the others: a replay, or a new start, sends only what is missing", async () => {
    const lectureId = uid("lec");
    const name = `keep-${lectureId}`;
    await ingestOk({ courseId: uid("c"), lectureId, file: await fixture("lecture.wav"), filename: `${name}.wav` });
    const first = await transcribe(lectureId);
    expect(first.status).toBe("completed");
    const count = first.result.chunkCount as number;
    expect(count).toBeGreaterThanOrEqual(4);
    expect(await received(name)).toHaveLength(count);
    // As if chunks 2 and 3 had failed for good: the job failed, their results are gone.
    const failChunks = async (jobId: string, seqs: number[]) => {
      await execSql(sql`update jobs set status = 'failed', error = 'Chunk failed.' where id = ${jobId}`);
      await execSql(sql`update transcription_chunks set status = 'failed', result = null where job_id = ${jobId} and seq in ${sql.raw(`(${seqs.join(",")})`)}`);
    };
    await failChunks(first.id, [1, 2]);

    const replayed = await json(await post(`/jobs/${first.id}/replay`));
    const second = await waitForJob(replayed.jobId, ["completed", "failed"], 140_000);
    expect(second).toMatchObject({ status: "completed", result: { chunkCount: count } });
    expect(await received(name)).toHaveLength(count + 2); // only the two that failed
    expectSentences((await transcriptOf(lectureId)).segments, 0);

    // POST /transcribe after a failure keeps what the failed job finished too.
    await failChunks(second.id, [0]);
    const third = await transcribe(lectureId);
    expect(third).toMatchObject({ status: "completed", result: { chunkCount: count } });
    expect(await received(name)).toHaveLength(count + 3);
    const { rows } = (await execSql(sql`select count(*)::int as n from transcription_chunks where job_id = ${third.id} and status = 'completed'`)) as unknown as { rows: { n: number }[] };
    expect(rows[0]!.n).toBe(count);
    expectSentences((await transcriptOf(lectureId)).segments, 0);
  });

  it("fails for good, naming the supported formats, when long audio is not a format it can cut", async () => {
    const lectureId = uid("lec");
    const noise = new Uint8Array(120_000);
    for (let i = 0; i < noise.length; i += 65_536) crypto.getRandomValues(noise.subarray(i, i + 65_536));
    noise.set([0x00, 0x01, 0x02, 0x03], 0); // no container starts like this
    await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([noise], { type: "audio/mpeg" }), filename: `noise-${lectureId}.mp3` });
    const job = await transcribe(lectureId);
    expect(job.status).toBe("failed");
    expect(job.attempt).toBe(1);
    expect(job.error).toMatch(/Supported formats: .*MP3/);
    expect(await received(`noise-${lectureId}`)).toEqual([]);
  });
});
