/**
 * A stage's final writes land only while its job still runs under the same attempt: a consumer
 * that finishes after a re-ingest (its job deleted) or after the recovery sweep took the job over
 * writes nothing, so no old material comes back.
 */
import { describe, expect, it } from "vitest";
import { saveArtifactRecords, saveExportRecords } from "../../src/db/artifacts.ts";
import type { JobRow } from "../../src/db/rows.ts";
import { saveLectureThreads, type ThreadUpsert } from "../../src/db/threads.ts";
import { saveTranscript } from "../../src/db/transcripts.ts";
import { lectureOf, TEST_OWNER, uid } from "../support/http.ts";
import { execSql, queuedJob, sql, testServices } from "../support/jobs.ts";
import { ingestOk } from "../support/lectures.ts";

const db = () => testServices().db;

async function runningJob(lectureId: string, jobType: JobRow["job_type"]) {
  const job = await queuedJob(lectureId, jobType);
  await execSql(sql`update jobs set status = 'running', attempt = 1, started_at = now() where id = ${job.id}`);
  return { ...job, status: "running" as const, attempt: 1 };
}

async function counts(lectureId: string, courseId: string) {
  const result = await execSql(sql`
    select (select count(*)::int from transcript_segments where lecture_id = ${lectureId}) as segments,
           (select count(*)::int from artifacts where lecture_id = ${lectureId}) as artifacts,
           (select count(*)::int from exports where lecture_id = ${lectureId}) as exports,
           (select count(*)::int from threads where course_id = ${courseId}) as threads,
           (select count(*)::int from thread_occurrences where lecture_id = ${lectureId}) as occurrences,
           (select transcript_path from lectures where id = ${lectureId}) as transcript_path`);
  return (result as unknown as { rows: Record<string, unknown>[] }).rows[0]!;
}

const segments = [
  { startSec: 0, endSec: 4.25, text: "The membrane is a phospholipid bilayer." },
  { startSec: 4.25, endSec: 9.125, text: "Diffusion moves molecules down their gradient." },
];

function artifact(lectureId: string, courseId: string) {
  return {
    id: `${lectureId}-summary`,
    ownerId: TEST_OWNER,
    lectureId,
    courseId,
    presetId: "exam-mode",
    artifactType: "summary",
    storagePath: `r2://pegasus-media/artifacts/${lectureId}/summary.json`,
    summaryOverview: "Membranes and diffusion.",
    summarySectionCount: 2,
  };
}

function thread(lectureId: string): ThreadUpsert {
  return {
    newId: crypto.randomUUID(),
    title: "Diffusion",
    titleKey: "diffusion",
    summary: "Movement down a gradient.",
    replaceSummary: false,
    complexityLevel: 1,
    changeType: "refinement",
    note: `First appears in lecture ${lectureId}`,
    evidence: "Diffusion moves molecules down their gradient.",
    confidence: 0.9,
    segmentIndex: 1,
    artifactId: `${lectureId}-summary`,
  };
}

async function saveAll(lectureId: string, courseId: string, job: JobRow) {
  await saveTranscript(db(), lectureOf(lectureId), `r2://pegasus-media/transcripts/${lectureId}.json`, segments, job);
  const ids = await saveLectureThreads(db(), courseId, lectureOf(lectureId), [thread(lectureId)], job);
  await saveArtifactRecords(db(), [artifact(lectureId, courseId)], job);
  await saveExportRecords(db(), lectureOf(lectureId), { markdown: `r2://pegasus-media/exports/${lectureId}/${lectureId}.md` }, job);
  return ids;
}

describe("stage writes guarded by their job", () => {
  it("land while the job runs under its attempt", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId });
    const ids = await saveAll(lectureId, courseId, await runningJob(lectureId, "generation"));
    expect(ids.size).toBe(1);
    expect(await counts(lectureId, courseId)).toEqual({
      segments: 2,
      artifacts: 1,
      exports: 1,
      threads: 1,
      occurrences: 1,
      transcript_path: `r2://pegasus-media/transcripts/${lectureId}.json`,
    });
    const stored = await execSql(sql`select start_sec, end_sec, text from transcript_segments where lecture_id = ${lectureId} order by segment_index`);
    expect((stored as unknown as { rows: unknown[] }).rows).toEqual(
      segments.map((s) => ({ start_sec: s.startSec, end_sec: s.endSec, text: s.text })),
    );
  });

  it("write nothing once a re-ingest replaced the recording (the job is gone)", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId });
    const job = await runningJob(lectureId, "generation");
    await ingestOk({ courseId, lectureId, file: new Blob(["The corrected recording."]) });

    expect((await saveAll(lectureId, courseId, job)).size).toBe(0);
    expect(await counts(lectureId, courseId)).toEqual({ segments: 0, artifacts: 0, exports: 0, threads: 0, occurrences: 0, transcript_path: null });
    const lecture = await execSql(sql`select status from lectures where id = ${lectureId}`);
    expect((lecture as unknown as { rows: { status: string }[] }).rows[0]!.status).toBe("uploaded");
  });

  it("write nothing once the job runs under a newer attempt (the recovery sweep re-ran it)", async () => {
    const courseId = uid("c");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId });
    const job = await runningJob(lectureId, "generation");
    await execSql(sql`update jobs set attempt = 2 where id = ${job.id}`);
    expect((await saveAll(lectureId, courseId, job)).size).toBe(0);
    expect(await counts(lectureId, courseId)).toMatchObject({ segments: 0, artifacts: 0, exports: 0, threads: 0 });
  });
});
