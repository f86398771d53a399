/**
 * Shared pieces for declaring routes: every router validates with zod and documents itself from
 * the same schemas; failures become the 422 problem.
 */
import { OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_TTL_SEC, REPLAYED_HEADER } from "./idempotency.ts";
import { PROBLEM_CODES, PROBLEMS, problemResponse, validationProblem, type ProblemCode } from "./problem.ts";
import { toValidationIssues } from "./validation.ts";

/** The 404 a failed path parameter names (see pathId). */
function notFoundCode(message: string | undefined): ProblemCode {
  return message && Object.hasOwn(PROBLEMS, message) ? (message as ProblemCode) : "not_found";
}

export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
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
  // Every POST takes an Idempotency-Key (src/lib/idempotency.ts, a middleware for all routes): the
  // description says so on each, whether declared with createRoute or registered by hand.
  const registry = router.openAPIRegistry;
  const registerPath = registry.registerPath.bind(registry);
  registry.registerPath = (route) => registerPath(withAccessResponses(route.method === "post" ? withIdempotencyKey(route) : route));
  return router;
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
    401: "No credential, or one that is not valid (see `detail` and `WWW-Authenticate`).",
    429: "Over a rate-limit budget: retry after `Retry-After` seconds (see the `RateLimit` header).",
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

/**
 * What any operation needing a credential can answer: 401 without a valid one, 403 when its scopes
 * fall short, 429 over a rate-limit budget; a route that needs none declares `security: []`.
 */
function withAccessResponses(route: RouteConfig): RouteConfig {
  if (Array.isArray(route.security) && route.security.length === 0) return route;
  const responses = { ...route.responses };
  for (const [status, problem] of Object.entries(problemResponses(401, 403, 429))) responses[status] ??= problem;
  return { ...route, responses };
}

/**
 * A POST's description with the Idempotency-Key header, the `Idempotent-Replayed` header on its
 * successful answers, and the 409 and 422 the key can cause. A copy for the document only: the
 * route's validators are built from the original (the middleware validates the header itself).
 */
export function withIdempotencyKey(route: RouteConfig): RouteConfig {
  const responses = { ...route.responses };
  for (const [status, response] of Object.entries(responses)) {
    // A response whose headers are declared as a zod schema keeps them as they are.
    if (!status.startsWith("2") || "$ref" in response || response.headers instanceof z.ZodType) continue;
    responses[status] = { ...response, headers: { ...response.headers, [REPLAYED_HEADER]: REPLAYED_RESPONSE_HEADER } };
  }
  for (const [status, problem] of Object.entries(problemResponses(409, 422))) responses[status] ??= problem;
  // The parameter list is typed per OpenAPI version (3.0, 3.1, 3.2); this one is valid in each.
  const parameters = [...(route.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER] as RouteConfig["parameters"];
  return { ...route, parameters, responses };
}

const IDEMPOTENCY_KEY_PARAMETER = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: "header" as const,
  required: false,
  description: `Makes the request safe to retry (IETF httpapi Idempotency-Key draft). The first answer to a key (per owner) is kept for ${IDEMPOTENCY_TTL_SEC / 3600} h and replayed to a retry of the same request with \`${REPLAYED_HEADER}: true\`, without doing the work again; server errors (5xx) are not kept. The same key with another method, path, query or body is a 422 \`idempotency_key_reused\`; a retry while the first request is still being handled is a 409 \`idempotency_key_in_flight\` with \`Retry-After\`. A quoted string (Structured Field) or a bare token, 1 to 255 printable ASCII characters. Uploads (multipart) are identified by their size rather than their bytes: a retry must resend the same body, with Content-Length.`,
  schema: { type: "string" as const, minLength: 1 },
  example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
};

const REPLAYED_RESPONSE_HEADER = {
  description: "`true` when this is the kept answer to an earlier request with the same Idempotency-Key.",
  schema: { type: "string" as const, enum: ["true"] },
};
