/**
 * A long transcription's chunks: each is a unit of work with its own claim, lease and attempts,
 * run from the queue like a job but inside its transcription job. Every state change is one
 * conditional statement (or one batch), so duplicate or late queue deliveries cannot both win.
 *
 * The statements that hand out slots (at most `concurrency` chunks queued or running per job), or
 * decide whether the job still waits for chunks, first take a per-job advisory lock, so a chunk
 * finishing and its job deciding to wait are ordered: either the job sees the chunk finished, or
 * the chunk sees the job waiting and wakes it.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { TranscriptSegment } from "../domain/transcript.ts";
import type { Db } from "./client.ts";
import { claimHeld, jobGuard, type JobClaim } from "./job-guard.ts";
import { lectureIs, ofLecture, type LectureKey } from "./owner.ts";
import { jobs, lectureRecordings, lectures, transcriptionChunks, transcriptionPlans } from "./schema.ts";

export type ChunkRow = typeof transcriptionChunks.$inferSelect;
export type PlanRow = typeof transcriptionPlans.$inferSelect;

export interface ChunkResult {
  language: string | null;
  segments: TranscriptSegment[];
  model: string;
}

/** Namespace of the per-job advisory locks (any constant, distinct from the lecture locks'). */
const JOB_LOCK = 0x7c4b;
const lockJob = (db: Db, jobId: string) => db.execute(sql`select pg_advisory_xact_lock(${JOB_LOCK}::int, hashtext(${jobId}::text))`);

const UNFINISHED = ["pending", "queued", "running"] as const;
const jobIsActive = (jobId: string) => sql`exists (select 1 from ${jobs} where ${jobs.id} = ${jobId} and ${jobs.status} in ('queued', 'running'))`;

type Batch = Parameters<Db["batch"]>[0];

/** Everything the transcription job needs to decide its next step, in one round trip. */
export async function getTranscriptionState(db: Db, key: LectureKey, jobId: string) {
  const [[lecture], recordings, plans, chunks] = await db.batch([
    db.select().from(lectures).where(lectureIs(key)),
    db.select().from(lectureRecordings).where(ofLecture(lectureRecordings, key)).orderBy(asc(lectureRecordings.position)),
    db.select().from(transcriptionPlans).where(eq(transcriptionPlans.job_id, jobId)).orderBy(asc(transcriptionPlans.recording)),
    db.select().from(transcriptionChunks).where(eq(transcriptionChunks.job_id, jobId)).orderBy(asc(transcriptionChunks.seq)),
  ]);
  return { lecture: lecture ?? null, recordings, plans, chunks };
}

export interface NewPlan {
  recording: number;
  audioPath: string;
  sizeBytes: number;
  originalFilename: string | null;
  offsetSec: number;
  durationSec: number;
  plan: unknown;
  /** The transcription prompt every chunk of the plan is sent with. */
  prompt: string | null;
  /** `result`: a chunk already transcribed (by an earlier job of the same recordings), kept as done. */
  chunks: { index: number; startSec: number; endSec: number; result?: unknown }[];
}

/**
 * The plans and chunks of an earlier transcription of the lecture that did not finish: the job a
 * replay names, else the newest failed transcription job created before this one. Its finished
 * chunks can be kept when the recordings are still the same.
 */
export async function previousTranscription(db: Db, key: LectureKey, job: { id: string; created_at: string; replayed_from_job_id: string | null }) {
  const source = job.replayed_from_job_id
    ? sql`select ${job.replayed_from_job_id}::text as id`
    : sql`select ${jobs.id} as id from ${jobs}
        where ${ofLecture(jobs, key)} and ${jobs.job_type} = 'transcription' and ${jobs.status} = 'failed'
          and ${jobs.id} <> ${job.id} and ${jobs.created_at} <= ${job.created_at}::timestamptz
        order by ${jobs.created_at} desc, ${jobs.id} desc limit 1`;
  const [sourceJob, plans, chunks] = await db.batch([
    db.select({ params: jobs.params }).from(jobs).where(and(ofLecture(jobs, key), sql`${jobs.id} = (${source})`)),
    db.select().from(transcriptionPlans).where(and(ofLecture(transcriptionPlans, key), sql`${transcriptionPlans.job_id} = (${source})`)).orderBy(asc(transcriptionPlans.recording)),
    db
      .select({ seq: transcriptionChunks.seq, status: transcriptionChunks.status, result: transcriptionChunks.result })
      .from(transcriptionChunks)
      .where(and(ofLecture(transcriptionChunks, key), sql`${transcriptionChunks.job_id} = (${source})`))
      .orderBy(asc(transcriptionChunks.seq)),
  ]);
  return { params: sourceJob[0]?.params ?? null, plans, chunks };
}

