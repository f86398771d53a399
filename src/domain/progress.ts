/**
 * Progress maths for a lecture (three stages, derived from its latest job per stage) and for a
 * course (the mean of its lectures). Pure: rows in, payload pieces out.
 */
import { JOB_TYPES, type JobStatus, type JobType } from "./jobs.ts";

/** A lecture's progress has one stage per job type. */
export const STAGES = JOB_TYPES;
export type Stage = JobType;
export type StageStatus = JobStatus | "not_started";
export type OverallStatus = "not_started" | "in_progress" | "completed" | "failed";

/** The latest job of one stage, as the progress payload shows it. */
export interface StageJob {
  job_type: string;
  id: string;
  status: JobStatus;
  created_at: string;
  updated_at: string | null;
  error: string | null;
  /** A transcription in chunks: how many are transcribed (absent otherwise). */
  chunks?: ChunkCount | null;
}

export interface ChunkCount {
  done: number;
  total: number;
}

export interface StageSnapshot {
  status: StageStatus;
  jobId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  error: string | null;
  /** Only for a transcription in chunks. */
  chunks?: ChunkCount;
  /** e.g. `transcription: 7/12 chunks`; only for a transcription in chunks. */
  message?: string;
}

export interface LectureProgress {
  overallStatus: OverallStatus;
  stageCount: number;
  completedStageCount: number;
  progressPercent: number;
  currentStage: Stage | "completed";
  hasFailedStage: boolean;
  stages: Record<Stage, StageSnapshot>;
}

const EMPTY_STAGE: StageSnapshot = { status: "not_started", jobId: null, createdAt: null, updatedAt: null, error: null };

/**
 * `latestJobs` holds at most one job per stage: the newest. Jobs of other types are ignored.
 */
export function lectureProgress(latestJobs: readonly StageJob[]): LectureProgress {
  const stages = Object.fromEntries(STAGES.map((s) => [s, EMPTY_STAGE])) as Record<Stage, StageSnapshot>;
  for (const job of latestJobs) {
    if (!(STAGES as readonly string[]).includes(job.job_type)) continue;
    const chunks = job.job_type === "transcription" && job.chunks && job.chunks.total > 0 ? job.chunks : null;
    stages[job.job_type as Stage] = {
      // A chunked transcription waits in the queue while its chunks run: it is running.
      status: chunks && job.status === "queued" ? "running" : job.status,
      jobId: job.id,
      createdAt: job.created_at,
      updatedAt: job.updated_at,
      error: job.error,
      ...(chunks ? { chunks: { done: chunks.done, total: chunks.total }, message: `transcription: ${chunks.done}/${chunks.total} chunks` } : {}),
    };
  }
  return { ...summarizeStages(STAGES.map((s) => stages[s].status)), stages };
}

/** What a lecture's stage statuses (in pipeline order) make of it. */
export function summarizeStages(statuses: readonly StageStatus[]): Omit<LectureProgress, "stages"> {
  const completedStageCount = statuses.filter((s) => s === "completed").length;
  const hasFailedStage = statuses.includes("failed");
  const firstOpen = statuses.findIndex((s) => s !== "completed");
  const currentStage = firstOpen === -1 ? "completed" : STAGES[firstOpen]!;
  // A lecture whose first job is merely queued is already in progress (decisions.md §2).
  const overallStatus: OverallStatus = hasFailedStage
    ? "failed"
    : completedStageCount === STAGES.length
      ? "completed"
      : statuses.some((s) => s !== "not_started")
        ? "in_progress"
        : "not_started";
  return {
    overallStatus,
    stageCount: STAGES.length,
    completedStageCount,
    progressPercent: Math.floor((completedStageCount / STAGES.length) * 100),
    currentStage,
    hasFailedStage,
  };
}

/** Python's round(): halves go to the even neighbour (16.5 → 16, 49.5 → 50). */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  const EPS = 1e-9;
  if (Math.abs(diff - 0.5) < EPS) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(value);
}

export interface CourseLecture {
  progress: LectureProgress;
  created_at: string;
  updated_at: string | null;
}

