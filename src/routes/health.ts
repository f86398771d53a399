import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, jsonContent } from "../lib/openapi.ts";
import { nowRfc3339 } from "../lib/time.ts";
import { checkReadiness } from "../readiness.ts";

const CheckSchema = z
  .object({
    status: z.enum(["ok", "skipped", "error"]),
    reason: z.string().optional(),
  })
  .openapi("ReadinessCheck");

const ReadinessSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    time: z.string(),
    checks: z.object({ database: CheckSchema, queue: CheckSchema, storage: CheckSchema }),
    auth: z
      .object({
        required: z.boolean(),
        credentials: z.array(z.enum(["jwt", "api_key", "admin_token"])),
        warning: z.string().optional(),
      })
      .optional()
      .openapi({ description: "The credentials this deployment accepts. `required: false` (PLC_AUTH=off) is the open single-owner mode." }),
    providers: z
      .object({
        transcription: z.object({ provider: z.enum(["openai", "workers-ai", "upload-only"]), model: z.string().nullable() }),
        generation: z.object({ provider: z.enum(["openai", "workers-ai", "offline"]), model: z.string().nullable() }),
        gateway: z.string().nullable(),
      })
      .optional()
      .openapi({
        description:
          "The AI providers in use: `upload-only` transcribes transcript uploads only, `offline` is the built-in generator; `gateway` is the AI Gateway id.",
      }),
    webhooks: z
      .object({ available: z.boolean(), warning: z.string().optional() })
      .optional()
      .openapi({ description: "Whether webhooks can be registered and delivered (WEBHOOK_SECRET_KEY is set), with a warning for settings a deployment must not keep." }),
  })
  .openapi("Readiness");

const liveness = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  security: [],
  summary: "Liveness: the Worker answers",
  responses: {
    200: jsonContent(z.object({ status: z.literal("ok"), time: z.string() }).openapi("Health"), "Alive."),
  },
});

const readiness = createRoute({
  method: "get",
  path: "/health/ready",
  tags: ["health"],
  security: [],
  summary: "Readiness: database (and schema version), queue binding and storage",
  responses: {
    200: jsonContent(ReadinessSchema, "Every dependency is usable."),
    503: jsonContent(ReadinessSchema, "At least one dependency failed; each check gives its reason."),
  },
});

export const healthRoutes = createRouter()
  .openapi(liveness, (c) => c.json({ status: "ok" as const, time: nowRfc3339() }, 200))
  .openapi(readiness, async (c) => {
    const body = await checkReadiness(c.env);
    return body.status === "ok" ? c.json(body, 200) : c.json(body, 503);
  });
