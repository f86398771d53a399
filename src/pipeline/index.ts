/**
 * The pipeline's stages, one module each, handed to the job runner as a registry: how to run a
 * job's stage, and how to tell a failure worth another attempt from one that is final.
 */
import type { JobRow } from "../db/rows.ts";
import type { JobType } from "../domain/jobs.ts";
import type { StageRegistry } from "../jobs/engine.ts";
import type { Services } from "../services.ts";
import { classifyError, PermanentJobError } from "./errors.ts";
import { runExport } from "./export.ts";
import { runGeneration } from "./generation.ts";
import { runChunk } from "./chunks.ts";
import { runTranscription } from "./transcription.ts";

const STAGES: Record<JobType, (services: Services, job: JobRow) => Promise<Record<string, unknown>>> = {
  transcription: runTranscription,
  generation: runGeneration,
  export: runExport,
};

export const pipelineStages: StageRegistry = {
  run(services, job) {
    const stage = STAGES[job.job_type];
    if (!stage) throw new PermanentJobError(`Unknown job type: ${job.job_type}`);
    return stage(services, job);
  },
  // The only units so far: chunks of a long transcription.
  runUnit: (services, jobId, unit) => runChunk(services, jobId, unit),
  classify: classifyError,
};
