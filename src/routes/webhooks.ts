/**
 * Webhook endpoints (Standard Webhooks): register, list, change, remove, rotate the signing secret,
 * send a test event, and inspect or retry deliveries. The secret is shown once (creation,
 * rotation); it is stored sealed (src/lib/secret-box.ts). Events themselves are declared under the
 * document's top-level `webhooks` (registerWebhookEvents).
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ownerOf } from "../auth/authenticate.ts";
import type { AppEnv } from "../context.ts";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  recordEvent,
  requeueDelivery,
  rotateEndpointSecret,
  updateEndpoint,
  type ListedEndpoint,
  type WebhookDeliveryRow,
} from "../db/webhooks.ts";
import { ROTATION_GRACE_SEC, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from "../domain/webhooks.ts";
import { requireJsonObjectBody } from "../lib/json-body.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { ID_PATTERN, pageQuery, pathId, safeText } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { seal } from "../lib/secret-box.ts";
import { generateWebhookSecret } from "../lib/standard-webhooks.ts";
import { toRfc3339 } from "../lib/time.ts";
import { enqueueDeliveries } from "../push/events.ts";
import { checkWebhookUrl } from "../push/url-safety.ts";
import type { Services } from "../services.ts";
import { PaginationSchema } from "./schemas.ts";

const tags = ["webhooks"];
const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-26T02:38:20.101644Z" });
const eventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).openapi({ example: ["lecture.ready", "job.failed"] });
const webhookParams = z.object({ id: pathId("webhook_not_found", "5b0f3c1e-8d2a-4c7b-9e61-2f4a7d9c1b30") });
const deliveryParams = z.object({
  id: pathId("webhook_not_found", "5b0f3c1e-8d2a-4c7b-9e61-2f4a7d9c1b30"),
  // Checked in the handler, after the endpoint: a 404 names the first thing that is missing.
  delivery_id: z.string().max(1024).openapi({ example: "9c2e7a44-1f0b-4d3e-a8c5-6b9d2e4f7a10" }),
});

const url = safeText({ max: 2048 }).openapi({
  format: "uri",
  example: "https://api.example.com/pegasus-webhooks",
  description: "https only; never a private, loopback, link-local or cloud metadata address (the host's A and AAAA records are checked too). Redirects are not followed.",
});

const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    disabledAt: timestamp.nullable(),
    disabledReason: z.string().nullable().openapi({ description: "Why the endpoint is disabled: by its owner, or after failing every delivery for 5 days." }),
    failingSince: timestamp.nullable().openapi({ description: "The first failed attempt since the last success." }),
    previousSecretExpiresAt: timestamp.nullable().openapi({ description: "After a rotation: until then, the previous secret signs too." }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Webhook");

const secretField = z.string().openapi({
  example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  description: "The signing secret (Standard Webhooks). Shown only in this response: store it now.",
});
const WebhookWithSecretSchema = WebhookSchema.extend({ secret: secretField }).openapi("WebhookWithSecret");

const AttemptSchema = z.object({ at: timestamp, statusCode: z.number().int().nullable(), latencyMs: z.number().int(), error: z.string().nullable() });
const DeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string().openapi({ description: "The `webhook-id` header of every attempt." }),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attemptCount: z.number().int(),
    nextAttemptAt: timestamp.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastLatencyMs: z.number().int().nullable(),
    lastError: z.string().nullable(),
    attempts: z.array(AttemptSchema),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("WebhookDelivery");

const CreateBody = z
  .object({ url, events: eventTypes, description: safeText({ max: 500 }).optional() })
  .openapi("WebhookCreateRequest");
const PatchBody = z
  .object({
    url: url.optional(),
    events: eventTypes.optional(),
    description: safeText({ max: 500 }).nullable().optional(),
    enabled: z.boolean().optional().openapi({ description: "true re-enables a disabled endpoint; false disables it." }),
  })
  .openapi("WebhookUpdateRequest");

const webhookOut = (r: ListedEndpoint) => ({
  id: r.id,
  url: r.url,
  description: r.description,
  events: r.events,
  enabled: r.disabled_at === null,
  disabledAt: toRfc3339(r.disabled_at),
  disabledReason: r.disabled_reason,
  failingSince: toRfc3339(r.failing_since),
  previousSecretExpiresAt: toRfc3339(r.previous_secret_expires_at),
  createdAt: toRfc3339(r.created_at),
  updatedAt: toRfc3339(r.updated_at),
});

const deliveryOut = (r: WebhookDeliveryRow) => ({
  id: r.id,
  webhookId: r.endpoint_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attemptCount: r.attempt_count,
  nextAttemptAt: toRfc3339(r.next_attempt_at),
  lastStatusCode: r.last_status_code,
  lastLatencyMs: r.last_latency_ms,
  lastError: r.last_error,
  attempts: r.attempts,
  createdAt: toRfc3339(r.created_at),
  updatedAt: toRfc3339(r.updated_at),
});

/** The key that seals secrets; without it no secret can be stored. */
function secretKey(services: Services): string {
  const key = services.config.webhooks.secretKey;
  if (!key) throw new ApiError("server_misconfigured", { detail: "Server misconfigured: WEBHOOK_SECRET_KEY is not set, so webhooks are unavailable." });
  return key;
}

