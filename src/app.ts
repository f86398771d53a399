/**
 * The HTTP application: middleware, routes, OpenAPI document and the error model.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { authenticate } from "./auth/authenticate.ts";
import { parseCorsOrigins } from "./config.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { isDatabaseUnavailable, isTransientConflict } from "./db/client.ts";
import { idempotencyStore } from "./db/idempotency.ts";
import { idempotency } from "./lib/idempotency.ts";
import { jsonBodyLimit } from "./lib/json-body.ts";
import { rateLimitByAddress, rateLimitByOwner } from "./lib/rate-limit.ts";
import { ApiError, problemResponse, validationProblem } from "./lib/problem.ts";
import { requestId } from "./lib/request-id.ts";
import { publicCache, responseHeaders } from "./lib/response-headers.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { audioRoutes } from "./routes/audio.ts";
import { courseRoutes } from "./routes/courses.ts";
import { docsPage } from "./routes/docs.ts";
import { eventRoutes } from "./routes/events.ts";
import { exportRoutes } from "./routes/exports.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { lectureRoutes } from "./routes/lectures.ts";
import { presetRoutes } from "./routes/presets.ts";
import { registerWebhookEvents, webhookRoutes } from "./routes/webhooks.ts";
import { TUS_REQUEST_HEADERS, TUS_RESPONSE_HEADERS, tusResponseHeaders, uploadRoutes } from "./routes/uploads.ts";
import { recordingRoutes } from "./routes/recordings.ts";
import { searchRoutes } from "./routes/search.ts";
import { MisconfiguredError, provideServices } from "./services.ts";
import { StorageError } from "./storage/index.ts";


/**
 * The methods each path is served by, from the app's own routes: the Allow header of a 405 (Hono
 * answers an unmatched method with 404) and the methods a CORS preflight may use. The route
 * patterns are compiled once, on first use, when every route is registered.
 */
function methodsByPath(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let routes: { pattern: RegExp; method: string }[] | undefined;
  return (path) => {
    routes ??= app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => ({
        pattern: new RegExp(`^${route.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z0-9_]+/g, "[^/]+")}$`),
        method: route.method,
      }));
    const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}

function handleError(error: Error, c: AppContext): Response {
  if (error instanceof ApiError) return problemResponse(c, error.code, error.extra);
  if (error instanceof MisconfiguredError) return problemResponse(c, "server_misconfigured", { detail: error.detail });
  if (error instanceof HTTPException) {
    // The JSON validator's "Malformed JSON" is a client body problem: 422 like any invalid body.
    if (error.status === 400 && /json/i.test(error.message))
      return validationProblem(c, [{ loc: ["body"], msg: "Body is not valid JSON", type: "json_invalid" }]);
    // Hono raises these only for requests it cannot parse.
    return error.status < 500 ? problemResponse(c, "bad_request", { detail: error.message || undefined }) : problemResponse(c, "internal_error");
  }
  if (isDatabaseUnavailable(error)) {
    console.error(JSON.stringify({ level: "error", msg: "database unavailable", requestId: c.get("requestId") }));
    return problemResponse(c, "database_unavailable", { headers: { "Retry-After": "5" } });
  }
  if (isTransientConflict(error)) {
    console.error(JSON.stringify({ level: "warn", msg: "transaction conflict", requestId: c.get("requestId") }));
    return problemResponse(c, "transaction_conflict", { headers: { "Retry-After": "1" } });
  }
  if (error instanceof StorageError && error.unavailable) {
    console.error(JSON.stringify({ level: "error", msg: "storage unavailable", requestId: c.get("requestId"), error: error.message }));
    return problemResponse(c, "storage_unavailable", { headers: { "Retry-After": "5" } });
  }
  console.error(
    JSON.stringify({ level: "error", msg: "unhandled error", requestId: c.get("requestId"), error: error.stack ?? String(error) }),
  );
  return problemResponse(c, "internal_error");
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  const allowedMethods = methodsByPath(app);

  app.use("*", requestId());
  app.use("*", provideServices());
  app.use("*", responseHeaders());
  // Before CORS, which answers preflights itself: tus discovery must be on those OPTIONS answers too.
  app.use("/uploads", tusResponseHeaders());
  app.use("/uploads/*", tusResponseHeaders());
  app.use("*", async (c, next) => {
    const origins = parseCorsOrigins((c.env as unknown as Record<string, unknown>).PLC_CORS_ORIGINS);
    if (origins.length === 0) return next();
    return cors({
      origin: (origin) => (origins.includes("*") ? "*" : origins.includes(origin) ? origin : null),
      allowMethods: (_origin, c) => allowedMethods(c.req.path),
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-Id", "Pegasus-Owner", "Last-Event-ID", "Range", ...TUS_REQUEST_HEADERS],
      exposeHeaders: [
        "X-Request-Id",
        "ETag",
        "Content-Range",
        "Accept-Ranges",
        "Content-Disposition",
        "WWW-Authenticate",
        "Retry-After",
        "RateLimit",
        "RateLimit-Policy",
        "Idempotent-Replayed",
        ...TUS_RESPONSE_HEADERS,
      ],
      maxAge: 600,
    })(c, next);
  });
  app.use("*", jsonBodyLimit());
  app.use("*", rateLimitByAddress());
  app.use("*", authenticate());
  app.use("*", rateLimitByOwner());
  app.use("*", idempotency(idempotencyStore));

  // One chain, so the app's type lists every route (what typed clients are built from).
  const api = app
    .route("/", healthRoutes)
    .route("/", presetRoutes)
    .route("/", courseRoutes)
    .route("/", lectureRoutes)
    .route("/", recordingRoutes)
    .route("/", jobRoutes)
    .route("/", exportRoutes)
    .route("/", apiKeyRoutes)
    .route("/", webhookRoutes)
    .route("/", eventRoutes)
    .route("/", uploadRoutes)
    .route("/", searchRoutes)
    .route("/", audioRoutes);

  app.use("/openapi.json", publicCache());
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description:
      "A JWT from the app's identity provider (its `sub` is the owner), an API key (`plc_…`, from POST /api-keys), or the bootstrap admin token.",
  });
  registerWebhookEvents(app);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    // Every operation needs a credential unless it says otherwise (health, presets).
    security: [{ bearerAuth: [] }],
    info: {
      title: "Pegasus Lecture Copilot API",
      version: "1.0.0",
      description:
        "Upload or record a lecture, transcribe it, generate study material shaped by a preset, follow concepts across a course, and export it. Errors are RFC 9457 problem details.",
    },
  });
  const docs = docsPage("/openapi.json");
  app.get("/docs", publicCache(), (c) => c.html(docs));

  app.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length > 0) return problemResponse(c, "method_not_allowed", { headers: { Allow: allow.join(", ") } });
    return problemResponse(c, "not_found");
  });
  app.onError(handleError);
  return api;
}

/** The API's routes and their schemas, as typed clients (hono's `hc`, `testClient`) see them. */
export type AppType = ReturnType<typeof createApp>;
