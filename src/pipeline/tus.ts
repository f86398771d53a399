/**
 * Resumable uploads, tus 1.0.0 (https://tus.io/protocols/resumable-upload) with the creation,
 * creation-with-upload, termination, expiration and checksum extensions. The HTTP side is in
 * src/routes/uploads.ts; this module keeps the bytes and the state.
 *
 * Bytes go to a multipart upload in parts of the upload's part size as they arrive, so a PATCH
 * holds at most one part in memory. Every part but the last must have the same size (R2), so what
 * does not fill a part when a PATCH ends is kept as a small "tail" object and becomes the start of
 * the next part. The row's offset is committed after every part and at the end of the body:
 * after an interruption, HEAD reports every whole part plus the tail that reached the Worker (the
 * bytes of a part whose upload to storage failed are not kept). With Upload-Checksum nothing is
 * committed before the whole body is verified. The recording's SHA-256 is computed as the bytes
 * arrive and its state kept with the offset, so the end needs no read-back. The last byte records
 * the lecture exactly as POST /lectures/ingest does (recordLectureAudio), or, with `append_to`,
 * appends it to a lecture as POST /lectures/{id}/recordings does (appendStoredRecording).
 */
import { isTruthy } from "../config.ts";
import { getLecture } from "../db/lectures.ts";
import {
  claimTusUpload,
  commitTusWrite,
  completeTusUploadStatement,
  countUnfinishedTusUploads,
  createTusUpload,
  expiredTusUploads,
  forgetTusUpload,
  forgetTusUploads,
  getTusUpload,
  releaseTusUpload,
  stalledTusUploads,
  terminateTusUpload,
  type TusUploadRef,
  type TusUploadRow,
  type TusWrite,
} from "../db/tus-uploads.ts";
import { isPresetId } from "../domain/presets.ts";
import { noteActivity } from "../jobs/activity.ts";
import { ApiError, validationFailed } from "../lib/problem.ts";
import { Sha256 } from "../lib/sha256.ts";
import { toRfc3339 } from "../lib/time.ts";
import type { Services } from "../services.ts";
import { extensionOf, lectureInOtherCourse, recordLectureAudio } from "./ingest.ts";
import { appendStoredRecording, assertAppendable } from "./recordings.ts";
import { ID_PATTERN, ID_RULE } from "../lib/params.ts";
import { publishEvent } from "../push/index.ts";
import { parseIngestFields, type IngestFields } from "./ingest-form.ts";
import { objectKeys } from "./keys.ts";
import { startExport, startGeneration, startTranscription } from "./start.ts";

export const TUS_VERSION = "1.0.0";
export const TUS_EXTENSIONS = ["creation", "creation-with-upload", "termination", "expiration", "checksum"] as const;
export const CHECKSUM_ALGORITHMS = { sha1: "SHA-1", sha256: "SHA-256" } as const;
/**
 * The largest PATCH body: a deployed Worker refuses request bodies over 100 MB (decimal), so
 * clients must send smaller chunks (tus-js-client: `chunkSize`).
 */
export const MAX_PATCH_BYTES = 95 * 1024 * 1024;
/**
 * A PATCH's claim on its upload, renewed with every part: a Worker that died mid-PATCH blocks the
 * upload for at most this long, and a part must arrive within it.
 */
const CLAIM_SEC = 120;

/** The ingest fields an upload's metadata carries; the rest of it is the file's name and type. */
const LECTURE_FIELDS = ["course_id", "lecture_id", "preset_id", "title", "course_title", "duration_sec", "source_type"] as const;

const MAX_METADATA_CHARS = 16 * 1024;

