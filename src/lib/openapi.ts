/**
 * Shared pieces for declaring routes: every router validates with zod and documents itself from
 * the same schemas; failures become the 422 problem.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { PROBLEM_CODES, PROBLEMS, problemResponse, validationProblem, type ProblemCode } from "./problem.ts";
import { toValidationIssues } from "./validation.ts";

/** The 404 a failed path parameter names (see pathId). */
function notFoundCode(message: string | undefined): ProblemCode {
  return message && Object.hasOwn(PROBLEMS, message) ? (message as ProblemCode) : "not_found";
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      // A path that breaks its parameter's pattern names nothing that can exist: the resource's
      // 404, whose problem code the parameter carries as its message (see pathId).
      if (result.target === "param") return problemResponse(c, notFoundCode(result.error.issues[0]?.message));
      // The validator hands over the input it checked; zod 4 issues no longer carry it.
      const input = "data" in result ? result.data : undefined;
      return validationProblem(c, toValidationIssues(result.error, result.target, input));
    },
  });
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "about:blank" }),
    title: z.string().openapi({ example: "Not Found" }),
    status: z.number().int().openapi({ example: 404 }),
    code: z.enum(PROBLEM_CODES).openapi({
      example: "lecture_not_found",
      description: "Stable, machine-readable: branch on this, not on `detail`, whose wording may change.",
    }),
    detail: z.string().openapi({ example: "Lecture not found." }),
    instance: z.string().openapi({ example: "/lectures/lec-404" }),
    requestId: z.string().openapi({ example: "6f1c2e0a-1d2b-4c3d-9e8f-0a1b2c3d4e5f" }),
    errors: z
      .array(
        z.object({
          loc: z.array(z.union([z.string(), z.number()])),
          msg: z.string(),
          type: z.string(),
        }),
      )
      .optional()
      .openapi({ description: "Present on 422: one entry per invalid field." }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

export function problemResponses<const S extends readonly number[]>(...statuses: S) {
  const descriptions: Record<number, string> = {
    400: "The request is not acceptable (see `detail`).",
    403: "The credential's scopes do not allow this (see `detail`).",
    404: "Not found.",
    409: "Conflict with the current state.",
    413: "Body too large (uploads: PLC_MAX_UPLOAD_MB; JSON: 64 KiB).",
    422: "Request validation failed.",
    500: "Server error or misconfiguration.",
    503: "A dependency is unavailable.",
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: descriptions[s] ?? "Error", content: { "application/problem+json": { schema: ProblemSchema } } },
    ]),
  ) as { [K in S[number]]: { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } } };
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
