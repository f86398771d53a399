/**
 * Resumable uploads over tus 1.0.0 at /uploads (src/pipeline/tus.ts does the work). The bodies
 * stream, so POST and PATCH are documented from their schemas and handled by hand; the others
 * are ordinary routes. Errors are problem details like everywhere else, with tus's statuses.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { ownerOf } from "../auth/authenticate.ts";
import type { AppContext, AppEnv } from "../context.ts";
import type { TusUploadRow } from "../db/tus-uploads.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { IngestFieldsSchema } from "../pipeline/ingest-form.ts";
import {
  appendToUpload,
  CHECKSUM_ALGORITHMS,
  createUpload,
  encodeUploadMetadata,
  expiresHeader,
  findUpload,
  finishIfStalled,
  MAX_PATCH_BYTES,
  terminateUpload,
  TUS_EXTENSIONS,
  TUS_VERSION,
  type PatchResult,
} from "../pipeline/tus.ts";
import { toRfc3339 } from "../lib/time.ts";
import { waitUntil } from "../lib/wait-until.ts";

const tags = ["uploads"];
const uploadParams = z.object({ upload_id: pathId("upload_not_found", "9b2f4c0e8d3a4f6b9c1d2e3f4a5b6c7d") });
const OFFSET_CONTENT_TYPE = "application/offset+octet-stream";
/** The lecture a finished upload was recorded as, for clients that read only headers (tus-js-client's onSuccess). */
export const LECTURE_ID_HEADER = "Pegasus-Lecture-Id";
/** The largest PATCH body, announced by OPTIONS (tus has no header of its own for it). */
export const MAX_PATCH_HEADER = "Pegasus-Max-Patch-Size";

/** Headers tus clients send and read, for the CORS configuration (src/app.ts). */
export const TUS_REQUEST_HEADERS = ["Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata", "Upload-Checksum", "Upload-Defer-Length"];
export const TUS_RESPONSE_HEADERS = [
  "Location",
  "Link",
  "Upload-Offset",
  "Upload-Length",
  "Upload-Metadata",
  "Upload-Expires",
  "Tus-Resumable",
  "Tus-Version",
  "Tus-Extension",
  "Tus-Max-Size",
  "Tus-Checksum-Algorithm",
  LECTURE_ID_HEADER,
  MAX_PATCH_HEADER,
];

const isUploadsPath = (path: string) => path === "/uploads" || path.startsWith("/uploads/");

function discoveryHeaders(c: AppContext): Record<string, string> {
  return {
    "Tus-Version": TUS_VERSION,
    "Tus-Extension": TUS_EXTENSIONS.join(","),
    "Tus-Max-Size": String(c.var.services().config.tus.maxBytes),
    "Tus-Checksum-Algorithm": Object.keys(CHECKSUM_ALGORITHMS).join(","),
    [MAX_PATCH_HEADER]: String(MAX_PATCH_BYTES),
  };
}

/**
 * On every /uploads answer, errors and CORS preflights included (registered before the CORS
 * middleware, which answers OPTIONS itself): Tus-Resumable, and on OPTIONS the discovery headers.
 */
export const tusResponseHeaders = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (!isUploadsPath(c.req.path)) return;
    c.res.headers.set("Tus-Resumable", TUS_VERSION);
    if (c.req.method === "OPTIONS") {
      try {
        for (const [name, value] of Object.entries(discoveryHeaders(c))) c.res.headers.set(name, value);
      } catch {
        // Misconfigured: the answer already says so.
      }
    }
  });

/** Every tus request but OPTIONS names the protocol version; we speak only 1.0.0. */
const requireTusVersion = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== "OPTIONS" && c.req.method !== "GET" && c.req.header("Tus-Resumable") !== TUS_VERSION)
      throw new ApiError("tus_version_unsupported", { headers: { "Tus-Version": TUS_VERSION } });
    await next();
  });

const uploadUrl = (c: AppContext, id: string) => new URL(`/uploads/${id}`, c.req.url).toString();

