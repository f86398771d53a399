/**
 * Ingest: a multipart upload is parsed as it streams (busboy), the file part goes straight to
 * storage in fixed-size parts while its SHA-256 and size are computed, and only then are the
 * course and lecture rows written. Nothing is held whole in memory, and a failed upload leaves
 * neither a row without its audio nor an object without its row. A multipart upload is recorded
 * while open (src/db/uploads.ts), so one whose request died is aborted by the cron sweep.
 * A re-ingest replaces the recording and drops everything derived from the old one.
 */
import { Busboy, type BusboyFileStream } from "@fastify/busboy";
import { saveIngest, type ReplacedMaterial } from "../db/lectures.ts";
import { objectKeys } from "./keys.ts";
import { noteActivity } from "../jobs/activity.ts";
import { parseIngestFields, type IngestFields } from "./ingest-form.ts";
import { forgetUpload, forgetUploadStatement, recordUpload, type UploadRef } from "../db/uploads.ts";
import { isPresetId } from "../domain/presets.ts";
import { ApiError, validationFailed } from "../lib/problem.ts";
import type { Services } from "../services.ts";
import { writeJson, type MultipartHooks, type Storage } from "../storage/index.ts";

export interface IngestResult {
  lectureId: string;
  metadataPath: string;
  audioPath: string;
}

/** A recording in storage, measured while it was written. */
export interface StoredUpload {
  key: string;
  size: number;
  sha256: string;
  filename: string | null;
  contentType: string | null;
}

/** Multipart overhead allowed on top of the file limit before Content-Length alone means 413. */
const ENVELOPE_BYTES = 1024 * 1024;
const MAX_TEXT_FIELD = 64 * 1024;

class UploadTooLarge extends Error {}
/** Reading the request body failed: the client went away or its connection broke mid-upload. */
class BodyInterrupted extends Error {}

function tooLarge(limit: number) {
  return new ApiError("payload_too_large", { detail: `The upload exceeds the ${Math.round(limit / (1024 * 1024))} MB limit (PLC_MAX_UPLOAD_MB).` });
}

export function extensionOf(filename: string | null): string {
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(filename ?? "")?.[1];
  return ext ? `.${ext.toLowerCase()}` : ".bin";
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Node Readable (busboy's file part) → web stream, pausing the source until the reader pulls. */
function toWebStream(file: BusboyFileStream, limit: number): ReadableStream<Uint8Array> {
  // Once the stream is closed, errored or cancelled (storage gave up), later chunks are drained.
  let settled = false;
  const settle = (action: () => void) => {
    if (settled) return;
    settled = true;
    action();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        file.on("data", (chunk: Uint8Array) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) file.pause();
        });
        file.once("limit", () => {
          settle(() => controller.error(new UploadTooLarge(String(limit))));
          file.resume();
        });
        file.once("end", () => settle(() => controller.close()));
        file.once("error", (error) => settle(() => controller.error(error)));
      },
      pull() {
        file.resume();
      },
      cancel() {
        settled = true;
        file.resume();
      },
    },
    { highWaterMark: 4 },
  );
}

/** Passes bytes through while hashing and counting them. */
function measuring() {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  let size = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      size += chunk.byteLength;
      await writer.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await writer.close();
    },
  });
  return { stream, result: async () => ({ size, sha256: hex(await digest.digest) }) };
}

/** The text fields as they arrived, by name (the first of each wins). */
type Fields = Record<string, string>;