/** Upload-Metadata: comma-separated `key base64value` pairs; a key alone is a flag. */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (header === undefined || header.trim() === "") return metadata;
  const bad = (detail: string) => new ApiError("bad_request", { detail: `Upload-Metadata ${detail}` });
  if (header.length > MAX_METADATA_CHARS) throw bad(`is longer than ${MAX_METADATA_CHARS} characters.`);
  for (const pair of header.split(",")) {
    const [key, value, ...rest] = pair.trim().split(" ");
    if (!key || rest.length > 0 || !/^[\x21-\x7e]+$/.test(key)) throw bad("must be comma-separated `key base64value` pairs.");
    if (Object.hasOwn(metadata, key)) throw bad(`names ${key} twice.`);
    if (value === undefined || value === "") {
      metadata[key] = "";
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0));
    } catch {
      throw bad(`value of ${key} is not base64.`);
    }
    try {
      metadata[key] = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw bad(`value of ${key} is not UTF-8 text.`);
    }
  }
  return metadata;
}

export function encodeUploadMetadata(metadata: Record<string, string>): string {
  const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  return Object.entries(metadata)
    .map(([key, value]) => (value === "" ? key : `${key} ${base64(value)}`))
    .join(",");
}

/** A new lecture (or a lecture's recording replaced), or a recording appended to a lecture. */
type UploadIntent = {
  filename: string | null;
  contentType: string | null;
  autostart: boolean;
} & ({ kind: "lecture"; form: IngestFields } | { kind: "recording"; lectureId: string });

/**
 * The lecture an upload is for, checked with the ingest form's rules and detail strings: 422 for
 * invalid fields, then 400 for an unknown preset. `filename`/`filetype` are tus-js-client's and
 * Uppy's names for the file (`name`/`type` are accepted too). `append_to` names a lecture the
 * upload becomes the next recording of (as POST /lectures/{id}/recordings), instead of the fields.
 */
function readIntent(metadata: Record<string, string>): UploadIntent {
  const filename = metadata.filename ?? metadata.name ?? null;
  const type = (metadata.filetype ?? metadata.type ?? "").trim();
  const contentType = /^[\w.+-]+\/[\w.+-]+$/.test(type) && type !== "application/octet-stream" ? type : null;
  const autostart = Object.hasOwn(metadata, "autostart") && (metadata.autostart === "" || isTruthy(metadata.autostart));
  const file = { filename, contentType, autostart };
  if (Object.hasOwn(metadata, "append_to")) {
    const lectureId = metadata.append_to!.trim();
    const issues = [
      ...(ID_PATTERN.test(lectureId) ? [] : [{ loc: ["body", "append_to"], msg: `String should be ${ID_RULE}`, type: "string_pattern_mismatch" }]),
      ...LECTURE_FIELDS.filter((name) => Object.hasOwn(metadata, name)).map((name) => ({
        loc: ["body", name],
        msg: "Not allowed with append_to: the recording joins that lecture as it is",
        type: "extra_forbidden",
      })),
    ];
    if (issues.length) throw validationFailed(issues);
    return { ...file, kind: "recording", lectureId };
  }
  const fields: Record<string, string> = {};
  for (const name of LECTURE_FIELDS) if (Object.hasOwn(metadata, name)) fields[name] = metadata[name]!;
  const { fields: form, issues } = parseIngestFields(fields, { seen: true, filename });
  if (!form) throw validationFailed(issues);
  if (!isPresetId(form.preset_id)) throw new ApiError("invalid_preset");
  return { ...file, kind: "lecture", form };
}

/** What the row keeps: the metadata as sent, less anything that is not ours. */
function storedMetadata(metadata: Record<string, string>): Record<string, string> {
  const keep = new Set<string>([...LECTURE_FIELDS, "append_to", "filename", "name", "filetype", "type", "autostart"]);
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => keep.has(key)));
}

