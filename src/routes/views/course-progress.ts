/**
 * The read model behind GET /courses/{id}/progress (and a course stream's snapshot): one database
 * round trip either way. Without its lectures, the database says how many lectures share each
 * combination of stage statuses; with them, it hands over every lecture's stages' newest jobs.
 * The progress itself is worked out here by the domain's rules.
 */
import { readCourseLectureFacts, readCourseStatusGroups } from "../../db/course-progress.ts";
import { courseProgress, courseRollup, lectureProgress, tallyStatusGroups } from "../../domain/progress.ts";
import { lectureLinks } from "../../lib/links.ts";
import { toRfc3339 } from "../../lib/time.ts";
import type { Services } from "../../services.ts";
import { stageJobOut } from "../representations.ts";

/** Null when the course does not exist. */
export async function courseProgressView(services: Services, owner: string, courseId: string, includeLectures: boolean) {
  if (!includeLectures) {
    const facts = await readCourseStatusGroups(services.db, owner, courseId);
    if (!facts) return null;
    return { courseId, ...courseRollup(tallyStatusGroups(facts.groups, toRfc3339(facts.latestActivityAt))) };
  }
  const facts = await readCourseLectureFacts(services.db, owner, courseId);
  if (!facts) return null;
  const lectures = facts.map((lecture) => ({
    lecture,
    progress: lectureProgress(lecture.latestJobs.map(stageJobOut)),
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