/** What HEAD (and GET) say about an upload. */
function stateHeaders(row: TusUploadRow): Record<string, string> {
  const headers: Record<string, string> = {
    "Upload-Offset": String(row.upload_offset),
    "Upload-Length": String(row.upload_length),
    "Cache-Control": "no-store",
  };
  const metadata = encodeUploadMetadata(row.metadata);
  if (metadata) headers["Upload-Metadata"] = metadata;
  if (!row.completed_at) headers["Upload-Expires"] = expiresHeader(row);
  if (row.lecture_id) Object.assign(headers, lectureHeaders(row.lecture_id));
  return headers;
}

const lectureHeaders = (lectureId: string) => ({
  [LECTURE_ID_HEADER]: lectureId,
  Link: `</lectures/${encodeURIComponent(lectureId)}>; rel="related"`,
});

function patchHeaders(result: PatchResult): Record<string, string> {
  return {
    "Upload-Offset": String(result.offset),
    ...(result.lecture ? lectureHeaders(result.lecture.lectureId) : { "Upload-Expires": expiresHeader(result.row) }),
  };
}

const optionalHeader = (description: string, example?: string) => z.string().optional().openapi({ description, example });
const tusResumable = z.literal(TUS_VERSION).openapi({ description: "The protocol version: required on every tus request but OPTIONS." });

const UploadMetadataDoc = IngestFieldsSchema.partial().extend({
  filename: z.string().optional().openapi({ description: "The file's name (its extension names the stored object's)." }),
  filetype: z.string().optional().openapi({ description: "The file's media type, e.g. audio/mp4." }),
  autostart: z.string().optional().openapi({ description: "A flag (no value, or 1/true/yes/on): queue transcription, generation and export when the upload finishes." }),
  append_to: z.string().optional().openapi({
    description:
      "A lecture id instead of the lecture fields: the upload becomes that lecture's next recording, as with POST /lectures/{id}/recordings (checked when the upload is created; refused while the lecture is being transcribed, in which case a later HEAD or empty PATCH finishes it).",
    example: "lec-001",
  }),
}).openapi("UploadMetadata", {
  description:
    "What Upload-Metadata carries, each value base64-encoded (`key base64value` pairs, comma-separated). The lecture fields are those of POST /lectures/ingest, checked with the same rules and messages before anything is stored: required as there, unless `append_to` is given, which excludes them.",
});

const UploadSchema = z
  .object({
    id: z.string(),
    offset: z.number().int().openapi({ description: "Bytes stored so far (Upload-Offset)." }),
    length: z.number().int().openapi({ description: "The upload's size (Upload-Length)." }),
    completed: z.boolean(),
    expiresAt: z.string().nullable().openapi({ description: "When an unfinished upload is dropped (null once finished)." }),
    lectureId: z.string().nullable().openapi({ description: "The lecture the finished upload was recorded as (or appended to)." }),
    metadata: z.record(z.string(), z.string()),
  })
  .openapi("Upload");

const discoveryResponseHeaders = {
  "Tus-Version": { schema: { type: "string" as const, example: TUS_VERSION } },
  "Tus-Extension": { schema: { type: "string" as const, example: TUS_EXTENSIONS.join(",") } },
  "Tus-Max-Size": { description: "PLC_MAX_RECORDING_MB in bytes.", schema: { type: "string" as const } },
  "Tus-Checksum-Algorithm": { schema: { type: "string" as const, example: "sha1,sha256" } },
  [MAX_PATCH_HEADER]: { description: "The largest PATCH body accepted (under the Worker's 100 MB request limit).", schema: { type: "string" as const } },
};

const options = createRoute({
  method: "options",
  path: "/uploads",
  tags,
  summary: "tus discovery: version, extensions and limits",
  security: [],
  responses: { 204: { description: "The tus capabilities.", headers: discoveryResponseHeaders } },
});

const optionsOne = createRoute({
  method: "options",
  path: "/uploads/{upload_id}",
  tags,
  summary: "tus discovery (on an upload's URL)",
  security: [],
  request: { params: uploadParams },
  responses: { 204: { description: "The tus capabilities.", headers: discoveryResponseHeaders } },
});

const status = createRoute({
  method: "get",
  path: "/uploads/{upload_id}",
  tags,
  summary: "An upload's state (HEAD is the tus way to ask for the offset)",
  description: "The same headers as HEAD, with the state as JSON.",
  request: { params: uploadParams },
  responses: {
    200: jsonContent(UploadSchema, "The upload."),
    ...problemResponses(404),
    410: { description: "The upload expired unfinished.", content: problemResponses(404)[404].content },
  },
});

