/**
 * The course the read benchmarks run against, 1,000 lectures: one featured lecture sent through
 * the real pipeline (so its artifacts and exports exist in R2 too), then 999 more lectures with
 * their jobs, and 40 threads with occurrences and evolution notes, inserted straight into the
 * database in a few statements. Everything belongs to DEFAULT_OWNER ("local"), the owner of the
 * run's admin token, with storage paths under its `owners/local/` prefix as the Worker writes them.
 */
import { neon } from "@neondatabase/serverless";
import { DEFAULT_OWNER } from "../../src/domain/principal.ts";
import { ownerPrefix } from "../../src/pipeline/keys.ts";
import { apiJson, databaseUrl, ingest, post, waitForJobs } from "./client.ts";

/** The seeded course and its featured lecture (the one with real artifacts). */
export const COURSE = "bench-course";
export const FEATURED = "lec-0000";
/** Whose data the seed is: the admin token's owner. */
export const OWNER = DEFAULT_OWNER;

/** Seeds the course and waits for the featured lecture's pipeline; prints what was seeded. */
export async function seed() {
  const started = Date.now();
  // One lecture goes through the real pipeline, so its artifacts, exports and threads exist in R2 too.
  await ingest(COURSE, FEATURED, 0);
  await post(`/lectures/${FEATURED}/transcribe`);
  await post(`/lectures/${FEATURED}/generate`, {});
  await post(`/lectures/${FEATURED}/export`);
  const sql = neon(databaseUrl);
  const uri = `r2://pegasus-media/${ownerPrefix(OWNER)}`;
  await sql.query(
    `insert into lectures (owner_id, id, course_id, preset_id, title, status, audio_path, transcript_path, duration_sec, source_type,
       original_filename, content_type, size_bytes, checksum_sha256, created_at, updated_at)
     select $2, 'lec-' || lpad(i::text, 4, '0'), $1, (array['exam-mode','beginner-mode','concept-map-mode','research-mode','neurodivergent-friendly-mode'])[1 + i % 5],
       'Seeded lecture ' || i, 'transcribed', $3 || '/audio/seed-' || i || '.txt',
       $3 || '/transcripts/lec-' || lpad(i::text, 4, '0') || '.json', 3000, 'upload', 'lecture-' || i || '.txt', 'text/plain',
       6000 + i, encode(sha256(i::text::bytea), 'hex'), now() - make_interval(mins => 2000 - i), now() - make_interval(mins => 2000 - i)
     from generate_series(1, 999) as i`,
    [COURSE, OWNER, uri],
  );
  // Transcription and generation completed; export queued (2 of 3) or failed (1 of 3).
  await sql.query(
    `with base as (
       select l.owner_id, l.id, l.created_at, s.job_type, s.ord,
         case when s.job_type <> 'export' then 'completed' when right(l.id, 4)::int % 3 = 0 then 'failed' else 'queued' end as status
       from lectures l cross join (values ('transcription', 1), ('generation', 2), ('export', 3)) as s(job_type, ord)
       where l.owner_id = $3 and l.course_id = $1 and l.id <> $2)
     insert into jobs (id, owner_id, lecture_id, job_type, status, result, error, attempt, enqueued_at, created_at, updated_at, started_at, finished_at)
     select gen_random_uuid()::text, owner_id, id, job_type, status,
       case when status = 'completed' then '{"seeded": true}'::jsonb end,
       case when status = 'failed' then 'Seeded failure: the export renderer ran out of time.' end,
       case when status = 'queued' then 0 else 1 end,
       created_at + make_interval(secs => ord), created_at + make_interval(secs => ord), created_at + make_interval(secs => ord + 30),
       case when status <> 'queued' then created_at + make_interval(secs => ord + 1) end,
       case when status <> 'queued' then created_at + make_interval(secs => ord + 30) end
     from base`,
    [COURSE, FEATURED, OWNER],
  );
  await sql.query(
    `insert into threads (id, owner_id, course_id, title, title_key, summary, status, complexity_level, lecture_refs, created_at, updated_at)
     select 'thread-' || t, $2, $1, 'Seeded concept ' || t, 'seeded concept ' || t, 'How seeded concept ' || t || ' develops across the course.',
       case when t % 4 = 0 then 'advanced' else 'foundational' end, 1 + t % 4,
       jsonb_build_array('lec-' || lpad((t * 7)::text, 4, '0'), 'lec-' || lpad((t * 7 + 1)::text, 4, '0'), 'lec-' || lpad((t * 7 + 2)::text, 4, '0')),
       now() - make_interval(mins => 60 - t), now() - make_interval(mins => 60 - t)
     from generate_series(1, 40) as t`,
    [COURSE, OWNER],
  );
  const perRef = `from threads th, jsonb_array_elements_text(th.lecture_refs) as r(lecture_id)
    where th.owner_id = $2 and th.course_id = $1 and th.id like 'thread-%'`;
  await sql.query(`insert into thread_occurrences (thread_id, owner_id, lecture_id, course_id, artifact_id, evidence, confidence, segment_index)
     select th.id, th.owner_id, r.lecture_id, $1, 'seeded-artifact', 'The lecturer comes back to ' || th.title || ' here.', 0.8, 3 ${perRef}`, [COURSE, OWNER]);
  await sql.query(`insert into thread_evolution_notes (thread_id, owner_id, lecture_id, change_type, note)
     select th.id, th.owner_id, r.lecture_id, 'refinement', th.title || ' is refined with a new example.' ${perRef}`, [COURSE, OWNER]);
  const { failed } = await waitForJobs(`lecture_id=${FEATURED}`, 3, 180_000);
  if (failed) throw new Error(`the featured lecture's pipeline failed: ${JSON.stringify((await apiJson(`/jobs?lecture_id=${FEATURED}&status=failed`)).jobs.map((j: any) => j.error))}`);
  const [counts] = (await sql.query(
    `select (select count(*) from lectures where owner_id = $3 and course_id = $1) as lectures, (select count(*) from jobs where owner_id = $3) as jobs,
       (select count(*) from artifacts where owner_id = $3 and lecture_id = $2) as artifacts,
       (select count(*) from exports where owner_id = $3 and lecture_id = $2) as exports,
       (select count(*) from threads where owner_id = $3 and course_id = $1) as threads`,
    [COURSE, FEATURED, OWNER],
  )) as Record<string, string>[];
  console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.entries(counts!).map(([k, v]) => `${v} ${k}`).join(", ")}`);
}
