import { describe, expect, it } from "vitest";
import { courseProgress, later, lectureProgress, roundHalfToEven, tallyLectures, tallyStatusGroups, type StageJob, type StageStatus } from "../../src/domain/progress.ts";

const job = (job_type: string, status: StageJob["status"], created_at = "2024-01-01T00:00:00Z", updated_at: string | null = created_at): StageJob => ({
  job_type,
  id: `${job_type}-${status}`,
  status,
  created_at,
  updated_at,
  error: status === "failed" ? "boom" : null,
});

describe("lectureProgress", () => {
  it("is not started with no jobs", () => {
    const p = lectureProgress([]);
    expect(p).toMatchObject({ overallStatus: "not_started", stageCount: 3, completedStageCount: 0, progressPercent: 0, currentStage: "transcription", hasFailedStage: false });
    expect(p.stages.export).toEqual({ status: "not_started", jobId: null, createdAt: null, updatedAt: null, error: null });
  });

  it("transcription and generation done, export queued: 66, export, in_progress", () => {
    const p = lectureProgress([job("transcription", "completed"), job("generation", "completed"), job("export", "queued")]);
    expect(p).toMatchObject({ overallStatus: "in_progress", completedStageCount: 2, progressPercent: 66, currentStage: "export", hasFailedStage: false });
  });

  it("transcription done, generation failed: 33, generation, failed", () => {
    const p = lectureProgress([job("transcription", "completed"), job("generation", "failed")]);
    expect(p).toMatchObject({ overallStatus: "failed", progressPercent: 33, currentStage: "generation", hasFailedStage: true });
    expect(p.stages.generation.error).toBe("boom");
  });

  it("counts a merely queued first stage as in progress (departure from the reference)", () => {
    expect(lectureProgress([job("transcription", "queued")]).overallStatus).toBe("in_progress");
    expect(lectureProgress([job("transcription", "running")]).overallStatus).toBe("in_progress");
  });

  it("is completed with all three stages done, current stage 'completed'", () => {
    const p = lectureProgress([job("transcription", "completed"), job("generation", "completed"), job("export", "completed")]);
    expect(p).toMatchObject({ overallStatus: "completed", progressPercent: 100, currentStage: "completed" });
  });

  it("follows stage order, not time, for the current stage", () => {
    const p = lectureProgress([job("transcription", "failed"), job("generation", "completed")]);
    expect(p.currentStage).toBe("transcription");
    expect(p.overallStatus).toBe("failed");
  });

  it("reports a chunked transcription's chunks inside its stage, running while it waits for them", () => {
    const waiting = { ...job("transcription", "queued"), chunks: { done: 7, total: 12 } };
    const p = lectureProgress([waiting]);
    expect(p.stages.transcription).toMatchObject({ status: "running", chunks: { done: 7, total: 12 }, message: "transcription: 7/12 chunks" });
    expect(p).toMatchObject({ overallStatus: "in_progress", progressPercent: 0, currentStage: "transcription" });
    const done = lectureProgress([{ ...job("transcription", "completed"), chunks: { done: 12, total: 12 } }, job("generation", "queued")]);
    expect(done.stages.transcription).toMatchObject({ status: "completed", message: "transcription: 12/12 chunks" });
    // Without chunks the stage keeps exactly its old keys.
    expect(Object.keys(lectureProgress([{ ...job("transcription", "queued"), chunks: null }]).stages.transcription)).toEqual(["status", "jobId", "createdAt", "updatedAt", "error"]);
  });

  it("ignores jobs of other types", () => {
    expect(lectureProgress([job("reindex", "failed")]).overallStatus).toBe("not_started");
  });
});

describe("roundHalfToEven", () => {
  it("rounds halves to the even neighbour like Python's round", () => {
    expect(roundHalfToEven(16.5)).toBe(16);
    expect(roundHalfToEven(66.5)).toBe(66);
    expect(roundHalfToEven(49.5)).toBe(50);
    expect(roundHalfToEven(0.5)).toBe(0);
    expect(roundHalfToEven(33.4)).toBe(33);
    expect(roundHalfToEven(33.6)).toBe(34);
  });
});

