/**
 * Starting stages without HTTP: the checks a request must pass, and deduplication of a stage that
 * is already active.
 */
import { describe, expect, it } from "vitest";
import { startExport, startGeneration, startTranscription } from "../../src/pipeline/start.ts";
import { lectureOf, TEST_OWNER, uid } from "../support/http.ts";
import { testServices } from "../support/jobs.ts";
import { ingestOk } from "../support/lectures.ts";

describe("starting stages", () => {
  it("generation defaults course and preset from the lecture, and refuses mismatches and unknown models", async () => {
    const services = testServices();
    const courseId = uid("c");
    const lectureId = uid("lec");
    await ingestOk({ courseId, lectureId, presetId: "beginner-mode" });
    await expect(startGeneration(services, lectureOf(lectureId), { presetId: "exam-mode" })).rejects.toMatchObject({ code: "preset_mismatch" });
    await expect(startGeneration(services, lectureOf(lectureId), { courseId: "other" })).rejects.toMatchObject({ code: "course_mismatch" });
    await expect(startGeneration(services, lectureOf(lectureId), { openaiModel: "o3-pro" })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(startGeneration(services, lectureOf("no-such-lecture"), {})).rejects.toMatchObject({ code: "lecture_not_found" });

    const started = await startGeneration(services, lectureOf(lectureId), {});
    expect(started).toMatchObject({ courseId, presetId: "beginner-mode", deduplicated: false, job: { job_type: "generation", status: "queued" } });
    const again = await startGeneration(services, lectureOf(lectureId), {});
    expect(again).toMatchObject({ deduplicated: true, job: { id: started.job.id } });
  });

  it("transcription needs the lecture; export too", async () => {
    const services = testServices();
    await expect(startTranscription(services, lectureOf("no-such-lecture"), "base")).rejects.toMatchObject({ code: "lecture_not_found" });
    await expect(startExport(services, lectureOf("no-such-lecture"))).rejects.toMatchObject({ code: "lecture_not_found" });
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    expect(await startTranscription(services, lectureOf(lectureId), "base")).toMatchObject({ deduplicated: false, job: { params: { model: "base" } } });
  });
});
