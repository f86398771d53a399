/**
 * Recordings appended to a lecture (a class split by a break): each is stored like ingest's
 * upload and becomes the lecture's next recording; transcription then covers all of them in
 * order, with running time offsets. Appending keeps the existing transcript and material until
 * the lecture is transcribed again.
 */
import { getLecture } from "../db/lectures.ts";
import type { LectureKey } from "../db/owner.ts";
import { appendRecording, type NewRecording } from "../db/recordings.ts";
import { forgetUploadStatement } from "../db/uploads.ts";
import { transcriptKindOf } from "../domain/transcripts/parse.ts";
import { ApiError, validationFailed } from "../lib/problem.ts";
import type { Services } from "../services.ts";
import { receiveForm } from "./ingest.ts";

export interface AppendedRecording {
  position: number;
  createdAt: string;
  courseId: string;
}

const notAudio = () =>
  validationFailed([{ loc: ["body", "audio"], msg: "A recording must be audio; transcripts (.txt, .vtt, .srt, .json) cannot be appended", type: "value_error" }]);

/**
 * Whether a recording may be appended to the lecture at all (it exists and was uploaded as audio,
 * and the recording is audio too); the lecture when it may. Refusals are API errors.
 */
export async function assertAppendable(services: Services, key: LectureKey, recording: { originalFilename: string | null; contentType: string | null }) {
  if (transcriptKindOf(recording.originalFilename ?? "", recording.contentType ?? undefined)) throw notAudio();
  const lecture = await getLecture(services.db, key);
  if (!lecture) throw new ApiError("lecture_not_found");
  if (transcriptKindOf(lecture.original_filename ?? lecture.audio_path ?? "", lecture.content_type ?? undefined)) throw new ApiError("lecture_is_transcript");
  return lecture;
}

/**
 * Appends an object already in storage as the lecture's next recording: for the multipart route
 * below and for a completed resumable upload. `alongside` gives the statements that record the
 * upload as done, in the same transaction (see appendRecording). Refusals are API errors; the
 * caller still owns (and deletes, or keeps for a retry) the object.
 */
export async function appendStoredRecording(
  services: Services,
  key: LectureKey,
  recording: NewRecording,
  alongside?: Parameters<typeof appendRecording>[3],
): Promise<AppendedRecording> {
  const lecture = await assertAppendable(services, key, recording);
  const outcome = await appendRecording(services.db, key, recording, alongside);
  if (outcome.appended) return { position: outcome.position, createdAt: outcome.createdAt, courseId: lecture.course_id };
  switch (outcome.reason) {
    case "lecture_not_found":
      throw new ApiError("lecture_not_found");
    case "no_audio":
      throw new ApiError("audio_not_found", { detail: "The lecture's own recording is gone (deleted under the audio retention policy): nothing to append to." });
    case "transcription_active":
      throw new ApiError("transcription_in_progress");
  }
}

/** POST /lectures/{id}/recordings: a multipart form with one `audio` file part, streamed to storage. */
export async function appendRecordingUpload(services: Services, key: LectureKey, request: Request, ctx?: Pick<ExecutionContext, "waitUntil">) {
  const work = (async () => {
    // A missing lecture is refused before its upload is stored.
    if (!(await getLecture(services.db, key))) throw new ApiError("lecture_not_found");
    const missing = () => validationFailed([{ loc: ["body", "audio"], msg: "Field required", type: "missing" }]);
    const form = await receiveForm(services, key.owner, request, {
      missing,
      notMultipart: "Send the recording as multipart/form-data (an `audio` file part).",
    });
    const { stored } = form;
    try {
      if (!form.fileSeen || !stored) throw missing();
      if (stored.size === 0) throw validationFailed([{ loc: ["body", "audio"], msg: "File is empty", type: "value_error" }]);
      if (form.fileName && (form.fileName.includes("\u0000") || !form.fileName.isWellFormed()))
        throw validationFailed([{ loc: ["body", "audio"], msg: "Filename must not contain NUL characters or unpaired surrogates", type: "value_error" }]);
      const recording: NewRecording = {
        audioPath: services.storage.uri(stored.key),
        originalFilename: stored.filename,
        contentType: stored.contentType,
        sizeBytes: stored.size,
        checksumSha256: stored.sha256,
      };
      const upload = form.multipart;
      const { position, createdAt } = await appendStoredRecording(services, key, recording, (appended) =>
        upload ? [forgetUploadStatement(services.db, upload, appended)] : [],
      );
      return { ...recording, position, createdAt };
    } catch (error) {
      await form.discard();
      throw error;
    }
  })();
  ctx?.waitUntil(work.catch(() => {}));
  return work;
}
