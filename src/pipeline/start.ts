/**
 * Starting a stage for a lecture: the checks a client's request must pass, then the job (or the
 * stage's active one, deduplicated). The HTTP handlers only translate to and from these.
 */
import { getLecture } from "../db/lectures.ts";
import type { LectureKey } from "../db/owner.ts";
import type { JobRow, LectureRow } from "../db/rows.ts";
import { isPresetId } from "../domain/presets.ts";
import { enqueueJob } from "../jobs/engine.ts";
import { ApiError, validationFailed } from "../lib/problem.ts";
import type { Services } from "../services.ts";

export interface StageStarted {
  job: JobRow;
  deduplicated: boolean;
}

async function requireLecture(services: Services, key: LectureKey): Promise<LectureRow> {
  const lecture = await getLecture(services.db, key);
  if (!lecture) throw new ApiError("lecture_not_found");
  return lecture;
}

export async function startTranscription(services: Services, key: LectureKey, model: string): Promise<StageStarted> {
  const lecture = await requireLecture(services, key);
  if (!lecture.audio_path)
    throw lecture.audio_expired_at
      ? new ApiError("audio_not_found", {
          detail: "The recording was deleted under the audio retention policy; the transcript and study material are kept.",
        })
      : new ApiError("audio_not_found");
  return enqueueJob(services, { ownerId: key.owner, lectureId: lecture.id, jobType: "transcription", params: { model }, courseId: lecture.course_id });
}

export interface GenerationRequest {
  courseId?: string | null;
  presetId?: string | null;
  openaiModel?: string | null;
}

/** Course and preset default to the lecture's and must match it; the model must be one the operator allows. */
export async function startGeneration(
  services: Services,
  key: LectureKey,
  request: GenerationRequest,
): Promise<StageStarted & { courseId: string; presetId: string }> {
  // Checked in the order existing clients rely on, with their detail strings (decisions.md §1).
  if (request.presetId && !isPresetId(request.presetId)) throw new ApiError("invalid_preset");
  const lecture = await requireLecture(services, key);
  const courseId = request.courseId || lecture.course_id;
  if (!courseId) throw new ApiError("course_id_required");
  const presetId = request.presetId || lecture.preset_id;
  if (!presetId) throw new ApiError("preset_id_required");
  if (!isPresetId(presetId)) throw new ApiError("invalid_preset");
  if (lecture.course_id && lecture.course_id !== courseId) throw new ApiError("course_mismatch");
  if (lecture.preset_id && lecture.preset_id !== presetId) throw new ApiError("preset_mismatch");
  // The field keeps its historical name; it picks among the generation provider's models.
  const openaiModel = request.openaiModel || services.config.ai.generation.model;
  // Clients choose among the models the operator pays for, not any model.
  const { allowedModels } = services.config.ai.generation;
  if (!allowedModels.includes(openaiModel))
    throw validationFailed([
      { loc: ["body", "openai_model"], msg: `Input should be one of the configured models: ${allowedModels.join(", ")}`, type: "enum" },
    ]);
  const started = await enqueueJob(services, { ownerId: key.owner, lectureId: lecture.id, jobType: "generation", params: { courseId, presetId, openaiModel }, courseId: lecture.course_id });
  return { ...started, courseId, presetId };
}

export async function startExport(services: Services, key: LectureKey): Promise<StageStarted> {
  const lecture = await requireLecture(services, key);
  return enqueueJob(services, { ownerId: key.owner, lectureId: lecture.id, jobType: "export", courseId: lecture.course_id });
}
