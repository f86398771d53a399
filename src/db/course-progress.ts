/**
 * A course's progress facts in one statement that returns one row however many lectures the
 * course has. They come from `lecture_progress`, which the database keeps current as jobs change
 * (see schema.ts), so nothing here looks for a stage's newest job: with its lectures, every
 * lecture and its stages' newest jobs arrive as one JSON text; without them, only how many
 * lectures share each combination of stage statuses. What that means is for src/domain/progress.ts.
 */
import { sql } from "drizzle-orm";
import { STAGES, type StageJob, type StageStatus } from "../domain/progress.ts";
import type { Db } from "./client.ts";
import { courses, lectureProgress, lectures } from "./schema.ts";

/** A lecture as course progress needs it; timestamps as Postgres wrote them. */
export interface ProgressLecture {
  id: string;
  status: string;
  created_at: string;
  updated_at: string;
  latestJobs: StageJobFacts[];
}

/** A stage's newest job, with its chunk counts when it was transcribed in chunks. */
export type StageJobFacts = Required<StageJob> & { updated_at: string };

/** [id, status, created_at, updated_at, error, chunks done, chunks total], as the refresh writes it. */
type StoredStage = [string, StageJob["status"], string, string, string | null, number, number] | null;
type StoredLecture = [string, string, string, string, StoredStage[] | null];

const NO_JOB = "-";

const ofCourse = (owner: string, courseId: string) => sql`${lectures.owner_id} = ${owner} and ${lectures.course_id} = ${courseId}`;
const withFacts = sql`${lectures} left join ${lectureProgress}
  on ${lectureProgress.owner_id} = ${lectures.owner_id} and ${lectureProgress.lecture_id} = ${lectures.id}`;
const courseExists = (owner: string, courseId: string) =>
  sql`exists (select 1 from ${courses} where ${courses.owner_id} = ${owner} and ${courses.id} = ${courseId})`;

/** Every lecture of the course, newest first, with its stages' newest jobs; null if there is no such course. */
export async function readCourseLectureFacts(db: Db, owner: string, courseId: string): Promise<ProgressLecture[] | null> {
  const { rows } = (await db.execute(sql`
    select ${courseExists(owner, courseId)} as exists,
      string_agg('[' || to_json(${lectures.id}) || ',' || to_json(${lectures.status}) || ',' || to_json(${lectures.created_at})
        || ',' || to_json(${lectures.updated_at}) || ',' || coalesce(${lectureProgress.stages}, 'null') || ']',
        ',' order by ${lectures.created_at} desc, ${lectures.id} desc) as lectures
    from ${withFacts} where ${ofCourse(owner, courseId)}
  `)) as unknown as { rows: { exists: boolean; lectures: string | null }[] };
  const row = rows[0]!;
  if (!row.exists) return null;
  // One JSON text instead of a row per lecture: far less to carry for a course of 1,000 lectures.
  const stored = JSON.parse(`[${row.lectures ?? ""}]`) as StoredLecture[];
  return stored.map(([id, status, created_at, updated_at, stages]) => ({
    id,
    status,
    created_at,
    updated_at,
    latestJobs: (stages ?? []).flatMap((stage, i) => {
      if (!stage) return [];
      const [jobId, jobStatus, jobCreated, jobUpdated, error, done, total] = stage;
      return [{ job_type: STAGES[i]!, id: jobId, status: jobStatus, created_at: jobCreated, updated_at: jobUpdated, error, chunks: total > 0 ? { done, total } : null }];
    }),
  }));
}

/** How many lectures share each combination of stage statuses, and the newest activity; null if there is no such course. */
export async function readCourseStatusGroups(db: Db, owner: string, courseId: string) {
  const { rows } = (await db.execute(sql`
    with per_lecture as (
      select coalesce(${lectureProgress.statuses}, ${`${NO_JOB} ${NO_JOB} ${NO_JOB}`}) as statuses,
        greatest(${lectures.created_at}, ${lectures.updated_at}, ${lectureProgress.activity_at}) as activity
      from ${withFacts} where ${ofCourse(owner, courseId)}
    )
    select ${courseExists(owner, courseId)} as exists,
      (select max(activity) from per_lecture) as latest_activity_at,
      (select json_agg(json_build_array(statuses, n)) from (select statuses, count(*)::int as n from per_lecture group by statuses) g) as groups
  `)) as unknown as { rows: { exists: boolean; latest_activity_at: string | null; groups: [string, number][] | null }[] };
  const row = rows[0]!;
  if (!row.exists) return null;
  return {
    latestActivityAt: row.latest_activity_at,
    groups: (row.groups ?? []).map(([statuses, count]) => ({
      statuses: statuses.split(" ").map((s) => (s === NO_JOB ? "not_started" : s)) as StageStatus[],
      count,
    })),
  };
}
