import { createRoute, z } from "@hono/zod-openapi";
import { lectureKey } from "../auth/authenticate.ts";
import { getLecture } from "../db/lectures.ts";
import { createRouter, problemResponses } from "../lib/openapi.ts";
import { pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { parseRange, type ByteRange } from "../lib/range.ts";
import { RangeNotSatisfiableError, type Storage, type StoredRange } from "../storage/index.ts";

/** How long a presigned recording URL is valid (s3 mode): long enough to listen to a lecture. */
const PRESIGNED_AUDIO_SEC = 3 * 60 * 60;

const audio = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/audio",
  tags: ["lectures"],
  summary: "Play the recording (HTTP Range in r2 mode; a redirect to a presigned URL in s3 mode)",
  description:
    "Search hits and citations link here with a Media Fragments suffix (`#t=start,end`), which a media element honours. r2 mode streams the stored object and answers `Range: bytes=…` with 206 and `Content-Range` (416 past the end); s3 mode redirects (302) to a presigned URL valid 3 h, which the fragment survives.",
  request: { params: z.object({ lecture_id: pathId("lecture_not_found", "lec-001") }) },
  responses: {
    200: { description: "The whole recording.", content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
    206: { description: "The requested byte range, with Content-Range." },
    302: { description: "s3 mode: Location is a presigned URL of the recording." },
    ...problemResponses(404),
    416: { description: "The range starts past the end; Content-Range: bytes */<size>." },
  },
});

/** The requested range as storage reads it; a suffix needs the size, read from a one-byte range first. */
async function readRange(storage: Storage, key: string, range: ByteRange): Promise<StoredRange | null> {
  if (range.kind === "from") return storage.getRange(key, range.first, range.last === undefined ? Number.MAX_SAFE_INTEGER - range.first : range.last - range.first + 1);
  if (range.length === 0) throw new RangeNotSatisfiableError((await sizeOf(storage, key)) ?? 0);
  const size = await sizeOf(storage, key);
  if (size === null) return null;
  const length = Math.min(range.length, size);
  return storage.getRange(key, size - length, length);
}

async function sizeOf(storage: Storage, key: string): Promise<number | null> {
  const probe = await storage.getRange(key, 0, 1).catch((error: unknown) => {
    if (error instanceof RangeNotSatisfiableError) return { size: 0, body: null };
    throw error;
  });
  if (!probe) return null;
  await probe.body?.cancel().catch(() => {});
  return probe.size;
}

export const audioRoutes = createRouter().openapi(audio, async (c) => {
  const svc = c.var.services();
  const lecture = await getLecture(svc.db, lectureKey(c, c.req.valid("param").lecture_id));
  if (!lecture) throw new ApiError("lecture_not_found");
  const key = lecture.audio_path ? svc.storage.keyOf(lecture.audio_path) : null;
  if (!key) {
    throw lecture.audio_expired_at
      ? new ApiError("audio_not_found", { detail: "The recording was deleted under the audio retention policy; the transcript and study material are kept." })
      : new ApiError("audio_not_found");
  }

  if (svc.storage.mode === "s3") {
    const url = await svc.storage.presignGet(key, PRESIGNED_AUDIO_SEC);
    if (!url) throw new ApiError("audio_not_found");
    return c.redirect(url, 302) as never;
  }

  const headers = new Headers({ "accept-ranges": "bytes" });
  const range = parseRange(c.req.header("range"));
  if (range) {
    let part: StoredRange | null;
    try {
      part = await readRange(svc.storage, key, range);
    } catch (error) {
      if (error instanceof RangeNotSatisfiableError)
        throw new ApiError("range_not_satisfiable", { headers: { "content-range": `bytes */${error.size}`, "accept-ranges": "bytes" } });
      throw error;
    }
    if (!part) throw new ApiError("audio_not_found");
    headers.set("content-type", part.contentType ?? lecture.content_type ?? "application/octet-stream");
    headers.set("content-length", String(part.length));
    headers.set("content-range", `bytes ${part.offset}-${part.offset + part.length - 1}/${part.size}`);
    return new Response(part.body, { status: 206, headers }) as never;
  }
  const object = await svc.storage.get(key);
  if (!object) throw new ApiError("audio_not_found");
  headers.set("content-type", object.contentType ?? lecture.content_type ?? "application/octet-stream");
  headers.set("content-length", String(object.size));
  return new Response(object.body, { status: 200, headers }) as never;
});
