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
  413: "Content Too Large",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  422: "Unprocessable Content",
  429: "Too Many Requests",
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
