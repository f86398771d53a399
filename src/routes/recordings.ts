import { createRoute, z } from "@hono/zod-openapi";
import { lectureKey } from "../auth/authenticate.ts";
import { getLecture } from "../db/lectures.ts";
import { getLectureRecordings } from "../db/recordings.ts";
import type { Transcript } from "../domain/transcript.ts";
import { renderTranscript, TRANSCRIPT_FORMATS, type TranscriptFormat } from "../domain/transcripts/formats.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { ID_PATTERN, pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { toRfc3339 } from "../lib/time.ts";
import { appendRecordingUpload } from "../pipeline/recordings.ts";
import { readJson } from "../storage/index.ts";

const tags = ["lectures"];
const lectureParams = z.object({ lecture_id: pathId("lecture_not_found", "lec-001") });

const RecordingSchema = z
  .object({
    position: z.number().int().openapi({ description: "1 is the lecture's own upload; appended recordings follow in order." }),
    audio_path: z.string().nullable(),
    original_filename: z.string().nullable(),
    content_type: z.string().nullable(),
    size_bytes: z.number().int().nullable(),
    checksum_sha256: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Recording");

const RecordingUploadSchema = z
  .object({ audio: z.string().openapi({ type: "string", format: "binary", description: "The recording (a format listed under transcription)." }) })
  .openapi("RecordingForm");

const TranscriptSchema = z
  .object({
    language: z.string().nullable(),
    durationSec: z.number().openapi({ description: "Length of the lecture's audio, all recordings together." }),
    segments: z.array(z.object({ startSec: z.number(), endSec: z.number(), text: z.string() })).openapi({ description: "Times in seconds from the start of the lecture." }),
  })
  .openapi("Transcript");

const list = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/recordings",
  tags,
  summary: "The lecture's recordings, in the order transcription joins them",
  request: { params: lectureParams },
  responses: {
    200: jsonContent(z.object({ lectureId: z.string(), recordings: z.array(RecordingSchema) }), "Its own upload first, then the appended ones."),
    ...problemResponses(404),
  },
});

const transcript = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/transcript",
  tags,
  summary: "The lecture's transcript, as JSON or for download (WebVTT, SubRip, text)",
  request: {
    params: lectureParams,
    query: z.object({
      format: z
        .enum(["json", "vtt", "srt", "txt"])
        .default("json")
        .openapi({ description: "json (default), or a download: vtt (WebVTT), srt (SubRip), txt (a timestamp per line)." }),
    }),
  },
  responses: {
    200: {
      description: "The transcript; downloads come with Content-Disposition: attachment.",
      content: {
        "application/json": { schema: TranscriptSchema },
        "text/vtt": { schema: z.string() },
        "application/x-subrip": { schema: z.string() },
        "text/plain": { schema: z.string() },
      },
    },
    ...problemResponses(404, 422),
  },
});

const router = createRouter();

router.openAPIRegistry.registerPath({
  method: "post",
  path: "/lectures/{lecture_id}/recordings",
  tags,
  summary: "Append a recording made later (a class split by a break), streamed to storage",
  description:
    "Multipart with one `audio` file part, within PLC_MAX_UPLOAD_MB like ingest. The next transcription covers every recording in order, times running on from one to the next; the current transcript and material stay until then. 409 while a transcription is queued or running, or when the lecture was uploaded as a transcript.",
  request: { params: lectureParams, body: { content: { "multipart/form-data": { schema: RecordingUploadSchema } }, required: true } },
  responses: {
    201: jsonContent(RecordingSchema, "Appended."),
    ...problemResponses(400, 404, 409, 413, 422),
    415: { description: "Not multipart/form-data." },
  },
});

export const recordingRoutes = router
  .openapi(list, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const { lecture, appended } = await getLectureRecordings(c.var.services().db, lectureKey(c, lecture_id));
    if (!lecture) throw new ApiError("lecture_not_found");
    const recordings = [
      {
        position: 1,
        audio_path: lecture.audio_path,
        original_filename: lecture.original_filename,
        content_type: lecture.content_type,
        size_bytes: lecture.size_bytes,
        checksum_sha256: lecture.checksum_sha256,
        created_at: toRfc3339(lecture.created_at),
      },
      ...appended.map((r) => ({
        position: r.position,
        audio_path: r.audio_path,
        original_filename: r.original_filename,
        content_type: r.content_type,
        size_bytes: r.size_bytes,
        checksum_sha256: r.checksum_sha256,
        created_at: toRfc3339(r.created_at),
      })),
    ];
    return c.json({ lectureId: lecture.id, recordings }, 200);
  })
  .openapi(transcript, async (c) => {
    const svc = c.var.services();
    const { lecture_id } = c.req.valid("param");
    const { format } = c.req.valid("query");
    const lecture = await getLecture(svc.db, lectureKey(c, lecture_id));
    if (!lecture) throw new ApiError("lecture_not_found");
    const key = lecture.transcript_path ? svc.storage.keyOf(lecture.transcript_path) : null;
    const stored = key ? await readJson<Transcript>(svc.storage, key) : null;
    if (!stored) throw new ApiError("transcript_not_found");
    const segments = stored.segments.map((s) => ({ startSec: s.startSec, endSec: s.endSec, text: s.text }));
    if (format === "json") {
      // Transcripts stored before the duration was kept: the upload's stated length, else the last segment's end.
      const durationSec = stored.durationSec ?? (lecture.duration_sec || (segments.at(-1)?.endSec ?? 0));
      return c.json({ language: stored.language, durationSec, segments }, 200);
    }
    const { contentType, extension } = TRANSCRIPT_FORMATS[format as TranscriptFormat];
    return new Response(renderTranscript(format as TranscriptFormat, segments), {
      status: 200,
      headers: { "content-type": contentType, "content-disposition": `attachment; filename="${lecture.id}.${extension}"` },
    }) as never;
  })
  // Documented above from the schema, handled by hand: the form streams, a validator would buffer it.
  .post("/lectures/:lecture_id/recordings", async (c) => {
    const id = c.req.param("lecture_id");
    if (!ID_PATTERN.test(id)) throw new ApiError("lecture_not_found");
    const appended = await appendRecordingUpload(c.var.services(), lectureKey(c, id), c.req.raw, c.executionCtx);
    return c.json(
      {
        position: appended.position,
        audio_path: appended.audioPath,
        original_filename: appended.originalFilename,
        content_type: appended.contentType,
        size_bytes: appended.sizeBytes,
        checksum_sha256: appended.checksumSha256,
        created_at: toRfc3339(appended.createdAt),
      },
      201,
    );
  });
