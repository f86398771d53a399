/**
 * Publishing job state changes to the live-progress hub of the lecture's course (a Durable Object,
 * src/push/progress-hub.ts), which pushes them to every open stream. Best effort and bounded: a
 * hub that cannot be reached never fails or slows a job for long (streams resume from a snapshot).
 */
import type { JobRow } from "../db/rows.ts";
import { getLecture } from "../db/lectures.ts";
import type { JobStateEvent } from "../domain/live-progress.ts";
import { toRfc3339 } from "../lib/time.ts";
import type { Services } from "../services.ts";

const PUBLISH_TIMEOUT_MS = 2_000;

/** A lecture never changes course, so its course is remembered per isolate (bounded). */
const courses = new Map<string, string>();
const COURSE_CACHE_MAX = 5_000;

export function rememberCourse(owner: string, lectureId: string, courseId: string) {
  if (courses.size >= COURSE_CACHE_MAX) courses.delete(courses.keys().next().value!);
  courses.set(`${owner}\n${lectureId}`, courseId);
}

async function courseOf(services: Services, job: Pick<JobRow, "owner_id" | "lecture_id" | "params">): Promise<string | null> {
  const fromParams = job.params?.courseId;
  if (typeof fromParams === "string") return fromParams;
  const cached = courses.get(`${job.owner_id}\n${job.lecture_id}`);
  if (cached) return cached;
  const lecture = await getLecture(services.db, { owner: job.owner_id, lectureId: job.lecture_id });
  if (!lecture) return null;
  rememberCourse(job.owner_id, job.lecture_id, lecture.course_id);
  return lecture.course_id;
}

/** The hub of one owner's course. */
export function progressHub(namespace: DurableObjectNamespace, owner: string, courseId: string): DurableObjectStub {
  return namespace.get(namespace.idFromName(JSON.stringify([owner, courseId])));
}

async function publish(services: Services, owner: string, courseId: string, events: JobStateEvent[]) {
  const namespace = services.config.progressHub;
  if (!namespace) return;
  const res = await progressHub(namespace, owner, courseId).fetch("https://progress-hub/publish", {
    method: "POST",
    body: JSON.stringify({ events }),
    signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
  });
  await res.body?.cancel();
}

/** Announces a job's current state (its row as just written). Never throws. */
export async function publishJobState(services: Services, job: JobRow | null, progress?: JobStateEvent["progress"]): Promise<void> {
  if (!job || !services.config.progressHub) return;
  try {
    const courseId = await courseOf(services, job);
    if (!courseId) return;
    const event: JobStateEvent = {
      lectureId: job.lecture_id,
      courseId,
      jobId: job.id,
      jobType: job.job_type,
      status: job.status,
      attempt: job.attempt,
      maxAttempts: job.max_attempts,
      error: job.error,
      at: toRfc3339(job.updated_at),
      ...(progress ? { progress } : {}),
    };
    await publish(services, job.owner_id, courseId, [event]);
  } catch (error) {
    console.log(JSON.stringify({ level: "warn", msg: "progress not published", jobId: job.id, error: String((error as Error)?.message ?? error) }));
  }
}

/**
 * For a stage that works in units (e.g. transcription chunks): `done` of `total` finished. Sent as
 * a `progress` event on the lecture's and course's streams; not stored.
 */
export function publishStageProgress(services: Services, job: JobRow, done: number, total: number, unit?: string): Promise<void> {
  return publishJobState(services, { ...job, updated_at: new Date().toISOString() }, { done, total, ...(unit ? { unit } : {}) });
}
