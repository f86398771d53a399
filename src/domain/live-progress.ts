/**
 * Live progress (Server-Sent Events) and webhook payloads: what a stream sends per job state
 * change, and when a lecture's stream has nothing more to say.
 */
import { STAGES, type Stage, type StageStatus } from "./progress.ts";

/** One job state change as streams and the hub see it. */
export interface JobStateEvent {
  lectureId: string;
  courseId: string;
  jobId: string;
  jobType: string;
  /** queued, running, completed, failed; `progress` events carry the running job's progress. */
  status: string;
  attempt: number;
  maxAttempts: number;
  error: string | null;
  at: string;
  /** Work units inside a running stage (e.g. transcription chunks), when the stage reports them. */
  progress?: { done: number; total: number; unit?: string };
}

/**
 * A lecture's stream is done when no stage is queued or running and either every stage completed
 * or one failed (nothing will move without the client starting something).
 */
export function isLectureSettled(stages: Partial<Record<Stage, StageStatus>>): boolean {
  const statuses = STAGES.map((s) => stages[s] ?? "not_started");
  if (statuses.some((s) => s === "queued" || s === "running")) return false;
  return statuses.every((s) => s === "completed") || statuses.includes("failed");
}
