/**
 * A course's progress tally, counted by Postgres: one statement that returns one row however many
 * lectures the course has, instead of shipping every lecture and stage job to the Worker. It
 * classifies each lecture by the rules of `lectureProgress` in src/domain/progress.ts (a stage is
 * its newest job; failed if any stage failed, completed when all three completed, in progress once
 * any stage has a job; percent = completed stages x 100 / 3, rounded down); the course-progress
 * tests compare both paths on every combination of stage states.
 */
import { sql } from "drizzle-orm";
import { JOB_TYPES } from "../domain/jobs.ts";
import type { CourseTally } from "../domain/progress.ts";
import type { Db } from "./client.ts";
import { courses, jobs, lectures } from "./schema.ts";

export async function getCourseTally(db: Db, owner: string, courseId: string): Promise<{ exists: boolean; tally: CourseTally }> {
  const stages = JOB_TYPES.length;
  const { rows } = (await db.execute(sql`
    with course_lectures as (
      select ${lectures.id} as id, ${lectures.created_at} as created_at, ${lectures.updated_at} as updated_at
      from ${lectures} where ${lectures.owner_id} = ${owner} and ${lectures.course_id} = ${courseId}
    ), latest as (
      select distinct on (j.lecture_id, j.job_type) j.lecture_id, j.status, j.updated_at
      from ${jobs} j join course_lectures l on j.owner_id = ${owner} and l.id = j.lecture_id
      order by j.lecture_id, j.job_type, j.created_at desc, j.id desc
    ), per_lecture as (
      select l.id,
        count(x.status) filter (where x.status = 'completed') as completed,
        coalesce(bool_or(x.status = 'failed'), false) as failed,
        count(x.status) as started,
        greatest(l.created_at, l.updated_at, max(x.updated_at)) as activity
      from course_lectures l left join latest x on x.lecture_id = l.id
      group by l.id, l.created_at, l.updated_at
    ), classified as (
      select activity, (completed * 100) / ${stages} as percent,
        case when failed then 'failed' when completed = ${stages} then 'completed'
             when started > 0 then 'in_progress' else 'not_started' end as status
      from per_lecture
    )
    select exists (select 1 from ${courses} where ${courses.owner_id} = ${owner} and ${courses.id} = ${courseId}) as exists,
      count(*)::int as lecture_count,
      (count(*) filter (where status = 'completed'))::int as completed,
      (count(*) filter (where status = 'failed'))::int as failed,
      (count(*) filter (where status = 'in_progress'))::int as in_progress,
      (count(*) filter (where status = 'not_started'))::int as not_started,
      coalesce(sum(percent), 0)::int as percent_sum,
      max(activity) as latest_activity_at
    from classified
  `)) as unknown as {
    rows: {
      exists: boolean;
      lecture_count: number;
      completed: number;
      failed: number;
      in_progress: number;
      not_started: number;
      percent_sum: number;
      latest_activity_at: string | null;
    }[];
  };
  const row = rows[0]!;
  return {
    exists: row.exists,
    tally: {
      lectureCount: row.lecture_count,
      completed: row.completed,
      failed: row.failed,
      inProgress: row.in_progress,
      notStarted: row.not_started,
      percentSum: row.percent_sum,
      latestActivityAt: row.latest_activity_at,
    },
  };
}