export interface CreateUploadRequest {
  uploadLength: string | undefined;
  deferLength: string | undefined;
  metadata: string | undefined;
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** Creation: every check that can refuse the upload runs before anything is stored. */
export async function createUpload(services: Services, owner: string, request: CreateUploadRequest): Promise<TusUploadRow> {
  const { config, db, storage } = services;
  if (request.deferLength !== undefined)
    throw new ApiError("bad_request", { detail: "Upload-Defer-Length is not supported: send Upload-Length." });
  if (request.uploadLength === undefined || !/^\d{1,16}$/.test(request.uploadLength.trim()))
    throw new ApiError("bad_request", { detail: "Upload-Length must be the size of the upload in bytes." });
  const length = Number(request.uploadLength.trim());
  if (length > config.tus.maxBytes)
    throw new ApiError("payload_too_large", { detail: `The upload exceeds the ${mb(config.tus.maxBytes)} MB limit (PLC_MAX_RECORDING_MB).` });
  const metadata = parseUploadMetadata(request.metadata);
  const intent = readIntent(metadata);
  if (length === 0) throw validationFailed([{ loc: ["body", "audio"], msg: "File is empty", type: "value_error" }]);
  // Told now rather than after the last byte (the lecture write checks again).
  if (intent.kind === "recording") {
    await assertAppendable(services, { owner, lectureId: intent.lectureId }, { originalFilename: intent.filename, contentType: intent.contentType });
  } else {
    const existing = await getLecture(db, { owner, lectureId: intent.form.lecture_id });
    if (existing && existing.course_id !== intent.form.course_id) throw lectureInOtherCourse(intent.form, existing.course_id);
  }
  const row = await createTusUpload(db, {
    owner,
    id: crypto.randomUUID().replaceAll("-", ""),
    key: objectKeys.audio(owner, extensionOf(intent.filename)),
    partSize: config.tus.partBytes,
    length,
    metadata: storedMetadata(metadata),
    expirySec: config.tus.expirySec,
  });
  await noteActivity(storage); // the sweep must watch this upload until it is finished or expires
  return row;
}

/** An upload of this owner: finished ones stay readable until they expire. */
export async function findUpload(services: Services, ref: TusUploadRef): Promise<TusUploadRow> {
  const row = await getTusUpload(services.db, ref);
  if (!row) throw new ApiError("upload_not_found");
  if (!row.completed_at && isExpired(row)) throw new ApiError("upload_expired");
  return row;
}

const isExpired = (row: TusUploadRow) => Date.parse(toRfc3339(row.expires_at)) <= Date.now();

/** Upload-Expires: an HTTP date. */
export const expiresHeader = (row: TusUploadRow) => new Date(Date.parse(toRfc3339(row.expires_at))).toUTCString();

export interface Checksum {
  algorithm: (typeof CHECKSUM_ALGORITHMS)[keyof typeof CHECKSUM_ALGORITHMS];
  expected: string;
}

export function parseChecksum(header: string | undefined): Checksum | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(\w+)\s+([A-Za-z0-9+/]+={0,2})\s*$/.exec(header);
  const algorithm = match ? CHECKSUM_ALGORITHMS[match[1]!.toLowerCase() as keyof typeof CHECKSUM_ALGORITHMS] : undefined;
  if (!match || !algorithm) throw new ApiError("checksum_algorithm_unsupported");
  return { algorithm, expected: match[2]! };
}

export interface PatchRequest {
  offset: string | undefined;
  contentLength: string | undefined;
  checksum: string | undefined;
}

export interface PatchResult {
  row: TusUploadRow;
  offset: number;
  /** Set when this request finished the upload. */
  lecture?: FinishedUpload;
}

/**
 * A PATCH (or the body of a creation-with-upload POST): appends the body at `offset`. The work is
 * kept alive with `keepAlive` (the request's waitUntil) even if the client goes away, so what
 * arrived is committed and the claim released.
 */
export function appendToUpload(
  services: Services,
  ref: TusUploadRef,
  request: PatchRequest,
  body: ReadableStream<Uint8Array> | null,
  keepAlive?: (work: Promise<unknown>) => void,
): Promise<PatchResult> {
  const work = append(services, ref, request, body);
  keepAlive?.(work.catch(() => {}));
  return work;
}