describe("courseProgress", () => {
  const lecture = (jobs: StageJob[], created_at: string, updated_at: string | null = created_at) => ({
    progress: lectureProgress(jobs),
    created_at,
    updated_at,
  });

  it("reproduces the reference rollup example", () => {
    const l1 = lecture(
      [job("transcription", "completed", "2024-01-02T00:00:00Z"), job("generation", "completed", "2024-01-03T00:00:00Z"), job("export", "queued", "2024-01-04T00:00:00Z", null)],
      "2024-01-01T00:00:00Z",
    );
    const l2 = lecture([job("transcription", "completed", "2024-01-02T00:00:00Z"), job("generation", "failed", "2024-01-02T12:00:00Z")], "2024-01-01T12:00:00Z");
    const c = courseProgress([l2, l1]);
    expect(c).toEqual({
      overallStatus: "failed",
      lectureCount: 2,
      completedLectureCount: 0,
      failedLectureCount: 1,
      inProgressLectureCount: 1,
      notStartedLectureCount: 0,
      progressPercent: 50, // (33 + 66) / 2 = 49.5 → 50
      latestActivityAt: "2024-01-04T00:00:00Z", // falls back to the export job's createdAt
    });
  });

  it("uses half-to-even for the mean", () => {
    const done = [job("transcription", "completed")];
    expect(courseProgress([lecture(done, "2024-01-01T00:00:00Z"), lecture([], "2024-01-01T00:00:00Z")]).progressPercent).toBe(16);
    const all = [job("transcription", "completed"), job("generation", "completed"), job("export", "completed")];
    expect(courseProgress([lecture(all, "2024-01-01T00:00:00Z"), lecture(done, "2024-01-01T00:00:00Z")]).progressPercent).toBe(66);
  });

  it("one lecture without jobs: not started, latest activity is the lecture", () => {
    expect(courseProgress([lecture([], "2024-02-01T00:00:00.5Z", null)])).toMatchObject({
      overallStatus: "not_started",
      lectureCount: 1,
      notStartedLectureCount: 1,
      progressPercent: 0,
      latestActivityAt: "2024-02-01T00:00:00.5Z",
    });
  });

  it("an empty course: not started, 0, no activity", () => {
    expect(courseProgress([])).toMatchObject({ overallStatus: "not_started", lectureCount: 0, progressPercent: 0, latestActivityAt: null });
  });

  it("all lectures completed: completed; a queued lecture keeps the course in progress", () => {
    const all = [job("transcription", "completed"), job("generation", "completed"), job("export", "completed")];
    expect(courseProgress([lecture(all, "2024-01-01T00:00:00Z")]).overallStatus).toBe("completed");
    const many = Array.from({ length: 9 }, () => lecture([], "2024-01-01T00:00:00Z"));
    expect(courseProgress([...many, lecture([job("transcription", "queued")], "2024-01-01T00:00:00Z")]).overallStatus).toBe("in_progress");
  });
});

describe("tallyStatusGroups", () => {
  it("counts lectures grouped by their stage statuses exactly as tallyLectures counts them one by one", () => {
    const states = ["not_started", "queued", "running", "completed", "failed"] as const;
    const groups: { statuses: StageStatus[]; count: number }[] = [];
    const lectures = [];
    let count = 0;
    for (const t of states)
      for (const g of states)
        for (const e of states) {
          const statuses: StageStatus[] = [t, g, e];
          count = (count % 4) + 1; // groups of 1 to 4 lectures
          groups.push({ statuses, count });
          const jobs = (["transcription", "generation", "export"] as const).flatMap((type, i) => (statuses[i] === "not_started" ? [] : [job(type, statuses[i] as StageJob["status"])]));
          for (let i = 0; i < count; i++) lectures.push({ progress: lectureProgress(jobs), created_at: "2024-01-01T00:00:00Z", updated_at: null });
        }
    const expected = tallyLectures(lectures);
    expect(tallyStatusGroups(groups, expected.latestActivityAt)).toEqual(expected);
    expect(expected).toMatchObject({ lectureCount: lectures.length, failed: expect.any(Number) });
    expect(expected.failed + expected.completed + expected.inProgress + expected.notStarted).toBe(lectures.length);
  });
});

describe("later", () => {
  it.each([
    ["2026-11-26T02:38:20Z", "2026-11-26T02:38:20.5Z", "2026-11-26T02:38:20.5Z"],
    ["2026-11-26T02:38:20.5Z", "2026-11-26T02:38:20Z", "2026-11-26T02:38:20.5Z"],
    ["2026-11-26T02:38:20.000001Z", "2026-11-26T02:38:20.00001Z", "2026-11-26T02:38:20.00001Z"],
    ["2026-11-26T02:38:19.999999Z", "2026-11-26T02:38:20Z", "2026-11-26T02:38:20Z"],
    ["2025-12-31T23:59:59.9Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
    ["2026-11-26T02:38:20.500Z", "2026-11-26T02:38:20.5Z", "2026-11-26T02:38:20.5Z"],
  ])("of %s and %s is %s (as instants)", (a, b, expected) => {
    expect(later(a, b)).toBe(expected);
    expect(later(b, a)).toBe(expected);
  });

  it("skips nulls", () => {
    expect(later(null, "2026-11-26T02:38:20Z")).toBe("2026-11-26T02:38:20Z");
    expect(later("2026-11-26T02:38:20Z", null)).toBe("2026-11-26T02:38:20Z");
    expect(later(null, null)).toBeNull();
  });
});
