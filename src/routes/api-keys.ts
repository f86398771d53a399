/**
 * API keys: long-lived bearer credentials for scripts and servers, one owner each. The secret is
 * shown once, at creation; only its hash is stored (src/auth/api-keys.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { generateApiKey, hashApiKey } from "../auth/api-keys.ts";
import { ownerFilter } from "../auth/authenticate.ts";
import { hasScope, OWNER_PATTERN, SCOPES, type Principal, type Scope } from "../domain/principal.ts";
import { createApiKey, deleteApiKey, listApiKeys, type ListedApiKey } from "../db/api-keys.ts";
import { requireJsonObjectBody } from "../lib/json-body.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { pageQuery, pathId, safeText } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { toRfc3339 } from "../lib/time.ts";
import { PaginationSchema } from "./schemas.ts";

const tags = ["api-keys"];
const OWNER_RULE = "1 to 200 visible ASCII characters";

const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-26T02:38:20.101644Z" });
const scopesSchema = z.array(z.enum(SCOPES)).openapi({
  description: "`read` < `write` < `admin`: each includes the ones before it.",
  example: ["read", "write"],
});
const ownerSchema = z.string().regex(OWNER_PATTERN, `String should be ${OWNER_RULE}`);
/**
 * A query value that is not percent-encoded UTF-8 (a lone surrogate, `%ED%A0%80`) reaches the
 * handler undecoded, and would pass as visible ASCII: refused instead of looked up.
 */
const ownerQuery = ownerSchema.refine((v) => !/%[0-9A-Fa-f]{2}/.test(v), {
  message: "String should be valid percent-encoded UTF-8 text",
  params: { type: "string_unicode" },
});

const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "0b4f6d0e-3f7c-4a51-9d0b-2a6f1c9e8d10" }),
    prefix: z.string().openapi({ example: "plc_Q2x9v7Tb", description: "The key's first characters, to tell keys apart." }),
    name: z.string(),
    scopes: scopesSchema,
    owner: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable().openapi({ description: "Recorded at most about once a minute." }),
  })
  .openapi("ApiKey");

const ApiKeyCreatedSchema = ApiKeySchema.omit({ lastUsedAt: true })
  .extend({
    key: z.string().openapi({
      example: "plc_Q2x9v7Tb…",
      description: "The secret: send it as `Authorization: Bearer <key>`. Shown only in this response.",
    }),
  })
  .openapi("ApiKeyCreated");

const CreateApiKeyBody = z
  .object({
    name: safeText({ max: 100 }).min(1).regex(/\S/, "String should not be blank").openapi({ example: "CI uploader" }),
    scopes: scopesSchema.min(1),
    owner: ownerSchema.optional().openapi({ description: "Admin only: whom the key acts for (default: the caller's owner)." }),
  })
  .openapi("ApiKeyCreateRequest");

/** The API's view of a key: camelCase, RFC 3339 timestamps, never the hash. */
const apiKeyOut = (r: ListedApiKey) => ({
  id: r.id,
  prefix: r.prefix,
  name: r.name,
  scopes: r.scopes as Scope[],
  owner: r.owner_id,
  createdAt: toRfc3339(r.created_at),
  lastUsedAt: toRfc3339(r.last_used_at),
});

const create = createRoute({
  method: "post",
  path: "/api-keys",
  tags,
  summary: "Create an API key (needs `write`; the secret is shown only in this response)",
  middleware: [requireJsonObjectBody()] as const,
  request: { body: { content: { "application/json": { schema: CreateApiKeyBody } }, required: true } },
  responses: {
    201: jsonContent(ApiKeyCreatedSchema, "The new key, with its secret."),
    ...problemResponses(403, 413, 422),
  },
});

const list = createRoute({
  method: "get",
  path: "/api-keys",
  tags,
  summary: "API keys, newest first: the caller's owner's (an admin's: every owner's)",
  request: {
    query: z.object({
      owner: ownerQuery.optional().openapi({ description: "Admin only: just this owner's keys." }),
      ...pageQuery,
    }),
  },
  responses: {
    200: jsonContent(z.object({ apiKeys: z.array(ApiKeySchema), pagination: PaginationSchema }), "A page of keys (never their secrets)."),
    ...problemResponses(403, 422),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/api-keys/{id}",
  tags,
  summary: "Revoke an API key at once",
  request: { params: z.object({ id: pathId("api_key_not_found", "0b4f6d0e-3f7c-4a51-9d0b-2a6f1c9e8d10") }) },
  responses: {
    204: { description: "Revoked: the key is refused from now on." },
    ...problemResponses(404),
  },
});

/** Naming another owner is an admin's privilege. */
function requireAdminFor(principal: Principal, what: string) {
  if (!hasScope(principal, "admin"))
    throw new ApiError("insufficient_scope", { detail: `Only an admin credential may ${what}.` });
}

export const apiKeyRoutes = createRouter()
  .openapi(create, async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");
    if (body.owner !== undefined) requireAdminFor(principal, "create a key for a given owner");
    // No escalation through keys: a key gets at most the scopes of the credential that made it.
    const beyond = body.scopes.filter((scope) => !hasScope(principal, scope));
    if (beyond.length > 0)
      throw new ApiError("insufficient_scope", {
        detail: `A key cannot have scopes its creator lacks: ${[...new Set(beyond)].map((s) => `\`${s}\``).join(", ")}.`,
      });
    const { key, prefix } = generateApiKey();
    const row = await createApiKey(c.var.services().db, {
      id: crypto.randomUUID(),
      ownerId: body.owner ?? principal.owner,
      name: body.name,
      prefix,
      secretHash: await hashApiKey(key),
      scopes: SCOPES.filter((scope) => body.scopes.includes(scope)),
    });
    const { lastUsedAt: _, ...created } = apiKeyOut(row);
    // The secret is shown once: no cache may keep it, nor the Idempotency-Key store.
    c.header("Cache-Control", "no-store");
    return c.json({ ...created, key }, 201);
  })
  .openapi(list, async (c) => {
    const principal = c.get("principal");
    const { owner, limit, offset } = c.req.valid("query");
    if (owner !== undefined) requireAdminFor(principal, "list another owner's keys");
    const page = { limit, offset };
    const { rows, total } = await listApiKeys(c.var.services().db, owner ?? ownerFilter(principal), page);
    return c.json({ apiKeys: rows.map(apiKeyOut), pagination: pagination(page, rows.length, total) }, 200);
  })
  .openapi(remove, async (c) => {
    // Another owner's key is a 404, as if it did not exist: key ids are not disclosed across owners.
    const principal = c.get("principal");
    const outcome = await deleteApiKey(c.var.services().db, ownerFilter(principal), c.req.valid("param").id, hasScope(principal, "admin"));
    if (outcome === "missing") throw new ApiError("api_key_not_found");
    if (outcome === "admin_key") throw new ApiError("insufficient_scope", { detail: "Only an admin credential may revoke an admin key." });
    return c.body(null, 204);
  });