const terminate = createRoute({
  method: "delete",
  path: "/uploads/{upload_id}",
  tags,
  summary: "tus termination: drop an upload and its stored parts",
  description: "A finished upload's lecture and recording stay; only the upload is forgotten.",
  request: { params: uploadParams, headers: z.object({ "tus-resumable": tusResumable }) },
  responses: { 204: { description: "Terminated." }, ...problemResponses(404, 412) },
});

const router = createRouter();
router.use("/uploads", requireTusVersion());
router.use("/uploads/*", requireTusVersion());

router.openAPIRegistry.registerPath({
  method: "post",
  path: "/uploads",
  tags,
  summary: "tus creation (with optional first chunk)",
  description:
    "Creates an upload of Upload-Length bytes (at most PLC_MAX_RECORDING_MB) for the lecture Upload-Metadata describes; the answer's Location is the upload's URL. With `Content-Type: application/offset+octet-stream` the body is the upload's first bytes (creation-with-upload). When the last byte arrives the lecture is created or re-ingested exactly as by POST /lectures/ingest, or, with `append_to`, the recording is appended to that lecture.",
  request: {
    headers: z.object({
      "tus-resumable": tusResumable,
      "upload-length": z.string().openapi({ description: "The upload's size in bytes.", example: "73400320" }),
      "upload-metadata": z.string().openapi({ description: "The lecture, as UploadMetadata pairs.", example: "course_id Y291cnNlLWJpbw==,lecture_id bGVjLTAwMQ==" }),
    }),
    body: { content: { [OFFSET_CONTENT_TYPE]: { schema: z.string().openapi({ type: "string", format: "binary" }) } }, required: false },
  },
  responses: {
    201: {
      description: "Created.",
      headers: {
        Location: { description: "The upload's URL.", schema: { type: "string" } },
        "Upload-Offset": { description: "With a first chunk: bytes stored.", schema: { type: "string" } },
        "Upload-Expires": { schema: { type: "string" } },
      },
    },
    ...problemResponses(400, 409, 412, 413, 422),
  },
});
router.openAPIRegistry.register("UploadMetadata", UploadMetadataDoc);

const patchHeadersDoc = z.object({
  "tus-resumable": tusResumable,
  "upload-offset": z.string().openapi({ description: "Where this body starts: the offset HEAD reports." }),
  "upload-checksum": optionalHeader("`sha1 <base64>` or `sha256 <base64>` of this body: a mismatch keeps none of it (460)."),
});

router.openAPIRegistry.registerPath({
  method: "patch",
  path: "/uploads/{upload_id}",
  tags,
  summary: "tus: append bytes at Upload-Offset",
  description: `At most ${MAX_PATCH_BYTES} bytes per request (${MAX_PATCH_HEADER}). An interrupted PATCH keeps every byte that reached the server (ask HEAD). The PATCH that completes the upload answers with ${LECTURE_ID_HEADER} and a Link to the lecture.`,
  request: {
    params: uploadParams,
    headers: patchHeadersDoc,
    body: { content: { [OFFSET_CONTENT_TYPE]: { schema: z.string().openapi({ type: "string", format: "binary" }) } }, required: true },
  },
  responses: {
    204: {
      description: "Stored.",
      headers: {
        "Upload-Offset": { description: "The new offset.", schema: { type: "string" } },
        "Upload-Expires": { description: "While unfinished.", schema: { type: "string" } },
        [LECTURE_ID_HEADER]: { description: "When this request finished the upload: the lecture it was recorded as.", schema: { type: "string" } },
        Link: { description: 'When finished: `</lectures/{id}>; rel="related"`.', schema: { type: "string" } },
      },
    },
    ...problemResponses(400, 404, 409, 412, 413),
    410: { description: "The upload expired unfinished.", content: problemResponses(404)[404].content },
    415: { description: `Not ${OFFSET_CONTENT_TYPE}.` },
    423: { description: "Another request is writing to the upload; retry after Retry-After.", content: problemResponses(404)[404].content },
    460: { description: "The body does not match Upload-Checksum; none of it was kept.", content: problemResponses(404)[404].content },
  },
});