async function requireSafeUrl(services: Services, target: string) {
  const check = await checkWebhookUrl(services.config, target);
  if (check.ok) return;
  if (check.unavailable) throw new ApiError("webhook_dns_unavailable", { detail: check.reason, headers: { "Retry-After": "5" } });
  throw new ApiError("webhook_url_refused", { detail: `Webhooks cannot be sent to this URL: ${check.reason}` });
}

const create = createRoute({
  method: "post",
  path: "/webhooks",
  tags,
  summary: "Register a webhook endpoint (the signing secret is shown only in this response)",
  middleware: [requireJsonObjectBody()] as const,
  request: { body: { content: { "application/json": { schema: CreateBody } }, required: true } },
  responses: { 201: jsonContent(WebhookWithSecretSchema, "The endpoint and its signing secret."), ...problemResponses(413, 422, 503) },
});

const list = createRoute({
  method: "get",
  path: "/webhooks",
  tags,
  summary: "Webhook endpoints, newest first",
  request: { query: z.object(pageQuery) },
  responses: { 200: jsonContent(z.object({ webhooks: z.array(WebhookSchema), pagination: PaginationSchema }), "A page of endpoints."), ...problemResponses(422) },
});

const get = createRoute({
  method: "get",
  path: "/webhooks/{id}",
  tags,
  summary: "One webhook endpoint (with why it is disabled, if it is)",
  request: { params: webhookParams },
  responses: { 200: jsonContent(WebhookSchema, "The endpoint."), ...problemResponses(404) },
});

const patch = createRoute({
  method: "patch",
  path: "/webhooks/{id}",
  tags,
  summary: "Change a webhook endpoint's URL, events or description; enable or disable it",
  middleware: [requireJsonObjectBody()] as const,
  request: { params: webhookParams, body: { content: { "application/json": { schema: PatchBody } }, required: true } },
  responses: { 200: jsonContent(WebhookSchema, "The endpoint as changed."), ...problemResponses(404, 413, 422, 503) },
});

const remove = createRoute({
  method: "delete",
  path: "/webhooks/{id}",
  tags,
  summary: "Remove a webhook endpoint and its deliveries",
  request: { params: webhookParams },
  responses: { 204: { description: "Removed." }, ...problemResponses(404) },
});

const rotate = createRoute({
  method: "post",
  path: "/webhooks/{id}/rotate-secret",
  tags,
  summary: "Rotate the signing secret (the previous one keeps signing for 24 h)",
  request: { params: webhookParams },
  responses: { 200: jsonContent(WebhookWithSecretSchema, "The endpoint and its new secret."), ...problemResponses(404) },
});

const test = createRoute({
  method: "post",
  path: "/webhooks/{id}/test",
  tags,
  summary: `Send a \`${TEST_EVENT_TYPE}\` event to this endpoint (through the queue, like any event)`,
  request: { params: webhookParams },
  responses: {
    202: jsonContent(z.object({ eventId: z.string(), deliveryId: z.string() }), "Queued; see the endpoint's deliveries for the outcome."),
    ...problemResponses(404, 409),
  },
});