async function append(services: Services, ref: TusUploadRef, request: PatchRequest, body: ReadableStream<Uint8Array> | null): Promise<PatchResult> {
  const { db } = services;
  if (request.offset === undefined || !/^\d{1,16}$/.test(request.offset.trim()))
    throw new ApiError("bad_request", { detail: "Upload-Offset must be the offset in bytes this body starts at." });
  const offset = Number(request.offset.trim());
  const checksum = parseChecksum(request.checksum);
  const declared = request.contentLength === undefined ? undefined : Number(request.contentLength);
  if (declared !== undefined && declared > MAX_PATCH_BYTES)
    throw new ApiError("payload_too_large", { detail: `A PATCH may carry at most ${MAX_PATCH_BYTES} bytes; send the upload in smaller chunks.` });

  const token = crypto.randomUUID();
  const row = await claimTusUpload(db, ref, offset, token, CLAIM_SEC);
  if (!row) {
    // Why not: one more read, on the failure path only.
    const current = await findUpload(services, ref);
    if (current.completed_at || current.upload_offset !== offset) throw new ApiError("upload_offset_mismatch");
    throw new ApiError("upload_locked", { headers: { "Retry-After": "2" } });
  }
  try {
    const remaining = row.upload_length - row.upload_offset;
    if (declared !== undefined && declared > remaining)
      throw new ApiError("payload_too_large", { detail: `The body is longer than the ${remaining} bytes the upload has left.` });
    // Finished but not recorded (the request that sent the last byte failed afterwards): record now.
    if (remaining === 0) return { row, offset, lecture: await finish(services, row) };
    return await write(services, row, token, body, Math.min(remaining, MAX_PATCH_BYTES), checksum);
  } catch (error) {
    await releaseTusUpload(db, ref, token).catch(() => {});
    throw error;
  }
}

/**
 * One part buffer kept for the next PATCH in this isolate: a fresh 8 MiB buffer per request made
 * garbage faster than the collector returned it (workerd's peak memory grew with every PATCH).
 */
let sparePart: Uint8Array | undefined;

function takePart(size: number): Uint8Array {
  const part = sparePart?.byteLength === size ? sparePart : new Uint8Array(size);
  if (part === sparePart) sparePart = undefined;
  return part;
}

/** Reads an object of at most `into.length` bytes into `into`; answers its length. */
async function readInto(stream: ReadableStream<Uint8Array>, into: Uint8Array): Promise<number> {
  let filled = 0;
  for await (const chunk of stream) {
    if (filled + chunk.byteLength > into.byteLength) throw new Error("tus tail object is larger than a part");
    into.set(chunk, filled);
    filled += chunk.byteLength;
  }
  return filled;
}

function base64(buffer: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(buffer)));
}

async function write(
  services: Services,
  row: TusUploadRow,
  token: string,
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  checksum: Checksum | undefined,
): Promise<PatchResult> {
  // The one part held in memory; the tail of earlier requests is its beginning.
  const part = takePart(row.part_size);
  try {
    return await writeWith(services, row, token, body, limit, checksum, part);
  } finally {
    sparePart = part;
  }
}

