/**
 * Live progress over Server-Sent Events. Opening a stream costs one database round trip (the
 * snapshot, which also checks the caller owns the lecture or course); after that the course's hub
 * (a Durable Object, src/push/progress-hub.ts) pushes every job state change, so no stream polls.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { lectureKey, ownerOf } from "../auth/authenticate.ts";
import type { AppContext } from "../context.ts";
import { getLectureProgressData } from "../db/lectures.ts";
import { lectureProgress, STAGES, type Stage, type StageStatus } from "../domain/progress.ts";
import { lectureLinks } from "../lib/links.ts";
import { createRouter, problemResponses } from "../lib/openapi.ts";
import { pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { progressHub, rememberCourse } from "../push/progress.ts";
import type { SubscribeRequest } from "../push/progress-hub.ts";
import { stageJobOut } from "./representations.ts";
import { courseProgressView } from "./views/course-progress.ts";

const HEARTBEAT_SEC = 15;

const lastEventId = z.object({
  "last-event-id": z.string().max(40).optional().openapi({ description: "Resume: the `id` of the last event received (browsers send it when they reconnect)." }),
});

const eventStream = {
  description: [
    "`text/event-stream`. Events: `snapshot` (first: the current progress, as the progress endpoint answers),",
    "`job` (one per job state change: queued, running, completed, failed; data: lectureId, courseId, jobId, jobType, status, attempt, maxAttempts, error, at),",
    "`progress` (work units inside a running stage, e.g. transcription chunks: data adds progress {done, total}),",
    "and `end` (data {reason}: `settled` when a lecture's stages are all final, `timeout` after SSE_MAX_SEC; reconnect with Last-Event-ID to go on).",
    `Every event has an \`id\`; a comment line is sent every ${HEARTBEAT_SEC} s. A Last-Event-ID the server still remembers resumes without a snapshot; an older one starts again from a snapshot.`,
  ].join(" "),
  content: { "text/event-stream": { schema: z.string() } },
};

const lectureEvents = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/events",
  tags: ["lectures"],
  summary: "Live progress of one lecture (Server-Sent Events)",
  request: { params: z.object({ lecture_id: pathId("lecture_not_found", "lec-001") }), headers: lastEventId },
  responses: { 200: eventStream, ...problemResponses(404, 503) },
});

const courseEvents = createRoute({
  method: "get",
  path: "/courses/{course_id}/events",
  tags: ["courses"],
  summary: "Live progress of every lecture of a course (Server-Sent Events)",
  request: { params: z.object({ course_id: pathId("course_not_found", "course-bio") }), headers: lastEventId },
  responses: { 200: eventStream, ...problemResponses(404, 503) },
});

async function subscribe(c: AppContext, courseId: string, request: Omit<SubscribeRequest, "maxSec" | "heartbeatSec" | "lastEventId">): Promise<Response> {
  const { config } = c.var.services();
  if (!config.progressHub) throw new ApiError("server_misconfigured", { detail: "Server misconfigured: the PROGRESS_HUB binding is missing." });
  const body: SubscribeRequest = { ...request, lastEventId: c.req.header("Last-Event-ID"), maxSec: config.sseMaxSec, heartbeatSec: HEARTBEAT_SEC };
  const res = await progressHub(config.progressHub, ownerOf(c), courseId).fetch("https://progress-hub/subscribe", { method: "POST", body: JSON.stringify(body) });
  return new Response(res.body, { status: 200, headers: res.headers });
}

export const eventRoutes = createRouter()
  .openapi(lectureEvents, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const readAt = Date.now();
    const { lecture, latestJobs } = await getLectureProgressData(c.var.services().db, lectureKey(c, lecture_id));
    if (!lecture) throw new ApiError("lecture_not_found");
    rememberCourse(lecture.owner_id, lecture.id, lecture.course_id);
    const progress = lectureProgress(latestJobs.map(stageJobOut));
    const stages = Object.fromEntries(STAGES.map((s) => [s, progress.stages[s].status])) as Record<Stage, StageStatus>;
    const snapshot = { lectureId: lecture.id, courseId: lecture.course_id, lectureStatus: lecture.status, ...progress, links: lectureLinks(lecture.id) };
    return subscribe(c, lecture.course_id, { lectureId: lecture.id, snapshot, stages, readAt }) as never;
  })
  .openapi(courseEvents, async (c) => {
    const { course_id } = c.req.valid("param");
    const readAt = Date.now();
    const view = await courseProgressView(c.var.services(), ownerOf(c), course_id, true);
    if (!view) throw new ApiError("course_not_found");
    return subscribe(c, course_id, { lectureId: null, snapshot: view, readAt }) as never;
  });
