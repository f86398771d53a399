/**
 * Section B: LECTURES lectures uploaded, then transcribed, generated and exported through the real
 * local queue with the offline generator. Reports upload rate, wall time and jobs/s, database
 * round trips per job (split into the enqueue requests, from section A's figures, and the queue
 * consumer, with the bench's own status polls subtracted), prerequisite waits and median stage
 * times from the Worker's job logs; any failed job is listed and counted as a problem.
 */
import { apiJson, gateway, ingest, jobEvents, post, quiet, waitForJobs } from "./client.ts";
import { measured } from "./endpoints.ts";
import { ms, problems, quantile, section, table } from "./report.ts";
import { CONCURRENCY, LECTURES } from "./settings.ts";

export async function pipeline() {
  section(`B. Pipeline: ${LECTURES} lectures x (transcribe, generate, export) through the local queue, offline generator`);
  const id = (i: number) => `p-${String(i).padStart(4, "0")}`;
  const course = "bench-pipeline";
  const pool = async (work: (i: number) => Promise<void>) => {
    let next = 1;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { for (let i = next++; i <= LECTURES; i = next++) await work(i); }));
  };
  let t0 = performance.now();
  await pool(async (i) => { await ingest(course, id(i), 100 + i); });
  const uploadSec = (performance.now() - t0) / 1000;
  await quiet();
  const before = gateway.requestCount();
  const eventsBefore = jobEvents.length;
  t0 = performance.now();
  await pool(async (i) => {
    await post(`/lectures/${id(i)}/transcribe`);
    await post(`/lectures/${id(i)}/generate`, {});
    await post(`/lectures/${id(i)}/export`);
  });
  const fireSec = (performance.now() - t0) / 1000;
  const result = await waitForJobs(`course_id=${course}`, 3 * LECTURES, Math.max(300_000, LECTURES * 6_000));
  const wall = (performance.now() - t0) / 1000;
  await quiet();
  const pollCost = measured.get("GET /jobs?status=failed")?.rt ?? 1;
  const total = gateway.requestCount() - before - result.polls * pollCost;
  const jobs = 3 * LECTURES;
  const enqueueRt = ["transcribe", "generate", "export"].reduce((n, s) => n + (measured.get(`POST /lectures/{id}/${s}`)?.rt ?? 0), 0) * LECTURES;
  const events = jobEvents.slice(eventsBefore);
  const waits = events.filter((e) => e.msg === "job waiting").length;
  const runs = events.filter((e) => e.msg === "job");
  const stageMs = (type: string) => quantile(runs.filter((e) => e.jobType === type).map((e) => e.durationMs ?? 0), 0.5);
  table(["pipeline", "value"], [
    ["lectures uploaded (~1,000 words each)", `${LECTURES} in ${uploadSec.toFixed(1)} s (${(LECTURES / uploadSec).toFixed(1)}/s, ${CONCURRENCY} concurrent)`],
    ["jobs fired (transcribe, generate, export)", `${jobs} in ${fireSec.toFixed(1)} s`],
    ["wall time, first request to last job done", `${wall.toFixed(1)} s`],
    ["jobs/s", (jobs / wall).toFixed(2)],
    ["completed / failed", `${result.completed} / ${result.failed}`],
    ["database round trips per job (all)", (total / jobs).toFixed(2)],
    ["  of which the enqueue requests", (enqueueRt / jobs).toFixed(2)],
    ["  of which the queue consumer", ((total - enqueueRt) / jobs).toFixed(2)],
    ["prerequisite waits (2 round trips each)", `${waits} (${(waits / jobs).toFixed(2)} per job)`],
    ["median stage time transcription/generation/export", ["transcription", "generation", "export"].map((t) => `${ms(stageMs(t))} ms`).join(" / ")],
    ["status polls by the bench (subtracted)", `${result.polls} x ${pollCost} round trip`],
  ]);
  if (result.failed) {
    problems.push(`${result.failed} pipeline jobs failed`);
    for (let offset = 0; ; offset += 100) {
      const page = await apiJson(`/jobs?course_id=${course}&status=failed&limit=100&offset=${offset}`);
      for (const j of page.jobs) console.log(`  failed: ${j.jobType} ${j.lectureId}: ${j.error}`);
      if (!page.pagination.hasMore) break;
    }
  }
  return { jobsPerSec: jobs / wall, rtPerJob: total / jobs, wall, failed: result.failed };
}
