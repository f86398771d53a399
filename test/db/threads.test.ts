/**
 * A lecture regenerated without a concept it used to mention loses its link to that thread (note,
 * occurrence, reference); a thread left with no lecture is removed; one another lecture still
 * mentions stays, with that lecture's link intact.
 */
import { describe, expect, it } from "vitest";
import { saveLectureThreads, type ThreadUpsert } from "../../src/db/threads.ts";
import { lectureOf, TEST_OWNER, uid } from "../support/http.ts";
import { ingestOk } from "../support/lectures.ts";
import { execSql, sql, testServices } from "../support/jobs.ts";

function concept(lectureId: string, key: string, level = 1): ThreadUpsert {
  return {
    newId: `${key}-${crypto.randomUUID().slice(0, 8)}`,
    title: key,
    titleKey: key,
    summary: `About ${key}.`,
    replaceSummary: false,
    complexityLevel: level,
    changeType: "refinement",
    note: `${lectureId} mentions ${key}`,
    evidence: `${key} is discussed.`,
    confidence: 0.9,
    segmentIndex: 0,
    artifactId: `${lectureId}-key-terms`,
  };
}

async function links(courseId: string) {
  const { rows } = (await execSql(sql`
    select t.title_key as key, t.lecture_refs as refs, t.status,
      (select count(*)::int from thread_evolution_notes n where n.thread_id = t.id) as notes,
      (select count(*)::int from thread_occurrences o where o.thread_id = t.id) as occurrences
    from threads t where t.course_id = ${courseId} order by t.title_key`)) as unknown as {
    rows: { key: string; refs: string[]; status: string; notes: number; occurrences: number }[];
  };
  return rows;
}

describe("thread links on regeneration", () => {
  it("drops the links of concepts a regenerated lecture no longer has, and threads left without lectures", async () => {
    const db = testServices().db;
    const courseId = uid("c");
    const [first, second] = [uid("lec"), uid("lec")];
    await ingestOk({ courseId, lectureId: first });
    await ingestOk({ courseId, lectureId: second });

    await saveLectureThreads(db, courseId, lectureOf(first), [concept(first, "osmosis"), concept(first, "diffusion")]);
    await saveLectureThreads(db, courseId, lectureOf(second), [concept(second, "osmosis", 4)]);
    expect(await links(courseId)).toEqual([
      { key: "diffusion", refs: [first], status: "foundational", notes: 1, occurrences: 1 },
      { key: "osmosis", refs: [first, second].sort(), status: "advanced", notes: 2, occurrences: 2 },
    ]);

    // The first lecture is regenerated and now mentions neither concept.
    await saveLectureThreads(db, courseId, lectureOf(first), [concept(first, "active transport")]);
    expect(await links(courseId)).toEqual([
      { key: "active transport", refs: [first], status: "foundational", notes: 1, occurrences: 1 },
      // still mentioned by the second lecture: only the first lecture's link went
      { key: "osmosis", refs: [second], status: "advanced", notes: 1, occurrences: 1 },
    ]);

    // Regenerating with nothing at all leaves the first lecture in no thread.
    await saveLectureThreads(db, courseId, lectureOf(first), []);
    expect((await links(courseId)).map((l) => l.key)).toEqual(["osmosis"]);
  });
});
