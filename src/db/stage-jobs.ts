import { jobs } from "./schema.ts";

/** What progress shows of a stage's latest job. */
export const stageJobFields = {
  job_type: jobs.job_type,
  id: jobs.id,
  status: jobs.status,
  created_at: jobs.created_at,
  updated_at: jobs.updated_at,
  error: jobs.error,
};
