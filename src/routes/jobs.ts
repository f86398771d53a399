import { createRoute, z } from "@hono/zod-openapi";
import { ownerFilter } from "../auth/authenticate.ts";
import { etag } from "hono/etag";
import { getJob, listJobs } from "../db/jobs.ts";
import { jobOut } from "./representations.ts";
import { JOB_STATUSES, JOB_TYPES } from "../domain/jobs.ts";
import { enqueueJob } from "../jobs/engine.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { optionalId, pageQuery, pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { JobAcceptedSchema, JobSchema, PaginationSchema } from "./schemas.ts";

const tags = ["jobs"];
const jobParams = z.object({ job_id: pathId("job_not_found", "d2af7abe-ac8b-42fa-8bde-a03904939fef") });

const list = createRoute({
  method: "get",
  path: "/jobs",
  tags,
  summary: "Jobs, newest first, filtered (status=failed is the dead-letter view)",
  request: {
    query: z.object({
      status: z.enum(JOB_STATUSES).optional(),
      job_type: z.enum(JOB_TYPES).optional(),
      lecture_id: optionalId("Only this lecture's jobs."),
      course_id: optionalId("Only jobs of this course's lectures."),
      ...pageQuery,
    }),
  },
  responses: {
    200: jsonContent(z.object({ jobs: z.array(JobSchema), pagination: PaginationSchema }), "A page of jobs."),
    ...problemResponses(422),
  },
});

const get = createRoute({
  method: "get",
  path: "/jobs/{job_id}",
  tags,
  summary: "One job (ETag; answer If-None-Match with 304)",
  middleware: [etag()] as const,
  request: { params: jobParams },
  responses: {
    200: jsonContent(JobSchema, "The job."),
    304: { description: "Unchanged since the ETag given in If-None-Match." },
    ...problemResponses(404),
  },
});

const replay = createRoute({
  method: "post",
  path: "/jobs/{job_id}/replay",
  tags,
  summary: "Run a failed job again as a new job linked to it",
  request: { params: jobParams },
  responses: {
    200: jsonContent(JobAcceptedSchema.extend({ replayedFromJobId: z.string() }), "The new job (or the stage's active one)."),
    ...problemResponses(404, 409),
  },
});

export const jobRoutes = createRouter()
  .openapi(list, async (c) => {
    const { status, job_type, lecture_id, course_id, limit, offset } = c.req.valid("query");
    const page = { limit, offset };
    const { rows, total } = await listJobs(
      c.var.services().db,
      ownerFilter(c.var.principal),
      { status, jobType: job_type, lectureId: lecture_id || undefined, courseId: course_id || undefined },
      page,
    );
    return c.json({ jobs: rows.map(jobOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(get, async (c) => {
    const job = await getJob(c.var.services().db, c.req.valid("param").job_id, ownerFilter(c.var.principal));
    if (!job) throw new ApiError("job_not_found");
    return c.json(jobOut(job), 200);
  })
  .openapi(replay, async (c) => {
    const svc = c.var.services();
    const original = await getJob(svc.db, c.req.valid("param").job_id, ownerFilter(c.var.principal));
    if (!original) throw new ApiError("job_not_found");
    if (original.status !== "failed") throw new ApiError("job_not_replayable");
    const { job, deduplicated } = await enqueueJob(svc, {
      ownerId: original.owner_id,
      lectureId: original.lecture_id,
      jobType: original.job_type,
      params: original.params,
      replayedFromJobId: original.id,
    });
    return c.json(
      {
        jobId: job.id,
        status: job.status,
        jobType: job.job_type,
        replayedFromJobId: original.id,
        ...(deduplicated ? { deduplicated: true } : {}),
      },
      200,
    );
  });
