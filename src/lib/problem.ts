/**
 * RFC 9457 problem details. Every error the API returns goes through `problemResponse`, so bodies
 * always carry the request id and never internals. Each problem has a stable machine-readable
 * `code` from the catalogue below (listed in the OpenAPI document), so clients branch on it rather
 * than on the `detail` prose, which keeps the wording existing clients know (decisions.md §1).
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every problem the API answers with: its status, and its detail unless the situation words one. */
export const PROBLEMS = {
  bad_request: { status: 400, detail: "Bad Request" },
  unauthenticated: { status: 401, detail: "This request needs a credential: send Authorization: Bearer <token or API key>." },
  invalid_credential: { status: 401, detail: "The credential is not valid." },
  insufficient_scope: { status: 403, detail: "The credential's scopes do not allow this request." },
  api_key_not_found: { status: 404, detail: "API key not found." },
  not_found: { status: 404, detail: "Not Found" },
  method_not_allowed: { status: 405, detail: "Method Not Allowed" },
  course_not_found: { status: 404, detail: "Course not found." },
  lecture_not_found: { status: 404, detail: "Lecture not found." },
  job_not_found: { status: 404, detail: "Job not found." },
  preset_not_found: { status: 404, detail: "Preset not found." },
  export_not_found: { status: 404, detail: "Export not found." },
  export_file_missing: { status: 404, detail: "Export file missing." },
  export_url_unavailable: { status: 404, detail: "Export URL unavailable." },
  audio_not_found: { status: 404, detail: "Audio not found for lecture." },
  webhook_not_found: { status: 404, detail: "Webhook endpoint not found." },
  webhook_delivery_not_found: { status: 404, detail: "Webhook delivery not found." },
  webhook_disabled: { status: 409, detail: "The webhook endpoint is disabled: enable it first (PATCH with enabled=true)." },
  webhook_url_refused: { status: 422, detail: "Webhooks cannot be sent to this URL." },
  webhook_dns_unavailable: { status: 503, detail: "The webhook URL's host could not be resolved right now; try again shortly." },
  transcript_not_found: { status: 404, detail: "The lecture has no transcript yet: transcribe it first (POST /lectures/{id}/transcribe)." },
  transcription_in_progress: {
    status: 409,
    detail: "The lecture is being transcribed; append the recording once that transcription has finished, then transcribe again.",
  },
  lecture_is_transcript: { status: 409, detail: "The lecture was uploaded as a transcript: recordings can only be appended to a lecture uploaded as audio." },
  invalid_preset: { status: 400, detail: "Invalid preset_id." },
  course_id_required: { status: 400, detail: "course_id is required." },
  preset_id_required: { status: 400, detail: "preset_id is required." },
  course_mismatch: { status: 400, detail: "course_id does not match lecture." },
  preset_mismatch: { status: 400, detail: "preset_id does not match lecture." },
  malformed_body: { status: 400, detail: "The multipart body is malformed or was cut off." },
  upload_interrupted: { status: 400, detail: "The upload was interrupted before the whole body arrived." },
  lecture_in_other_course: { status: 409, detail: "The lecture belongs to another course." },
  job_not_replayable: { status: 409, detail: "Only failed jobs can be replayed." },
  idempotency_key_in_flight: { status: 409, detail: "A request with this Idempotency-Key is still being processed; retry it shortly." },
  idempotency_key_reused: { status: 422, detail: "This Idempotency-Key was already used for a different request." },
  payload_too_large: { status: 413, detail: "The body is too large." },
  upload_not_found: { status: 404, detail: "Upload not found." },
  upload_expired: { status: 410, detail: "The upload expired before it was finished; start a new one." },
  upload_offset_mismatch: { status: 409, detail: "Upload-Offset does not match the upload's offset; ask HEAD for it and resume from there." },
  upload_locked: { status: 423, detail: "Another request is writing to this upload; retry shortly." },
  tus_version_unsupported: { status: 412, detail: "This server speaks tus 1.0.0: send Tus-Resumable: 1.0.0." },
  checksum_algorithm_unsupported: { status: 400, detail: "Upload-Checksum must be `sha1 <base64>` or `sha256 <base64>`." },
  // tus's checksum extension defines 460, which HTTP's registry (and hono's types) do not list.
  checksum_mismatch: { status: 460 as ContentfulStatusCode, detail: "The body does not match Upload-Checksum; none of it was kept." },
  range_not_satisfiable: { status: 416, detail: "The requested range starts past the end of the recording." },
  unsupported_media_type: { status: 415, detail: "Unsupported media type." },
  validation_failed: { status: 422, detail: "Request validation failed." },
  rate_limited: { status: 429, detail: "Too many requests; retry after the time given in Retry-After." },
  server_misconfigured: { status: 500, detail: "Server misconfigured." },
  internal_error: { status: 500, detail: "An unexpected error occurred. Quote the request id when reporting it." },
  database_unavailable: { status: 503, detail: "The database is unavailable right now; try again shortly." },
  storage_unavailable: { status: 503, detail: "File storage is unavailable right now; try again shortly." },
  identity_provider_unavailable: { status: 503, detail: "The identity provider's keys could not be fetched; try again shortly." },
  transaction_conflict: { status: 503, detail: "The request collided with a concurrent change to the same data; retry it." },
} as const satisfies Record<string, { status: ContentfulStatusCode; detail: string }>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  422: "Unprocessable Content",
  423: "Locked",
  429: "Too Many Requests",
  460: "Checksum Mismatch",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  instance: string;
  requestId: string;
  errors?: ValidationIssue[];
}

export interface ProblemExtra {
  /** Replaces the catalogue's detail when the situation says more. */
  detail?: string;
  errors?: ValidationIssue[];
  headers?: Record<string, string>;
}

/** A deliberate client-facing error; its detail is shown as is. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly detail: string;

  constructor(
    readonly code: ProblemCode,
    readonly extra: ProblemExtra = {},
  ) {
    const detail = extra.detail ?? PROBLEMS[code].detail;
    super(detail);
    this.name = "ApiError";
    this.status = PROBLEMS[code].status;
    this.detail = detail;
  }
}

export function problemResponse(c: Context, code: ProblemCode, extra: ProblemExtra = {}): Response {
  const { status } = PROBLEMS[code];
  const body: Problem = {
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    code,
    detail: extra.detail ?? PROBLEMS[code].detail,
    instance: new URL(c.req.url).pathname,
    requestId: c.get("requestId") ?? "",
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", ...extra.headers },
  });
}

function describeValidation(errors: ValidationIssue[]): string {
  return `Request validation failed: ${errors.map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; ")}.`;
}

/** 422 with a one-sentence `detail` and the individual issues in `errors`. */
export function validationProblem(c: Context, errors: ValidationIssue[]): Response {
  return problemResponse(c, "validation_failed", { detail: describeValidation(errors), errors });
}

export function validationFailed(errors: ValidationIssue[]): ApiError {
  return new ApiError("validation_failed", { detail: describeValidation(errors), errors });
}