async function writeWith(
  services: Services,
  row: TusUploadRow,
  token: string,
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  checksum: Checksum | undefined,
  part: Uint8Array,
): Promise<PatchResult> {
  const { db, storage } = services;
  const ref = { owner: row.owner_id, id: row.id };
  const partSize = row.part_size;
  const contentType = readIntent(row.metadata).contentType ?? undefined;
  let filled = row.tail_key ? await loadTail(services, row.tail_key, part) : 0;
  const etags = [...row.part_etags];
  if (etags.length * partSize + filled !== row.upload_offset) throw new Error(`tus upload ${row.id}: stored parts and tail disagree with its offset`);

  let uploadId = row.multipart_upload_id;
  let committed = { offset: row.upload_offset, etagCount: etags.length, tailKey: row.tail_key };
  const commit = async (w: TusWrite) => {
    if (!(await commitTusWrite(db, ref, token, w))) throw new ApiError("upload_locked", { detail: "This upload was taken over by another request or terminated." });
  };
  // Hashes exactly the bytes placed in parts, so its state always matches the offset committed.
  const sha = Sha256.resume(row.sha256_state);
  /** Makes `offset` (whole parts plus `tailKey`) the upload's state; the replaced tail goes. */
  const commitProgress = async (offset: number, tailKey: string | null, keepClaim: boolean) => {
    await commit({ offset, newEtags: etags.slice(committed.etagCount), tailKey, sha256State: sha.save(), leaseSec: keepClaim ? CLAIM_SEC : undefined });
    const replaced = committed.tailKey;
    committed = { offset, etagCount: etags.length, tailKey };
    // Best effort: a tail left behind is a few MB that no row names.
    if (replaced && replaced !== tailKey) await storage.delete(replaced).catch(() => {});
  };
  const sendPart = async (bytes: Uint8Array) => {
    if (!uploadId) {
      uploadId = await storage.createMultipart(row.key, contentType);
      // Recorded at once, so the sweep can abort it whatever happens next.
      await commit({ offset: committed.offset, multipartUploadId: uploadId, leaseSec: CLAIM_SEC });
    }
    etags.push(await storage.uploadPart(row.key, uploadId, etags.length + 1, bytes));
  };

  const digest = checksum ? new crypto.DigestStream(checksum.algorithm) : undefined;
  const digestWriter = digest?.getWriter();
  let received = 0;
  let interrupted = false;
  let overLimit = false;
  const reader = body?.getReader();
  try {
    while (reader) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch {
        interrupted = true; // the client went away or its connection broke
        break;
      }
      if (result.done) break;
      let chunk = result.value;
      if (received + chunk.byteLength > limit) {
        chunk = chunk.subarray(0, limit - received);
        overLimit = true;
      }
      received += chunk.byteLength;
      await digestWriter?.write(chunk);
      for (let at = 0; at < chunk.byteLength; ) {
        const n = Math.min(partSize - filled, chunk.byteLength - at);
        const piece = chunk.subarray(at, at + n);
        part.set(piece, filled);
        sha.update(piece);
        filled += n;
        at += n;
        if (filled === partSize) {
          await sendPart(part);
          filled = 0;
          // Without a checksum each part is kept at once; with one, only a verified body is. The
          // last part is committed only with the completed object (below), so a recorded full
          // offset always means the object exists.
          if (!checksum && etags.length * partSize < row.upload_length) await commitProgress(etags.length * partSize, null, true);
          else await commit({ offset: committed.offset, leaseSec: CLAIM_SEC });
        }
      }
      if (overLimit) break;
    }
  } finally {
    if (interrupted || overLimit) await reader?.cancel().catch(() => {});
    else reader?.releaseLock();
  }

  if (checksum) {
    await digestWriter!.close();
    const actual = base64(await digest!.digest);
    if (interrupted) throw new ApiError("upload_interrupted");
    if (actual !== checksum.expected) throw new ApiError("checksum_mismatch");
  }

  const offset = etags.length * partSize + filled;
  if (offset === row.upload_length) {
    // The last byte: the final (shorter) part, or the whole file when it never filled one.
    if (uploadId) {
      if (filled > 0) await sendPart(part.subarray(0, filled));
      await storage.completeMultipart(row.key, uploadId, etags);
    } else {
      await storage.put(row.key, part.subarray(0, filled), contentType);
    }
    const sha256State = sha.save();
    await commit({ offset, newEtags: etags.slice(committed.etagCount), multipartUploadId: null, tailKey: null, sha256State, leaseSec: CLAIM_SEC });
    if (committed.tailKey) await storage.delete(committed.tailKey).catch(() => {});
    const finished = { ...row, upload_offset: offset, multipart_upload_id: null, tail_key: null, sha256_state: sha256State };
    return { row: finished, offset, lecture: await finish(services, finished) };
  }
  if (offset !== committed.offset) {
    const tailKey = filled > 0 ? objectKeys.uploadTail(row.owner_id, row.id, offset) : null;
    if (tailKey) await storage.put(tailKey, part.subarray(0, filled));
    await commitProgress(offset, tailKey, false);
  } else {
    await releaseTusUpload(db, ref, token);
  }
  if (interrupted) throw new ApiError("upload_interrupted");
  if (overLimit) throw new ApiError("payload_too_large", { detail: `The body is longer than the ${limit} bytes this PATCH may carry; ${received} were kept.` });
  return { row: { ...row, upload_offset: offset }, offset };
}

