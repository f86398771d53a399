import { createRoute, z } from "@hono/zod-openapi";
import { deleteCourseData } from "../pipeline/deletion.ts";
import { ownerOf } from "../auth/authenticate.ts";
import { etag } from "hono/etag";
import { getCourse, listCourseLectures, listCourses, listCourseThreads } from "../db/courses.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { boolQuery, pageQuery, pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { courseOut, lectureOut, threadOut } from "./representations.ts";
import { courseProgressView } from "./views/course-progress.ts";
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

const remove = createRoute({
  method: "delete",
  path: "/courses/{course_id}",
  tags,
  summary: "Delete a course with all its lectures and threads",
  description: "Everything DELETE /lectures/{lecture_id} removes, for every lecture of the course, and the course's threads. A second DELETE is 404.",
  request: { params: courseParams },
  responses: { 204: { description: "Deleted." }, ...problemResponses(404) },
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
  .openapi(remove, async (c) => {
    const deleted = await deleteCourseData(c.var.services(), ownerOf(c), c.req.valid("param").course_id);
    if (!deleted) throw new ApiError("course_not_found");
    return c.body(null, 204);
  })
  .openapi(list, async (c) => {
    const page = c.req.valid("query");
    const { rows, total } = await listCourses(c.var.services().db, ownerOf(c), page);
    return c.json({ courses: rows.map(courseOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(get, async (c) => {
    const course = await getCourse(c.var.services().db, ownerOf(c), c.req.valid("param").course_id);
    if (!course) throw new ApiError("course_not_found");
    return c.json(courseOut(course), 200);
  })
  .openapi(lectures, async (c) => {
    const { course_id } = c.req.valid("param");
    const page = c.req.valid("query");
    const { exists, rows, total } = await listCourseLectures(c.var.services().db, ownerOf(c), course_id, page);
    if (!exists) throw new ApiError("course_not_found");
    return c.json({ courseId: course_id, lectures: rows.map(lectureOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(threads, async (c) => {
    const { course_id } = c.req.valid("param");
    const page = c.req.valid("query");
    const { exists, rows, total } = await listCourseThreads(c.var.services().db, ownerOf(c), course_id, page);
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
    const view = await courseProgressView(c.var.services(), ownerOf(c), c.req.valid("param").course_id, c.req.valid("query").include_lectures);
    if (!view) throw new ApiError("course_not_found");
    return c.json(view, 200);
  });
