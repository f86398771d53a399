/**
 * Generation and threads against the real database and R2: two lectures of one course share
 * concepts, and generating a lecture again changes no counts.
 */
import { api, ok } from "../support/client.ts";
import { describe, expect, it } from "vitest";
import lectureOne from "../fixtures/lectures/cell-membranes.txt?raw";
import lectureTwo from "../fixtures/lectures/membrane-transport-2.txt?raw";
import { execSql, sql } from "../support/jobs.ts";
import { call, json, uid } from "../support/http.ts";
import { ingestOk, post } from "../support/lectures.ts";

const inline = { PLC_INLINE_JOBS: "1" };

async function runStages(lectureId: string, stages = ["transcribe", "generate"]) {
  for (const stage of stages) {
    const body = await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, inline));
    expect(body.status, JSON.stringify(body)).toBe("completed");
  }
}

async function counts(courseId: string) {
  const result = await execSql(sql`
    select (select count(*)::int from threads where course_id = ${courseId}) as threads,
           (select count(*)::int from thread_occurrences where course_id = ${courseId}) as occurrences,
           (select count(*)::int from thread_evolution_notes n join threads t on t.id = n.thread_id where t.course_id = ${courseId}) as notes,
           (select count(*)::int from artifacts where course_id = ${courseId}) as artifacts`);
  return (result as unknown as { rows: Record<string, number>[] }).rows[0]!;
}

describe("generation and threads", () => {
  it("links the second lecture to the first lecture's threads, and is idempotent", async () => {
    const courseId = uid("bio");
    const first = uid("membranes");
    const second = uid("transport");
    await ingestOk({ courseId, lectureId: first, file: new Blob([lectureOne]), filename: "one.txt", durationSec: "900" });
    await ingestOk({ courseId, lectureId: second, file: new Blob([lectureTwo]), filename: "two.txt", durationSec: "600" });
    await runStages(first);
    const afterFirst = await counts(courseId);
    expect(afterFirst.threads).toBeGreaterThan(2);

    await runStages(second);
    const { threads } = await ok(await api.courses[":course_id"].threads.$get({ param: { course_id: courseId }, query: {} }));
    const shared = threads.filter((t) => t.lecture_refs.includes(first) && t.lecture_refs.includes(second));
    expect(shared.length).toBeGreaterThan(0);
    for (const thread of shared) {
      expect(thread.evolution_notes?.map((n) => n.lecture_id).sort()).toEqual([first, second].sort());
      expect(thread.occurrences?.map((o) => o.lecture_id).sort()).toEqual([first, second].sort());
      const revisit = thread.evolution_notes?.find((n) => n.lecture_id === second);
      expect(["refinement", "complexity", "contradiction"]).toContain(revisit?.change_type);
      expect(revisit?.note).toContain(second);
    }

    // The second lecture's artifacts point at its threads, and its key terms at theirs.
    const artifacts = await ok(await api.lectures[":lecture_id"].artifacts.$get({ param: { lecture_id: second }, query: {} }));
    const threadIds = new Set(threads.map((t) => t.id));
    const summaryRefs = artifacts.artifacts.summary?.threadRefs ?? [];
    expect(summaryRefs.length).toBeGreaterThan(0);
    for (const ref of summaryRefs) expect(threadIds.has(ref)).toBe(true);
    expect(artifacts.artifacts["key-terms"]?.terms.length).toBeGreaterThan(0);
    const linkedTerms = (artifacts.artifacts["key-terms"]?.terms ?? []).filter((t) => t.threadRef);
    for (const term of linkedTerms) expect(threadIds.has(term.threadRef!)).toBe(true);

    // Grounding points at real transcript segments, with their times.
    const transcript = await json(await call(`/lectures/${second}`));
    expect(transcript.transcript_path).toContain(`transcripts/${second}.json`);
    const segmentCount = (await execSql(sql`select count(*)::int as n from transcript_segments where lecture_id = ${second}`)) as unknown as { rows: { n: number }[] };
    expect(artifacts.artifacts.flashcards?.cards.length).toBeGreaterThan(0);
    for (const card of artifacts.artifacts.flashcards?.cards ?? [])
      for (const source of card.sources ?? []) expect(source.segmentIndex).toBeLessThan(segmentCount.rows[0]!.n);

    const before = await counts(courseId);
    await runStages(first, ["generate"]);
    await runStages(second, ["generate"]);
    expect(await counts(courseId)).toEqual(before);
    expect(before.artifacts).toBe(10);
  });

  it("fails with a clear error when the transcript is missing", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const body = await json(await post(`/lectures/${lectureId}/generate`, {}, inline));
    expect(body.status).toBe("failed");
    expect((await json(await call(`/jobs/${body.jobId}`))).error).toBe("Transcript not found. Run transcription first.");
  });
});
