/**
 * The job vocabulary every layer shares: the three pipeline stages (job types), the job statuses,
 * and which stage must have finished before another may run. The database schema, the API schemas,
 * the job engine and the progress maths all take these from here.
 */

/** Job types, in pipeline order. */
export const JOB_TYPES = ["transcription", "generation", "export"] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = ["queued", "running", "completed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job in one of these statuses is active: at most one per lecture and stage. */
export const ACTIVE_STATUSES = ["queued", "running"] as const satisfies readonly JobStatus[];

/** The stage whose pending job makes a stage wait (its input is that stage's output). */
export const PREREQUISITE: Readonly<Partial<Record<JobType, JobType>>> = { generation: "transcription", export: "generation" };