const deliveries = createRoute({
  method: "get",
  path: "/webhooks/{id}/deliveries",
  tags,
  summary: "The endpoint's deliveries, newest first, with every attempt",
  request: { params: webhookParams, query: z.object(pageQuery) },
  responses: {
    200: jsonContent(z.object({ deliveries: z.array(DeliverySchema), pagination: PaginationSchema }), "A page of deliveries."),
    ...problemResponses(404, 422),
  },
});

const retry = createRoute({
  method: "post",
  path: "/webhooks/{id}/deliveries/{delivery_id}/retry",
  tags,
  summary: "Attempt a delivery again now (same webhook-id), whatever its status",
  request: { params: deliveryParams },
  responses: { 202: jsonContent(DeliverySchema, "Queued again."), ...problemResponses(404, 409) },
});

export const webhookRoutes = createRouter()
  .openapi(create, async (c) => {
    const services = c.var.services();
    const body = c.req.valid("json");
    const key = secretKey(services);
    await requireSafeUrl(services, body.url);
    const secret = generateWebhookSecret();
    const row = await createEndpoint(services.db, {
      id: crypto.randomUUID(),
      ownerId: ownerOf(c),
      url: body.url,
      description: body.description ?? null,
      events: [...new Set(body.events)],
      secretSealed: await seal(key, secret),
    });
    c.header("Cache-Control", "no-store");
    return c.json({ ...webhookOut(row), secret }, 201);
  })
  .openapi(list, async (c) => {
    const page = c.req.valid("query");
    const { rows, total } = await listEndpoints(c.var.services().db, ownerOf(c), page);
    return c.json({ webhooks: rows.map(webhookOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(get, async (c) => {
    const row = await getEndpoint(c.var.services().db, ownerOf(c), c.req.valid("param").id);
    if (!row) throw new ApiError("webhook_not_found");
    return c.json(webhookOut(row), 200);
  })
  .openapi(patch, async (c) => {
    const services = c.var.services();
    const body = c.req.valid("json");
    if (body.url !== undefined) await requireSafeUrl(services, body.url);
    const row = await updateEndpoint(services.db, ownerOf(c), c.req.valid("param").id, {
      url: body.url,
      events: body.events ? [...new Set(body.events)] : undefined,
      description: body.description,
      enabled: body.enabled,
    });
    if (!row) throw new ApiError("webhook_not_found");
    return c.json(webhookOut(row), 200);
  })
  .openapi(remove, async (c) => {
    if (!(await deleteEndpoint(c.var.services().db, ownerOf(c), c.req.valid("param").id))) throw new ApiError("webhook_not_found");
    return c.body(null, 204);
  })
  .openapi(rotate, async (c) => {
    const services = c.var.services();
    const secret = generateWebhookSecret();
    const row = await rotateEndpointSecret(services.db, ownerOf(c), c.req.valid("param").id, await seal(secretKey(services), secret), ROTATION_GRACE_SEC);
    if (!row) throw new ApiError("webhook_not_found");
    c.header("Cache-Control", "no-store");
    return c.json({ ...webhookOut(row), secret }, 200);
  })
  .openapi(test, async (c) => {
    const services = c.var.services();
    const { id } = c.req.valid("param");
    const eventId = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
    const data = { webhookId: id, message: "A test event from Pegasus." };
    const [deliveryId] = await recordEvent(services.db, { id: eventId, ownerId: ownerOf(c), type: TEST_EVENT_TYPE, data }, id);
    if (!deliveryId) {
      const endpoint = await getEndpoint(services.db, ownerOf(c), id);
      if (!endpoint) throw new ApiError("webhook_not_found");
      throw new ApiError("webhook_disabled");
    }
    await enqueueDeliveries(services, [deliveryId]);
    return c.json({ eventId, deliveryId }, 202);
  })
  .openapi(deliveries, async (c) => {
    const page = c.req.valid("query");
    const { exists, rows, total } = await listDeliveries(c.var.services().db, ownerOf(c), c.req.valid("param").id, page);
    if (!exists) throw new ApiError("webhook_not_found");
    return c.json({ deliveries: rows.map(deliveryOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(retry, async (c) => {
    const services = c.var.services();
    const { id, delivery_id } = c.req.valid("param");
    // A delivery id no row can have is not looked up (Postgres refuses NUL bytes); it is missing.
    const row = ID_PATTERN.test(delivery_id) ? await requeueDelivery(services.db, ownerOf(c), id, delivery_id) : null;
    // Which is missing, the endpoint or its delivery (a second read only on this error path).
    if (!row) throw new ApiError((await getEndpoint(services.db, ownerOf(c), id)) ? "webhook_delivery_not_found" : "webhook_not_found");
    await enqueueDeliveries(services, [row.id]);
    return c.json(deliveryOut(row), 202);
  });

/** The events a receiver gets, as the document's OpenAPI 3.1 top-level `webhooks`. */
export function registerWebhookEvents(app: OpenAPIHono<AppEnv>) {
  const stage = z.object({ status: z.string(), jobId: z.string().nullable(), createdAt: timestamp.nullable(), updatedAt: timestamp.nullable(), error: z.string().nullable() });
  const progress = z
    .object({
      overallStatus: z.enum(["not_started", "in_progress", "completed", "failed"]),
      stageCount: z.number().int(),
      completedStageCount: z.number().int(),
      progressPercent: z.number().int(),
      currentStage: z.string(),
      hasFailedStage: z.boolean(),
      stages: z.object({ transcription: stage, generation: stage, export: stage }),
    })
    .openapi("WebhookProgressSnapshot", { description: "The lecture's progress as of the change that raised the event." });
  const links = z.record(z.string(), z.string()).openapi({ example: { progress: "/lectures/lec-001/progress", job: "/jobs/0b4f…" } });
  const jobData = z.object({
    lectureId: z.string(),
    courseId: z.string(),
    jobId: z.string(),
    jobType: z.enum(["transcription", "generation", "export"]),
    status: z.enum(["completed", "failed"]),
    attempt: z.number().int(),
    error: z.string().nullable(),
    exportPaths: z.record(z.string(), z.string()).nullable().optional().openapi({ description: "export.ready: the stored files by export type." }),
    progress,
    links,
  });
  const described: Record<string, { summary: string; data: z.ZodType }> = {
    "job.completed": { summary: "A job completed.", data: jobData },
    "job.failed": { summary: "A job failed for good (after its retries).", data: jobData },
    "lecture.transcribed": { summary: "A lecture's transcription completed.", data: jobData },
    "lecture.ready": { summary: "Every stage requested for the lecture has completed.", data: jobData },
    "export.ready": { summary: "A lecture's exports are ready to download.", data: jobData },
    "upload.completed": {
      summary: "An upload finished and its lecture exists.",
      data: z.object({ lectureId: z.string(), courseId: z.string().optional(), uploadId: z.string().optional(), links }),
    },
    [TEST_EVENT_TYPE]: { summary: "Sent by POST /webhooks/{id}/test.", data: z.object({ webhookId: z.string(), message: z.string(), links }) },
  };
  const headers = z.object({
    "webhook-id": z.string().openapi({ description: "The event id: the same on every attempt; use it to drop duplicates." }),
    "webhook-timestamp": z.string().openapi({ description: "Unix seconds of this attempt; reject stale ones." }),
    "webhook-signature": z.string().openapi({
      description: "Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` keyed with the secret (base64-decoded after `whsec_`); two during a rotation.",
    }),
  });
  for (const [type, { summary, data }] of Object.entries(described)) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      tags,
      summary,
      description: "Signed per Standard Webhooks. Answer 2xx within 10 s; timeouts, 408, 429 and 5xx are retried with backoff for about 40 hours, other answers are not. At-least-once: deduplicate on webhook-id.",
      security: [],
      request: {
        headers,
        body: { content: { "application/json": { schema: z.object({ type: z.literal(type), timestamp, data }) } }, required: true },
      },
      responses: { 200: { description: "Received (any 2xx)." } },
    });
  }
}
