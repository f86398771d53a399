/**
 * RFC 9457 problem details. Every error the API returns goes through `problemResponse`, so bodies
 * always carry the request id and never internals.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  411: "Length Required",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
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
  detail: string;
  instance: string;
  requestId: string;
  errors?: ValidationIssue[];
}

/** A deliberate client-facing error; `detail` is shown as is. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly detail: string,
    readonly extra: { errors?: ValidationIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

export const notFound = (detail: string) => new ApiError(404, detail);
export const badRequest = (detail: string) => new ApiError(400, detail);

export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
  extra: { errors?: ValidationIssue[]; headers?: Record<string, string> } = {},
): Response {
  const body: Problem = {
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    detail,
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
  return problemResponse(c, 422, describeValidation(errors), { errors });
}

export function validationFailed(errors: ValidationIssue[]): ApiError {
  return new ApiError(422, describeValidation(errors), { errors });
}