/**
 * Records the job's plans and chunks (`pending`, or `completed` with the result an earlier job
 * left), only while the job runs under this claim.
 * A plan already recorded (a retried job) is kept as it was.
 */
export async function savePlans(db: Db, key: LectureKey, job: JobClaim, plans: NewPlan[], maxAttempts: number) {
  const { lock, owned } = jobGuard(db, job);
  let seq = 0;
  const chunkRows = plans.flatMap((p) =>
    p.chunks.map((c) => ({ q: seq++, r: p.recording, i: c.index, s: c.startSec, e: c.endSec, ...(c.result ? { x: c.result } : {}) })),
  );
  const planRows = plans.map((p) => ({
    r: p.recording,
    a: p.audioPath,
    b: p.sizeBytes,
    f: p.originalFilename,
    o: p.offsetSec,
    d: p.durationSec,
    p: p.plan,
    t: p.prompt,
  }));
  await db.batch([
    ...lock,
    db.execute(sql`
      insert into ${transcriptionPlans} (job_id, owner_id, lecture_id, recording, audio_path, size_bytes, original_filename, offset_sec, duration_sec, plan, prompt)
      select ${job.id}::text, ${key.owner}::text, ${key.lectureId}::text, r.r, r.a, r.b, r.f, r.o, r.d, r.p, r.t
      from jsonb_to_recordset(${JSON.stringify(planRows)}::jsonb) as r(r int, a text, b bigint, f text, o float8, d float8, p jsonb, t text)
      where ${owned}
      on conflict do nothing`),
    db.execute(sql`
      insert into ${transcriptionChunks} (job_id, owner_id, lecture_id, seq, recording, chunk_index, start_sec, end_sec, max_attempts, status, result, finished_at)
      select ${job.id}::text, ${key.owner}::text, ${key.lectureId}::text, r.q, r.r, r.i, r.s, r.e, ${maxAttempts}::int,
        case when r.x is null then 'pending' else 'completed' end, r.x, case when r.x is null then null else now() end
      from jsonb_to_recordset(${JSON.stringify(chunkRows)}::jsonb) as r(q int, r int, i int, s float8, e float8, x jsonb)
      where ${owned}
      on conflict do nothing`),
  ] as unknown as Batch);
}

/**
 * Pending chunks move to `queued` while the job has fewer than `concurrency` queued or running,
 * and none failed (the job fails then: no point transcribing the rest).
 */
const fillSlots = (db: Db, jobId: string, concurrency: number) =>
  db.execute(sql`
    update ${transcriptionChunks} set status = 'queued', enqueued_at = now(), next_attempt_at = null
    where job_id = ${jobId} and seq in (
      select seq from ${transcriptionChunks} where job_id = ${jobId} and status = 'pending' order by seq
      limit greatest(0, ${concurrency}::int - (select count(*)::int from ${transcriptionChunks} where job_id = ${jobId} and status in ('queued', 'running')))
    ) and ${jobIsActive(jobId)}
      and not exists (select 1 from ${transcriptionChunks} where job_id = ${jobId} and status = 'failed')
    returning seq`);

const seqsOf = (result: unknown) => ((result as { rows: { seq: number }[] }).rows ?? []).map((r) => Number(r.seq));

export interface DispatchResult {
  /** Chunks whose message is to be sent now. */
  send: number[];
}

/**
 * The job's look after its chunks: running chunks whose lease lapsed (their consumer is gone) go
 * back to the queue, or fail when no attempt is left; queued chunks whose message is overdue by
 * `lostAfterSec` are sent again; free slots are filled. One batch.
 */
