/**
 * Authentication at the edge: every route but the public ones needs `Authorization: Bearer …`,
 * and the request's principal (owner and scopes) is put on its context for routes and queries.
 * A credential is, in the order tried: the bootstrap admin token (PLC_ADMIN_TOKEN), an API key
 * (`plc_…`, looked up by its hash), or a JWT from the identity provider (AUTH_JWKS_URL).
 */
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../context.ts";
import { findApiKeyByHash, touchApiKey } from "../db/api-keys.ts";
import { ApiError } from "../lib/problem.ts";
import { toRfc3339 } from "../lib/time.ts";
import { waitUntil } from "../lib/wait-until.ts";
import { hashApiKey, isApiKeyCredential, isWellFormedApiKey } from "./api-keys.ts";
import { InvalidJwt, looksLikeJwt, verifyJwt } from "./jwt.ts";
import { DEFAULT_OWNER, hasScope, OWNER_PATTERN, SCOPES, type Principal, type Scope } from "../domain/principal.ts";

/** Answered to anyone: liveness, readiness, presets and the API's own description. */
const PUBLIC = [/^\/health(\/ready)?$/, /^\/presets(\/[^/]*)?$/, /^\/openapi\.json$/, /^\/docs$/];

export const isPublicPath = (path: string) => PUBLIC.some((pattern) => pattern.test(path));

/** An admin credential acts as another owner with this header (the operator's view of one owner). */
export const OWNER_HEADER = "Pegasus-Owner";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="pegasus"' };

function unauthenticated(detail?: string, error?: "invalid_token"): ApiError {
  const challenge = error ? `Bearer realm="pegasus", error="${error}"` : CHALLENGE["WWW-Authenticate"];
  return new ApiError(error ? "invalid_credential" : "unauthenticated", { detail, headers: { "WWW-Authenticate": challenge } });
}

/** The scope a request needs: reading for safe methods, writing for the rest. */
export const scopeFor = (method: string): Scope => (method === "GET" || method === "HEAD" ? "read" : "write");

/** Constant-time comparison of two secrets (their SHA-256 digests, so lengths never leak). */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (v: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(v)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** `last_used_at` is written at most this often per key: a busy key costs no write per request. */
const TOUCH_INTERVAL_SEC = 60;

const isScope = (value: unknown): value is Scope => (SCOPES as readonly unknown[]).includes(value);

/** One round trip: the lookup by hash. Recording the use happens after the response. */
async function principalFromApiKey(c: AppContext, credential: string): Promise<Principal> {
  const revoked = () => unauthenticated("The API key is not valid or has been revoked.", "invalid_token");
  if (!isWellFormedApiKey(credential)) throw revoked();
  const { db } = c.var.services();
  const key = await findApiKeyByHash(db, await hashApiKey(credential));
  if (!key) throw revoked();
  const lastUsed = key.last_used_at === null ? 0 : Date.parse(toRfc3339(key.last_used_at));
  if (!(Date.now() - lastUsed < TOUCH_INTERVAL_SEC * 1000)) {
    waitUntil(
      c,
      touchApiKey(db, key.id, TOUCH_INTERVAL_SEC).catch((error: unknown) =>
        console.error(JSON.stringify({ level: "warn", msg: "api key last_used_at not recorded", requestId: c.get("requestId"), error: String(error) })),
      ),
    );
  }
  return { owner: key.owner_id, scopes: key.scopes.filter(isScope), via: "api_key", keyId: key.id };
}

async function principalFrom(c: AppContext, credential: string): Promise<Principal> {
  const { auth } = c.var.services().config;
  if (auth.adminToken && (await sameSecret(credential, auth.adminToken)))
    return { owner: DEFAULT_OWNER, scopes: ["admin"], via: "admin_token" };
  if (isApiKeyCredential(credential)) return principalFromApiKey(c, credential);
  if (looksLikeJwt(credential)) {
    if (!auth.jwt) throw unauthenticated("JWTs are not accepted: no identity provider is configured.", "invalid_token");
    try {
      return { ...(await verifyJwt(credential, auth.jwt)), via: "jwt" };
    } catch (error) {
      if (error instanceof InvalidJwt) throw unauthenticated(error.message, "invalid_token");
      throw error;
    }
  }
  throw unauthenticated("The bearer credential is not a known API key or admin token.", "invalid_token");
}

export const authenticate = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === "OPTIONS" || isPublicPath(c.req.path)) return next();
    const { auth } = c.var.services().config;
    let principal: Principal;
    if (auth.mode === "off") {
      principal = { owner: DEFAULT_OWNER, scopes: [...SCOPES], via: "open" };
    } else {
      const header = c.req.header("Authorization");
      if (!header) throw unauthenticated();
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthenticated("The Authorization header must be `Bearer <credential>`.", "invalid_token");
      principal = await principalFrom(c, match[1]!);
    }
    const actAs = c.req.header(OWNER_HEADER);
    if (actAs !== undefined) {
      if (!hasScope(principal, "admin"))
        throw new ApiError("insufficient_scope", { detail: `Only an admin credential may act as another owner (${OWNER_HEADER}).` });
      if (!OWNER_PATTERN.test(actAs))
        throw new ApiError("bad_request", { detail: `${OWNER_HEADER} must be 1 to 200 visible ASCII characters.` });
      principal = { ...principal, owner: actAs, actingAs: true };
    }
    const needed = scopeFor(c.req.method);
    if (!hasScope(principal, needed))
      throw new ApiError("insufficient_scope", { detail: `This request needs the \`${needed}\` scope.` });
    c.set("principal", principal);
    await next();
  });

/**
 * Whose jobs and API keys a request sees (both have ids unique across owners): an admin not acting
 * as an owner sees every owner's (null); anyone else only their own.
 */
export const ownerFilter = (principal: Principal): string | null =>
  hasScope(principal, "admin") && !principal.actingAs ? null : principal.owner;

/** The owner whose data this request reads and changes. */
export const ownerOf = (c: AppContext): string => c.var.principal.owner;

/** The caller's lecture with this id (ids are unique per owner). */
export const lectureKey = (c: AppContext, lectureId: string) => ({ owner: ownerOf(c), lectureId });
