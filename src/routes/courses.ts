import { createRoute, z } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import { getCourseTally } from "../db/course-rollup.ts";
import { getCourse, getCourseProgressData, listCourseLectures, listCourses, listCourseThreads } from "../db/courses.ts";
import { courseOut, lectureOut, stageJobOut, threadOut } from "./representations.ts";
import { courseProgress, courseRollup, lectureProgress, type StageJob } from "../domain/progress.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { boolQuery, pageQuery, pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { toRfc3339 } from "../lib/time.ts";
import { lectureLinks } from "../lib/links.ts";
import { CourseProgressSchema, CourseSchema, LectureSchema, PaginationSchema, ThreadSchema } from "./schemas.ts";

const courseParams = z.object({ course_id: pathId("course_not_found", "course-bio") });
const tags = ["courses"];

const list = createRoute({
  method: "get",
  path: "/courses",
  tags,
  summary: "Courses, newest first",
  request: { query: z.object(pageQuery) },
  responses: {
    200: jsonContent(z.object({ courses: z.array(CourseSchema), pagination: PaginationSchema }), "A page of courses."),
    ...problemResponses(422),
  },
});

const get = createRoute({
  method: "get",
  path: "/courses/{course_id}",
  tags,
  summary: "One course",
  request: { params: courseParams },
  responses: { 200: jsonContent(CourseSchema, "The course."), ...problemResponses(404) },
});

const lectures = createRoute({
  method: "get",
  path: "/courses/{course_id}/lectures",
  tags,
  summary: "The lectures of a course, newest first",
  request: { params: courseParams, query: z.object(pageQuery) },
  responses: {
    200: jsonContent(
      z.object({ courseId: z.string(), lectures: z.array(LectureSchema), pagination: PaginationSchema }),
      "A page of the course's lectures.",
    ),
    ...problemResponses(404, 422),
  },
});

const threads = createRoute({
  method: "get",
  path: "/courses/{course_id}/threads",
  tags,
  summary: "Concept threads of a course, with evolution notes and occurrences",
  request: { params: courseParams, query: z.object(pageQuery) },
  responses: {
    200: jsonContent(
      z.object({ courseId: z.string(), threads: z.array(ThreadSchema), pagination: PaginationSchema }),
      "A page of the course's threads, newest first.",
    ),
    ...problemResponses(404, 422),
  },
});

const progress = createRoute({
  method: "get",
  path: "/courses/{course_id}/progress",
  tags,
  summary: "Course progress rollup (ETag; answer If-None-Match with 304)",
  middleware: [etag()] as const,
  request: {
    params: courseParams,
    query: z.object({ include_lectures: boolQuery(true, "Include per-lecture stage snapshots.") }),
  },
  responses: {
    200: jsonContent(CourseProgressSchema, "Progress of the course and, optionally, of each lecture."),
    304: { description: "Unchanged since the ETag given in If-None-Match." },
    ...problemResponses(404, 422),
  },
});

export const courseRoutes = createRouter()
  .openapi(list, async (c) => {
    const page = c.req.valid("query");
    const { rows, total } = await listCourses(c.var.services().db, page);
    return c.json({ courses: rows.map(courseOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(get, async (c) => {
    const course = await getCourse(c.var.services().db, c.req.valid("param").course_id);
    if (!course) throw new ApiError("course_not_found");
    return c.json(courseOut(course), 200);
  })
  .openapi(lectures, async (c) => {
    const { course_id } = c.req.valid("param");
    const page = c.req.valid("query");
    const { exists, rows, total } = await listCourseLectures(c.var.services().db, course_id, page);
    if (!exists) throw new ApiError("course_not_found");
    return c.json({ courseId: course_id, lectures: rows.map(lectureOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(threads, async (c) => {
    const { course_id } = c.req.valid("param");
    const page = c.req.valid("query");
    const { exists, rows, total } = await listCourseThreads(c.var.services().db, course_id, page);
    if (!exists) throw new ApiError("course_not_found");
    return c.json(
      {
        courseId: course_id,
        threads: rows.map((r) => threadOut(r.thread, { evolution_notes: r.evolution_notes, occurrences: r.occurrences })),
        pagination: pagination(page, rows.length, total),
      },
      200,
    );
  })
  .openapi(progress, async (c) => {
    const { course_id } = c.req.valid("param");
    const { include_lectures } = c.req.valid("query");
    if (!include_lectures) {
      // The rollup alone is counted by the database: one small row for any number of lectures.
      const { exists, tally } = await getCourseTally(c.var.services().db, course_id);
      if (!exists) throw new ApiError("course_not_found");
      return c.json({ courseId: course_id, ...courseRollup({ ...tally, latestActivityAt: toRfc3339(tally.latestActivityAt) }) }, 200);
    }
    const data = await getCourseProgressData(c.var.services().db, course_id);
    if (!data.exists) throw new ApiError("course_not_found");

    const jobsByLecture = new Map<string, StageJob[]>();
    for (const job of data.latestJobs) {
      const list = jobsByLecture.get(job.lecture_id) ?? [];
      list.push(stageJobOut(job));
      jobsByLecture.set(job.lecture_id, list);
    }
    const lectures = data.lectures.map((lecture) => ({
      lecture,
      progress: lectureProgress(jobsByLecture.get(lecture.id) ?? []),
      created_at: toRfc3339(lecture.created_at),
      updated_at: toRfc3339(lecture.updated_at),
    }));
    const rollup = courseProgress(lectures);
    const body = {
      courseId: course_id,
      ...rollup,
      ...(include_lectures
        ? {
            lectures: lectures.map(({ lecture, progress: p }) => ({
              lectureId: lecture.id,
              lectureStatus: lecture.status,
              ...p,
              stageStatuses: {
                transcription: p.stages.transcription.status,
                generation: p.stages.generation.status,
                export: p.stages.export.status,
              },
              links: lectureLinks(lecture.id),
            })),
          }
        : {}),
    };
    return c.json(body, 200);
  });