async function loadTail(services: Services, key: string, part: Uint8Array): Promise<number> {
  const object = await services.storage.get(key);
  if (!object) throw new Error(`tus tail object ${key} is missing`);
  return readInto(object.body, part);
}

/** What the last byte made of an upload. */
export interface FinishedUpload {
  lectureId: string;
  courseId: string;
}

/**
 * The whole recording is stored: record it as the lecture's audio (or append it as the lecture's
 * next recording), with the upload marked finished in the same transaction, and start the stages
 * when asked to. The caller holds the claim. A refused append leaves the upload unfinished, so a
 * later HEAD or empty PATCH tries again (e.g. once a running transcription is over).
 */
async function finish(services: Services, row: TusUploadRow): Promise<FinishedUpload> {
  const { storage, db } = services;
  const ref = { owner: row.owner_id, id: row.id };
  const intent = readIntent(row.metadata);
  const sha256 = Sha256.resume(row.sha256_state).hex();
  let result: FinishedUpload;
  if (intent.kind === "recording") {
    const key = { owner: row.owner_id, lectureId: intent.lectureId };
    const recording = {
      audioPath: storage.uri(row.key),
      originalFilename: intent.filename,
      contentType: intent.contentType,
      sizeBytes: row.upload_length,
      checksumSha256: sha256,
    };
    const appended = await appendStoredRecording(services, key, recording, (done) => [completeTusUploadStatement(db, ref, intent.lectureId, done)]);
    result = { lectureId: intent.lectureId, courseId: appended.courseId };
  } else {
    try {
      const recorded = await recordLectureAudio(
        services,
        row.owner_id,
        intent.form,
        { key: row.key, size: row.upload_length, sha256, filename: intent.filename, contentType: intent.contentType },
        (proceed) => [completeTusUploadStatement(db, ref, intent.form.lecture_id, proceed)],
      );
      result = { lectureId: recorded.lectureId, courseId: intent.form.course_id };
    } catch (error) {
      if (error instanceof ApiError && error.code === "lecture_in_other_course") {
        // Nothing was recorded: the object is nobody's, and the upload cannot be finished.
        await storage.delete(row.key).catch(() => {});
        await forgetTusUpload(db, ref).catch(() => {});
      }
      throw error;
    }
  }
  await announceUpload(services, row, result, sha256, intent.filename);
  if (intent.autostart) await autostart(services, { owner: row.owner_id, lectureId: result.lectureId });
  return result;
}

/** `upload.completed` for the owner's webhooks; one per upload (a fixed event id). Never throws. */
async function announceUpload(services: Services, row: TusUploadRow, result: FinishedUpload, sha256: string, filename: string | null) {
  const data = { uploadId: row.id, lectureId: result.lectureId, courseId: result.courseId, size: row.upload_length, sha256, filename };
  await publishEvent(services, row.owner_id, "upload.completed", data, `msg_upload_${row.id}`).catch((error) => {
    console.error(JSON.stringify({ level: "warn", msg: "upload.completed not raised", uploadId: row.id, error: String((error as Error)?.message ?? error) }));
  });
}

/** Queues transcription, generation and export; each stage waits for its inputs. */
async function autostart(services: Services, key: { owner: string; lectureId: string }) {
  try {
    await startTranscription(services, key, "base");
    await startGeneration(services, key, {});
    await startExport(services, key);
  } catch (error) {
    // The recording is recorded either way; the client can start the stages itself.
    console.error(JSON.stringify({ level: "warn", msg: "tus autostart failed", lectureId: key.lectureId, error: String((error as Error)?.message ?? error) }));
  }
}

/**
 * An upload whose last byte arrived but which was not recorded (that request failed afterwards, or
 * an append had to wait for a transcription): records it now. HEAD calls this, so a client that
 * resumes and sees the full offset is done, and so does the cron sweep. A refusal (an API error)
 * leaves the upload as it was, to be tried again, and HEAD still answers with its offset.
 */