export async function dispatchChunks(db: Db, jobId: string, concurrency: number, lostAfterSec: number, stageTimeoutSec: number): Promise<DispatchResult> {
  const stopped = `The chunk's transcription stopped without finishing (its consumer was lost, or it ran past ${stageTimeoutSec} s). No attempts left.`;
  const results = (await db.batch([
    lockJob(db, jobId),
    db.execute(sql`
      update ${transcriptionChunks}
      set status = case when attempt >= max_attempts then 'failed' else 'queued' end,
        error = case when attempt >= max_attempts then ${stopped}::text else error end,
        finished_at = case when attempt >= max_attempts then now() else null end,
        enqueued_at = now(), next_attempt_at = null, lease_expires_at = null
      where job_id = ${jobId} and status = 'running'
        and (lease_expires_at < now() or started_at < now() - make_interval(secs => ${stageTimeoutSec}))
      returning seq, status`),
    db.execute(sql`
      update ${transcriptionChunks} set enqueued_at = now()
      where job_id = ${jobId} and status = 'queued'
        and (enqueued_at is null or greatest(enqueued_at, next_attempt_at) < now() - make_interval(secs => ${lostAfterSec}))
      returning seq`),
    fillSlots(db, jobId, concurrency),
  ] as unknown as Batch)) as unknown as unknown[];
  const requeued = ((results[1] as { rows: { seq: number; status: string }[] }).rows ?? []).filter((r) => r.status === "queued").map((r) => Number(r.seq));
  return { send: [...new Set([...requeued, ...seqsOf(results[2]), ...seqsOf(results[3])])].sort((a, b) => a - b) };
}

/**
 * The job gives its claim back while its chunks run: queued again, the attempt it spent returned
 * (waiting is not a failure), due for a look after `delaySec` in case no chunk wakes it. Only
 * while some chunk is unfinished and none failed: false means that changed meanwhile (or the
 * claim is lost).
 */
export async function suspendForChunks(db: Db, job: JobClaim, delaySec: number): Promise<boolean> {
  const results = (await db.batch([
    lockJob(db, job.id),
    db
      .update(jobs)
      .set({
        status: "queued",
        attempt: sql`${jobs.attempt} - 1`,
        next_attempt_at: sql`now() + make_interval(secs => ${delaySec})`,
        enqueued_at: sql`now()`,
        lease_expires_at: null,
        updated_at: sql`now()`,
      })
      .where(
        and(
          claimHeld(job),
          sql`exists (select 1 from ${transcriptionChunks} c where c.job_id = ${job.id} and c.status in ('pending', 'queued', 'running'))`,
          // A failed chunk fails the job now; nothing more would wake it.
          sql`not exists (select 1 from ${transcriptionChunks} c where c.job_id = ${job.id} and c.status = 'failed')`,
        ),
      )
      .returning({ id: jobs.id }),
  ] as unknown as Batch)) as unknown as unknown[];
  return (results[1] as unknown[]).length > 0;
}

export interface ClaimedChunk {
  chunk: ChunkRow;
  plan: PlanRow;
  /** The transcription job's parameters (the model). */
  params: Record<string, unknown>;
}

/**
 * Moves a queued chunk to running (one attempt spent) under a fresh lease, or takes over a running
 * one whose lease lapsed; only while its job is active. Null when there is nothing to do (done,
 * already running, the job finished or was deleted).
 */
export async function claimChunk(db: Db, jobId: string, seq: number, leaseSec: number): Promise<ClaimedChunk | null> {
  const [claimed] = await db
    .update(transcriptionChunks)
    .set({
      status: "running",
      attempt: sql`${transcriptionChunks.attempt} + 1`,
      started_at: sql`now()`,
      next_attempt_at: null,
      lease_expires_at: sql`now() + make_interval(secs => ${leaseSec})`,
    })
    .where(
      and(
        eq(transcriptionChunks.job_id, jobId),
        eq(transcriptionChunks.seq, seq),
        sql`(${transcriptionChunks.status} = 'queued' or (${transcriptionChunks.status} = 'running' and ${transcriptionChunks.lease_expires_at} < now() and ${transcriptionChunks.attempt} < ${transcriptionChunks.max_attempts}))`,
        jobIsActive(jobId),
      ),
    )
    .returning();
  if (!claimed) return null;
  // A second statement, but only for a chunk that will really run: cheaper than joining the plan
  // (a few KB) into every claim attempt, most of which (duplicates) find nothing.
  const [row] = await db
    .select({ plan: transcriptionPlans, params: jobs.params })
    .from(transcriptionPlans)
    .innerJoin(jobs, eq(jobs.id, transcriptionPlans.job_id))
    .where(and(eq(transcriptionPlans.job_id, jobId), eq(transcriptionPlans.recording, claimed.recording)));
  if (!row) return null;
  return { chunk: claimed, plan: row.plan, params: row.params };
}

