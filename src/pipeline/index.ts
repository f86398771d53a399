/** One place per pipeline stage; the job engine runs a job through the stage its type names. */
import type { JobRow } from "../db/rows.ts";
import type { JobType } from "../domain/jobs.ts";
import { PermanentJobError } from "../jobs/errors.ts";
import type { Services } from "../services.ts";
import { runExport } from "./export.ts";
import { runGeneration } from "./generation.ts";
import { runTranscription } from "./transcription.ts";

const STAGES: Record<JobType, (services: Services, job: JobRow) => Promise<Record<string, unknown>>> = {
  transcription: runTranscription,
  generation: runGeneration,
  export: runExport,
};

export function runStage(services: Services, job: JobRow): Promise<Record<string, unknown>> {
  const stage = STAGES[job.job_type];
  if (!stage) throw new PermanentJobError(`Unknown job type: ${job.job_type}`);
  return stage(services, job);
}