async function pumpBody(body: ReadableStream<Uint8Array>, busboy: InstanceType<typeof Busboy>, finished: Promise<void>) {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error) => {
        throw new BodyInterrupted(String((error as Error)?.message ?? error));
      });
      if (done) break;
      if (!busboy.write(value)) {
        // Backpressure: wait until busboy (and the storage upload behind it) catches up.
        await Promise.race([new Promise((resolve) => busboy.once("drain", resolve)), finished]);
      }
    }
    busboy.end();
  } catch (error) {
    busboy.destroy(error as Error);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/**
 * `ctx` keeps the Worker alive until the ingest has settled: a client that goes away mid-upload
 * can get the handler cancelled, and the multipart upload must still be aborted and its row and
 * object deleted.
 */
export function ingestLecture(
  services: Services,
  owner: string,
  request: Request,
  ctx?: Pick<ExecutionContext, "waitUntil">,
): Promise<IngestResult> {
  const work = ingest(services, owner, request);
  ctx?.waitUntil(work.catch(() => {}));
  return work;
}

/** A multipart body as received: its text fields, and its `audio` part already in storage. */
export interface ReceivedForm {
  fields: Record<string, string>;
  fileSeen: boolean;
  fileName: string | null;
  /** Null when no file came or it was refused before storing (see `refuseFile`). */
  stored: StoredUpload | null;
  /** The multipart upload behind `stored`, whose row goes with the write that records it. */
  multipart: UploadRef | undefined;
  /** Deletes the stored object (and forgets its upload): for a form refused after all. */
  discard(): Promise<void>;
}

export interface ReceiveOptions {
  /** The error for a request with no body or no Content-Type. */
  missing: () => Error;
  /** The 415 detail for a body that is not multipart/form-data. */
  notMultipart: string;
  /** True refuses the file before anything is stored, judging by the fields sent before it. */
  refuseFile?: (fields: Record<string, string>) => boolean;
}

/**
 * Streams a multipart form (text fields plus one `audio` file part, at most PLC_MAX_UPLOAD_MB)
 * into storage, as ingest and appended recordings take it. Parse and size errors are the API's.
 */
export async function receiveForm(services: Services, owner: string, request: Request, options: ReceiveOptions): Promise<ReceivedForm> {
  const { config, storage, db } = services;
  const limit = config.maxUploadBytes;
  const contentType = request.headers.get("content-type");
  const declaredLength = Number(request.headers.get("content-length") ?? NaN);

  if (!contentType || !request.body) throw options.missing();
  // Refused without parsing. (Cancelling the body as well would spare the client the upload, but
  // through wrangler's dev proxy it sometimes loses the response, so the runtime drains it.)
  if (!/^multipart\/form-data/i.test(contentType))
    throw new ApiError("unsupported_media_type", { detail: options.notMultipart });
  if (Number.isFinite(declaredLength) && declaredLength > limit + ENVELOPE_BYTES) throw tooLarge(limit);

  let busboy: InstanceType<typeof Busboy>;
  try {
    busboy = new Busboy({
      headers: { "content-type": contentType },
      limits: { fileSize: limit, files: 1, fields: 32, fieldSize: MAX_TEXT_FIELD, parts: 40 },
    });
  } catch {
    throw new ApiError("malformed_body", { detail: "The multipart body has no boundary in its Content-Type." });
  }

  const fields: Fields = {};
  let upload: Promise<StoredUpload | null> | undefined;
  let fileSeen = false;
  let fileName: string | null = null;
  let fileStream: BusboyFileStream | undefined;
  // The multipart upload in flight (recorded in the database), if the file needed one.
  let multipart: UploadRef | undefined;

  const finished = new Promise<void>((resolve, reject) => {
    busboy.on("finish", () => resolve());
    busboy.on("error", (error: Error) => reject(error));
  });
  finished.catch(() => {});

  busboy.on("field", (name: string, value: string) => {
    if (name in fields || !/^[a-z_]+$/.test(name)) return;
    fields[name] = value;
  });

  busboy.on("file", (name: string, file: BusboyFileStream, filename: string | undefined, _encoding: string, mimeType: string | undefined) => {
    if (name !== "audio" || fileSeen) {
      file.resume(); // not ours: drain it
      return;
    }
    fileSeen = true;
    fileName = filename ?? null;
    // Reject before storing anything when the fields already sent are enough to say no.
    if (options.refuseFile?.(fields)) {
      file.resume();
      upload = Promise.resolve(null);
      return;
    }
    const key = objectKeys.audio(owner, extensionOf(filename ?? null));
    const measure = measuring();
    const type = mimeType && mimeType !== "application/octet-stream" ? mimeType : null;
    const hooks: MultipartHooks = {
      async opened(uploadId) {
        multipart = { key, uploadId };
        await recordUpload(db, multipart);
        await noteActivity(storage); // the sweep must watch this upload until it is closed
      },
      // A completed upload's row goes with the lecture write (or after its object is deleted).
      async closed(uploadId, outcome) {
        if (outcome === "aborted") await forgetUpload(db, { key, uploadId });
      },
    };
    fileStream = file;
    upload = storage
      .putStream(key, toWebStream(file, limit).pipeThrough(measure.stream), type ?? undefined, hooks)
      .then(async () => ({ key, ...(await measure.result()), filename: filename ?? null, contentType: type }));
    upload.catch(() => {});
  });

  let stored: StoredUpload | null = null;
  const discard = async () => {
    if (!stored) return;
    const deleted = await storage.delete(stored.key).then(
      () => true,
      () => false,
    );
    // An object that could not be deleted keeps its row: the sweep deletes it later.
    if (deleted && multipart) await forgetUpload(db, multipart).catch(() => {});
  };
  try {
    await pumpBody(request.body, busboy, finished);
    await finished;
    stored = (await upload) ?? null;
  } catch (error) {
    // busboy does not end the file part when the body fails: error it, so the storage upload
    // stops (and aborts) instead of waiting for bytes that will never come.
    fileStream?.destroy(error as Error);
    stored = (await upload?.catch(() => null)) ?? null;
    await discard();
    if (error instanceof UploadTooLarge) throw tooLarge(limit);
    if (error instanceof BodyInterrupted) throw new ApiError("upload_interrupted");
    // busboy's parse errors: the client sent a broken or truncated body.
    if (/Unexpected end of (form|multipart)|Malformed|boundary|Part terminated/i.test((error as Error)?.message ?? ""))
      throw new ApiError("malformed_body");
    throw error;
  }
  return { fields, fileSeen, fileName, stored, multipart, discard };
}

async function ingest(services: Services, owner: string, request: Request): Promise<IngestResult> {
  const { storage, db } = services;
  const { fields, fileSeen, fileName, stored, multipart, discard } = await receiveForm(services, owner, request, {
    missing: () => validationFailed(parseIngestFields({}, { seen: false }).issues),
    notMultipart: "Send the lecture as multipart/form-data (fields plus an `audio` file part).",
    refuseFile: (sent) => {
      const early = sent.preset_id?.trim();
      return Boolean(early && !isPresetId(early));
    },
  });

  const { fields: form, issues } = parseIngestFields(fields, { seen: fileSeen, filename: fileName });
  if (!form) {
    await discard();
    throw validationFailed(issues);
  }
  // An unknown preset sent before the file was refused without storing it (`stored` is null then).
  if (!isPresetId(form.preset_id) || !stored) {
    await discard();
    throw new ApiError("invalid_preset");
  }
  if (stored.size === 0) {
    await discard();
    throw validationFailed([{ loc: ["body", "audio"], msg: "File is empty", type: "value_error" }]);
  }
  try {
    return await recordLectureAudio(services, owner, form, stored, (proceed) => (multipart ? [forgetUploadStatement(db, multipart, proceed)] : []));
  } catch (error) {
    await discard();
    throw error;
  }
}

/** The lecture exists in `courseId`, and an upload never moves a lecture to another course. */
export function lectureInOtherCourse(form: Pick<IngestFields, "lecture_id" | "course_id">, courseId: string): ApiError {
  return new ApiError("lecture_in_other_course", {
    detail: `Lecture ${form.lecture_id} belongs to course ${courseId}; an upload cannot move it to course ${form.course_id}. Upload it with course_id ${courseId}, or use a new lecture_id.`,
  });
}

/**
 * Records a recording already stored at `stored.key` as the lecture's audio: creates the lecture
 * (and its course) or re-ingests it, removes what the old recording left, and writes the metadata
 * object. Shared by the multipart ingest and finished tus uploads. `alsoWrite` joins the caller's
 * own bookkeeping to the lecture's transaction. Throws `lecture_in_other_course` (nothing written)
 * when the lecture lives in another course; the caller then deletes the object.
 */
export async function recordLectureAudio(
  services: Services,
  owner: string,
  form: IngestFields,
  stored: StoredUpload,
  alsoWrite?: Parameters<typeof saveIngest>[3],
): Promise<IngestResult> {
  const { storage, db } = services;
  const valid = {
    courseId: form.course_id,
    lectureId: form.lecture_id,
    presetId: form.preset_id,
    title: form.title,
    courseTitle: form.course_title,
    durationSec: form.duration_sec ?? 0,
    sourceType: form.source_type ?? "upload",
  };
  const audioPath = storage.uri(stored.key);
  const outcome = await saveIngest(
    db,
    owner,
    {
      ...valid,
      audioPath,
      originalFilename: stored.filename,
      contentType: stored.contentType,
      sizeBytes: stored.size,
      checksumSha256: stored.sha256,
    },
    alsoWrite,
  );
  if (!outcome.saved) throw lectureInOtherCourse(form, outcome.courseId);
  // Awaited before answering, so a stage started after the response never has its new objects
  // (at the same deterministic keys) deleted by this cleanup.
  await deleteReplaced(storage, valid.lectureId, outcome.replaced, audioPath);

  const metadataKey = objectKeys.metadata({ owner, lectureId: valid.lectureId });
  const now = new Date().toISOString();
  await writeJson(storage, metadataKey, {
    id: valid.lectureId,
    courseId: valid.courseId,
    presetId: valid.presetId,
    title: valid.title,
    recordedAt: now,
    durationSec: valid.durationSec,
    audioSource: {
      sourceType: valid.sourceType,
      originalFilename: stored.filename,
      storagePath: audioPath,
      sizeBytes: stored.size,
      checksumSha256: stored.sha256,
    },
    status: "uploaded",
    createdAt: now,
    updatedAt: now,
  }).catch((error) => console.error(JSON.stringify({ level: "warn", msg: "metadata write failed", lectureId: valid.lectureId, error: String(error) })));

  return { lectureId: valid.lectureId, metadataPath: storage.uri(metadataKey), audioPath };
}

/** The objects of a replaced recording and of everything derived from it; no row references them. */
async function deleteReplaced(storage: Storage, lectureId: string, replaced: ReplacedMaterial, audioPath: string) {
  const uris = [replaced.transcriptPath, ...replaced.artifactPaths, ...replaced.exportPaths, ...replaced.recordingPaths];
  if (replaced.audioPath !== audioPath) uris.push(replaced.audioPath);
  const keys = uris.map((uri) => (uri ? storage.keyOf(uri) : null)).filter((key) => key !== null);
  // The export stage's manifest has no row of its own: it sits next to the exports' folder.
  const manifest = keys.find((key) => replaced.exportPaths.some((uri) => storage.keyOf(uri) === key));
  if (manifest) keys.push(`${manifest.slice(0, manifest.lastIndexOf("/"))}.json`);
  await Promise.all(
    [...new Set(keys)].map((key) =>
      storage.delete(key).catch((error) =>
        console.error(JSON.stringify({ level: "warn", msg: "replaced object not deleted", lectureId, key, error: String(error) })),
      ),
    ),
  );
}
