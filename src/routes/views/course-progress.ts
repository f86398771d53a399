/**
 * The read model behind GET /courses/{id}/progress: one database round trip either way. Without
 * its lectures the database tallies the course in one small row; with them, every lecture's
 * progress is worked out here by the domain's rules.
 */
import { getCourseTally } from "../../db/course-rollup.ts";
import { getCourseProgressData } from "../../db/courses.ts";
import { courseProgress, courseRollup, lectureProgress, type StageJob } from "../../domain/progress.ts";
import { lectureLinks } from "../../lib/links.ts";
import { toRfc3339 } from "../../lib/time.ts";
import type { Services } from "../../services.ts";
import { stageJobOut } from "../representations.ts";

/** Null when the course does not exist. */
export async function courseProgressView(services: Services, owner: string, courseId: string, includeLectures: boolean) {
  if (!includeLectures) {
    const { exists, tally } = await getCourseTally(services.db, owner, courseId);
    if (!exists) return null;
    return { courseId, ...courseRollup({ ...tally, latestActivityAt: toRfc3339(tally.latestActivityAt) }) };
  }
  const data = await getCourseProgressData(services.db, owner, courseId);
  if (!data.exists) return null;

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
  return {
    courseId,
    ...courseProgress(lectures),
    lectures: lectures.map(({ lecture, progress: p }) => ({
      lectureId: lecture.id,
      lectureStatus: lecture.status,
      ...p,
      stageStatuses: { transcription: p.stages.transcription.status, generation: p.stages.generation.status, export: p.stages.export.status },
      links: lectureLinks(lecture.id),
    })),
  };
}