type ChunkClaim = Pick<ChunkRow, "job_id" | "seq" | "attempt">;

const chunkHeld = (c: ChunkClaim) =>
  and(eq(transcriptionChunks.job_id, c.job_id), eq(transcriptionChunks.seq, c.seq), eq(transcriptionChunks.status, "running"), eq(transcriptionChunks.attempt, c.attempt))!;

/** Renews a running chunk's lease, never past the stage timeout. False when the claim is lost. */
export async function extendChunkLease(db: Db, c: ChunkClaim, leaseSec: number, stageTimeoutSec: number) {
  const rows = await db
    .update(transcriptionChunks)
    .set({ lease_expires_at: sql`now() + make_interval(secs => ${leaseSec})` })
    .where(and(chunkHeld(c), sql`${transcriptionChunks.started_at} > now() - make_interval(secs => ${stageTimeoutSec})`))
    .returning({ seq: transcriptionChunks.seq });
  return rows.length > 0;
}

export interface ChunkSettled {
  /** False when the claim was lost: nothing was written. */
  recorded: boolean;
  /** Chunks given a slot now: send their messages. */
  send: number[];
  /** Chunks of the job not finished yet (pending, queued or running). */
  unfinished: number;
  /** The job's status, null when it is gone. */
  jobStatus: string | null;
}

async function settleChunk(db: Db, c: ChunkClaim, update: Parameters<ReturnType<Db["update"]>["set"]>[0], concurrency: number): Promise<ChunkSettled> {
  const results = (await db.batch([
    lockJob(db, c.job_id),
    db.update(transcriptionChunks).set(update).where(chunkHeld(c)).returning({ seq: transcriptionChunks.seq }),
    fillSlots(db, c.job_id, concurrency),
    db.execute(sql`
      select (select count(*)::int from ${transcriptionChunks} where job_id = ${c.job_id} and status in (${sql.join(
        UNFINISHED.map((s) => sql`${s}`),
        sql`, `,
      )})) as unfinished,
        (select status from ${jobs} where id = ${c.job_id}) as job_status`),
  ] as unknown as Batch)) as unknown as unknown[];
  const [state] = (results[3] as { rows: { unfinished: number; job_status: string | null }[] }).rows;
  return {
    recorded: (results[1] as unknown[]).length > 0,
    send: seqsOf(results[2]),
    unfinished: Number(state?.unfinished ?? 0),
    jobStatus: state?.job_status ?? null,
  };
}

export function completeChunk(db: Db, c: ChunkClaim, result: ChunkResult, concurrency: number) {
  return settleChunk(db, c, { status: "completed", result, error: null, finished_at: sql`now()`, lease_expires_at: null }, concurrency);
}

export function failChunk(db: Db, c: ChunkClaim, error: string, concurrency: number) {
  return settleChunk(db, c, { status: "failed", error, finished_at: sql`now()`, lease_expires_at: null }, concurrency);
}

/** Back to queued with the error kept (the slot stays taken) until the retry message arrives. */
export async function retryChunk(db: Db, c: ChunkClaim, error: string, delaySec: number) {
  await db
    .update(transcriptionChunks)
    .set({ status: "queued", error, enqueued_at: sql`now()`, next_attempt_at: sql`now() + make_interval(secs => ${delaySec})`, lease_expires_at: null })
    .where(chunkHeld(c));
}

/** Chunk counts of a lecture's transcription jobs, for progress. */
export const chunkProgressOf = (db: Db, key: LectureKey) =>
  db
    .select({
      job_id: transcriptionChunks.job_id,
      done: sql<number>`count(*) filter (where ${transcriptionChunks.status} = 'completed')::int`,
      total: sql<number>`count(*)::int`,
    })
    .from(transcriptionChunks)
    .where(ofLecture(transcriptionChunks, key))
    .groupBy(transcriptionChunks.job_id);