export async function finishIfStalled(services: Services, row: TusUploadRow): Promise<TusUploadRow> {
  if (row.completed_at || row.upload_offset !== row.upload_length) return row;
  const token = crypto.randomUUID();
  const claimed = await claimTusUpload(services.db, { owner: row.owner_id, id: row.id }, row.upload_length, token, CLAIM_SEC);
  if (!claimed) return row;
  try {
    const lecture = await finish(services, claimed);
    return { ...claimed, completed_at: new Date().toISOString(), lecture_id: lecture.lectureId };
  } catch (error) {
    await releaseTusUpload(services.db, { owner: row.owner_id, id: row.id }, token).catch(() => {});
    if (!(error instanceof ApiError)) throw error;
    console.log(JSON.stringify({ level: "warn", msg: "upload not recorded yet", uploadId: row.id, code: error.code }));
    return row;
  }
}

/**
 * Termination. A finished upload's row goes (its object is the lecture's recording); an
 * unfinished one is expired at once and its parts and tail removed, or left to the sweep.
 */
export async function terminateUpload(services: Services, ref: TusUploadRef): Promise<boolean> {
  const row = await terminateTusUpload(services.db, ref);
  if (!row) return false;
  if (row.completed_at) {
    await forgetTusUpload(services.db, ref);
    return true;
  }
  try {
    await discardParts(services, { key: row.key, multipartUploadId: row.multipart_upload_id, tailKey: row.tail_key });
    await forgetTusUpload(services.db, ref);
  } catch (error) {
    console.error(JSON.stringify({ level: "warn", msg: "terminated upload left to the sweep", uploadId: ref.id, error: String((error as Error)?.message ?? error) }));
  }
  return true;
}

async function discardParts(services: Services, u: { multipartUploadId: string | null; tailKey: string | null; key: string }, objectToo = false) {
  const { storage } = services;
  if (u.multipartUploadId) await storage.abortMultipart(u.key, u.multipartUploadId);
  if (u.tailKey) await storage.delete(u.tailKey);
  // An object completed by a request that died before recording its lecture.
  if (objectToo) await storage.delete(u.key);
}

const SWEEP_LIMIT = 50;
const SWEEP_CONCURRENCY = 6;

export interface TusSweepResult {
  /** Expired uploads removed: multipart upload aborted, tail and row deleted. */
  expired: number;
  failed: number;
  /** Uploads whose bytes were all stored and which were recorded now (an append that had waited). */
  finished: number;
  /** Unfinished uploads left (in flight, waiting to be recorded, or expired and not removed yet). */
  open: number;
}

/**
 * The cron's part: expired uploads lose their parts, tail and row, and uploads whose bytes are
 * all stored but which were not recorded yet (an append that waited) are recorded. Never throws.
 */
export async function sweepTusUploads(services: Services): Promise<TusSweepResult | undefined> {
  try {
    const expired = await expiredTusUploads(services.db, services.storage.uri(""), SWEEP_LIMIT);
    const done: TusUploadRef[] = [];
    let failed = 0;
    for (let i = 0; i < expired.length; i += SWEEP_CONCURRENCY) {
      await Promise.all(
        expired.slice(i, i + SWEEP_CONCURRENCY).map(async (u) => {
          try {
            if (!u.completed) await discardParts(services, u, !u.referenced);
            done.push({ owner: u.owner, id: u.id });
          } catch (error) {
            failed++;
            console.error(JSON.stringify({ level: "warn", msg: "expired upload not removed", uploadId: u.id, error: String((error as Error)?.message ?? error) }));
          }
        }),
      );
    }
    await forgetTusUploads(services.db, done);
    // Appends refused at the last byte (the lecture was being transcribed) are tried again here.
    let finished = 0;
    for (const row of await stalledTusUploads(services.db, SWEEP_LIMIT)) {
      if ((await finishIfStalled(services, row)).completed_at) finished++;
    }
    if (done.length || failed || finished) console.log(JSON.stringify({ msg: "tus upload sweep", expired: done.length, failed, finished }));
    return { expired: done.length, failed, finished, open: await countUnfinishedTusUploads(services.db) };
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "tus upload sweep failed", error: services.stages.classify(error).message }));
    return undefined;
  }
}