export interface CourseProgress {
  overallStatus: OverallStatus;
  lectureCount: number;
  completedLectureCount: number;
  failedLectureCount: number;
  inProgressLectureCount: number;
  notStartedLectureCount: number;
  progressPercent: number;
  latestActivityAt: string | null;
}

/**
 * The later of two RFC 3339 UTC timestamps (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, as src/lib/time.ts
 * writes them), compared as instants: the whole seconds as text, then the fractions as numbers,
 * so `…:20.5Z` is later than `…:20Z` although it sorts first as text. Equal instants keep the one
 * that sorts last.
 */
export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const [secondsA, secondsB] = [a.slice(0, 19), b.slice(0, 19)];
  if (secondsA !== secondsB) return secondsB > secondsA ? b : a;
  const fraction = (t: string) => Number(`0${t.slice(19, -1)}`);
  const diff = fraction(b) - fraction(a);
  return diff > 0 || (diff === 0 && b > a) ? b : a;
}

/** What the course rollup needs of its lectures. */
export interface CourseTally {
  lectureCount: number;
  completed: number;
  failed: number;
  inProgress: number;
  notStarted: number;
  /** Sum of the lectures' progressPercent. */
  percentSum: number;
  latestActivityAt: string | null;
}

export function tallyLectures(lectures: readonly CourseLecture[]): CourseTally {
  const count = (status: OverallStatus) => lectures.filter((l) => l.progress.overallStatus === status).length;
  let latestActivityAt: string | null = null;
  for (const lecture of lectures) {
    for (const stage of Object.values(lecture.progress.stages)) {
      if (stage.jobId) latestActivityAt = later(latestActivityAt, stage.updatedAt ?? stage.createdAt);
    }
    latestActivityAt = later(latestActivityAt, lecture.updated_at);
    latestActivityAt = later(latestActivityAt, lecture.created_at);
  }
  return {
    lectureCount: lectures.length,
    completed: count("completed"),
    failed: count("failed"),
    inProgress: count("in_progress"),
    notStarted: count("not_started"),
    percentSum: lectures.reduce((sum, l) => sum + l.progress.progressPercent, 0),
    latestActivityAt,
  };
}

/**
 * The same tally from lectures grouped by their stages' statuses, which is all the counts need
 * (a course read without its lectures). `latestActivityAt` is the newest candidate over them all.
 */
export function tallyStatusGroups(groups: readonly { statuses: readonly StageStatus[]; count: number }[], latestActivityAt: string | null): CourseTally {
  const tally: CourseTally = { lectureCount: 0, completed: 0, failed: 0, inProgress: 0, notStarted: 0, percentSum: 0, latestActivityAt };
  const bucket = { completed: "completed", failed: "failed", in_progress: "inProgress", not_started: "notStarted" } as const;
  for (const { statuses, count } of groups) {
    const lecture = summarizeStages(statuses);
    tally.lectureCount += count;
    tally[bucket[lecture.overallStatus]] += count;
    tally.percentSum += lecture.progressPercent * count;
  }
  return tally;
}

export function courseProgress(lectures: readonly CourseLecture[]): CourseProgress {
  return courseRollup(tallyLectures(lectures));
}

/** The course's progress: the mean of its lectures' percents (half to even) and their statuses. */
export function courseRollup(t: CourseTally): CourseProgress {
  const percent = t.lectureCount === 0 ? 0 : roundHalfToEven(t.percentSum / t.lectureCount);
  const overallStatus: OverallStatus =
    t.failed > 0
      ? "failed"
      : t.lectureCount > 0 && t.completed === t.lectureCount
        ? "completed"
        : percent > 0 || t.inProgress > 0 || t.completed > 0
          ? "in_progress"
          : "not_started";
  return {
    overallStatus,
    lectureCount: t.lectureCount,
    completedLectureCount: t.completed,
    failedLectureCount: t.failed,
    inProgressLectureCount: t.inProgress,
    notStartedLectureCount: t.notStarted,
    progressPercent: percent,
    latestActivityAt: t.latestActivityAt,
  };
}