router.openAPIRegistry.registerPath({
  method: "head",
  path: "/uploads/{upload_id}",
  tags,
  summary: "tus: the upload's offset",
  request: { params: uploadParams, headers: z.object({ "tus-resumable": tusResumable }) },
  responses: {
    200: {
      description: `Upload-Offset and Upload-Length (and ${LECTURE_ID_HEADER} once finished).`,
      headers: {
        "Upload-Offset": { schema: { type: "string" } },
        "Upload-Length": { schema: { type: "string" } },
        "Upload-Expires": { schema: { type: "string" } },
        [LECTURE_ID_HEADER]: { schema: { type: "string" } },
      },
    },
    404: { description: "No such upload." },
    410: { description: "The upload expired unfinished." },
  },
});

function requireOffsetStream(c: AppContext) {
  const type = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== OFFSET_CONTENT_TYPE) throw new ApiError("unsupported_media_type", { detail: `Send the bytes as ${OFFSET_CONTENT_TYPE}.` });
}

export const uploadRoutes = router
  .openapi(options, (c) => c.body(null, 204, discoveryHeaders(c)))
  .openapi(optionsOne, (c) => c.body(null, 204, discoveryHeaders(c)))
  .openapi(status, async (c) => {
    const services = c.var.services();
    const row = await finishIfStalled(services, await findUpload(services, { owner: ownerOf(c), id: c.req.valid("param").upload_id }));
    return c.json(
      {
        id: row.id,
        offset: row.upload_offset,
        length: row.upload_length,
        completed: row.completed_at !== null,
        expiresAt: row.completed_at ? null : toRfc3339(row.expires_at),
        lectureId: row.lecture_id,
        metadata: row.metadata,
      },
      200,
      stateHeaders(row),
    );
  })
  .openapi(terminate, async (c) => {
    if (!(await terminateUpload(c.var.services(), { owner: ownerOf(c), id: c.req.valid("param").upload_id }))) throw new ApiError("upload_not_found");
    return c.body(null, 204);
  })
  // Documented above from the schemas, handled by hand: the bodies stream.
  .post("/uploads", async (c) => {
    const services = c.var.services();
    const owner = ownerOf(c);
    const withBody = c.req.header("Content-Type") !== undefined && c.req.raw.body !== null;
    if (withBody) requireOffsetStream(c);
    const row = await createUpload(services, owner, {
      uploadLength: c.req.header("Upload-Length"),
      deferLength: c.req.header("Upload-Defer-Length"),
      metadata: c.req.header("Upload-Metadata"),
    });
    const headers: Record<string, string> = { Location: uploadUrl(c, row.id), "Upload-Expires": expiresHeader(row) };
    if (withBody) {
      const result = await appendToUpload(
        services,
        { owner, id: row.id },
        { offset: "0", contentLength: c.req.header("Content-Length"), checksum: c.req.header("Upload-Checksum") },
        c.req.raw.body,
        (work) => waitUntil(c, work),
      ).catch(async (error: unknown) => {
        // The upload exists (unless its lecture turned out to be in another course): a client
        // resumes it from Location, and the offset says how much of this body was kept.
        if (!(error instanceof ApiError) || error.code === "lecture_in_other_course") throw error;
        return { offset: (await findUpload(services, { owner, id: row.id })).upload_offset, row, lecture: undefined } satisfies PatchResult;
      });
      Object.assign(headers, patchHeaders(result));
    }
    return c.body(null, 201, headers);
  })
  .patch("/uploads/:upload_id", async (c) => {
    const id = c.req.param("upload_id");
    if (!/^[0-9a-f]{32}$/.test(id)) throw new ApiError("upload_not_found");
    requireOffsetStream(c);
    const result = await appendToUpload(
      c.var.services(),
      { owner: ownerOf(c), id },
      { offset: c.req.header("Upload-Offset"), contentLength: c.req.header("Content-Length"), checksum: c.req.header("Upload-Checksum") },
      c.req.raw.body,
      (work) => waitUntil(c, work),
    );
    return c.body(null, 204, patchHeaders(result));
  });
