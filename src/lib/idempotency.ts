/**
 * Safe retries for every POST (IETF httpapi Idempotency-Key draft). A request with an
 * `Idempotency-Key` header claims (owner, key); the first request's status, a few headers and its
 * body are kept for 24 h and replayed to its retries with `Idempotent-Replayed: true`, without
 * doing the work again. The same key with another request is a 422, a retry while the first is
 * still being handled a 409. Requests without the header are untouched.
 *
 * The rows live in `idempotency_keys` (src/db/idempotency.ts). This module may not import the
 * database layer (scripts/check-imports.ts), so the app hands the store in (see `idempotency`).
 */
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../context.ts";
import { MAX_JSON_BODY_BYTES } from "./json-body.ts";
import { ApiError, problemResponse, type ProblemCode } from "./problem.ts";
import { waitUntil } from "./wait-until.ts";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** How long a key answers for (the draft leaves it to the server; 24 h, as the issue asks). */
export const IDEMPOTENCY_TTL_SEC = 24 * 60 * 60;

/**
 * A claim still in flight after this long was left by a request that died without releasing it
 * (its isolate was evicted or the Worker redeployed mid-request): the next request with the key
 * takes it over instead of getting 409 forever. No POST here runs that long, but an upload could:
 * 100 MB in 15 min is ~110 KB/s. A slower upload that is still alive may be taken over by a
 * retry; then both run, and the second ingest replaces the first (re-ingest semantics).
 */
export const IN_FLIGHT_TAKEOVER_SEC = 15 * 60;

/**
 * Responses larger than this are answered but not kept (the claim is released, so a retry does the
 * work again). POST answers here are a few hundred bytes of JSON; the cap keeps one odd response
 * from bloating a row that every retry reads.
 */
export const MAX_STORED_BODY_BYTES = 256 * 1024;

/** The response headers worth replaying; the rest (X-Request-Id, Cache-Control…) are the current request's. */
const STORED_HEADERS = ["content-type", "location", "etag", "content-language"];

/**
 * Client errors that say nothing final about the request and so are not kept: the body did not
 * arrive whole (a retry may well succeed), or the request was turned away before any work.
 */
const TRANSIENT_PROBLEMS = new Set<ProblemCode>(["idempotency_key_in_flight", "rate_limited", "upload_interrupted", "malformed_body"]);

/** Statuses whose responses carry no body (a Response refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

const JSON_TYPE = /^application\/([a-z0-9.-]+\+)?json$/;
const TEXT_TYPE = /^(text\/[a-z0-9.+-]+|application\/([a-z0-9.-]+\+)?json)$/;

export interface ClaimRequest {
  owner: string;
  key: string;
  fingerprint: string;
  ttlSec: number;
  takeoverAfterSec: number;
}

/** A finished request's answer, as kept and replayed. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What another request left under the key. `response` is null while it is still in flight. */
export interface KeyRecord {
  fingerprint: string;
  response: StoredResponse | null;
}

/**
 * `claimed`: this request owns the key and must complete or release it; `token` tells this claim
 * apart from a later takeover, so a slow request never overwrites its successor's record.
 */
export type ClaimOutcome = { claimed: true; token: string } | { claimed: false; record: KeyRecord };

export interface Claim {
  owner: string;
  key: string;
  token: string;
}

export interface IdempotencyStore {
  /** Claims the key when it is free, expired or abandoned; otherwise returns what holds it. */
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  complete(claim: Claim, response: StoredResponse): Promise<void>;
  /** Gives the key up (the request failed or its answer is not kept): a retry does the work. */
  release(claim: Claim): Promise<void>;
}

type Db = ReturnType<AppEnv["Variables"]["services"]>["db"];

/**
 * The header's value: a Structured Field string (`"8e03…"`, as the draft says) or, for clients that
 * send it bare, a token of visible ASCII without quotes, backslashes or commas (a comma would be
 * two header lines folded into one). Either way 1 to 255 characters; `"abc"` and `abc` are the
 * same key. Null when malformed.
 */
export function parseIdempotencyKey(value: string): string | null {
  const v = value.trim();
  if (!v.startsWith('"')) return /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,255}$/.test(v) ? v : null;
  let key = "";
  for (let i = 1; i < v.length; i++) {
    let ch = v[i]!;
    if (ch === '"') return i === v.length - 1 && key.length >= 1 && key.length <= 255 ? key : null;
    if (ch === "\\") {
      ch = v[++i] ?? "";
      if (ch !== '"' && ch !== "\\") return null;
    } else if (ch < "\x20" || ch > "\x7e") return null;
    key += ch;
  }
  return null; // no closing quote
}

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * What makes two requests "the same": method, path and query as sent, and the body.
 * - JSON bodies (capped at 64 KiB before this runs, see json-body.ts), empty bodies and other
 *   bodies declared at most 64 KiB are read from a clone and hashed (SHA-256).
 * - multipart bodies, and any other body larger or of unknown size, are never read here: an upload
 *   streams to storage and must not be buffered. They are fingerprinted by media type without its
 *   parameters (a form's boundary changes on every retry) and Content-Length. So a retried upload
 *   must resend the same bytes count, and an upload with a key must declare Content-Length.
 */
export async function requestFingerprint(request: Request): Promise<string> {
  const url = new URL(request.url);
  const target = `${request.method} ${url.pathname}${url.search}`;
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^\d+$/.test(declared.trim()) ? Number(declared) : null;
  const hashable = !request.body || (!type.startsWith("multipart/") && (JSON_TYPE.test(type) || (length !== null && length <= MAX_JSON_BODY_BYTES)));
  if (hashable) {
    const bytes = request.body ? await request.clone().arrayBuffer() : new ArrayBuffer(0);
    if (bytes.byteLength === 0) return `${target} empty`;
    return `${target} ${type || "-"} sha256=${hex(await crypto.subtle.digest("SHA-256", bytes))}`;
  }
  if (length === null)
    throw new ApiError("validation_failed", {
      detail: `A request with an ${IDEMPOTENCY_KEY_HEADER} and a ${type || "non-JSON"} body must declare its Content-Length (the body is streamed, not read, so its size identifies it), or be sent without the key.`,
      errors: [{ loc: ["header", "Content-Length"], msg: "Field required with Idempotency-Key", type: "missing" }],
    });
  return `${target} ${type || "-"} length=${length}`;
}

/** The body of `response` as text when it is at most `cap` bytes, else null. Reads a clone. */
async function boundedText(response: Response, cap: number): Promise<string | null> {
  if (!response.body) return "";
  const reader = response.clone().body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/**
 * The answer to keep, or null to release the key. Kept: anything but a server error (5xx: the
 * work may not have happened; a retry should do it), a 429, a transient client error
 * (TRANSIENT_PROBLEMS), an answer marked `Cache-Control: no-store`, a non-text body (the row
 * keeps text) or one over MAX_STORED_BODY_BYTES.
 */
export async function storableResponse(response: Response): Promise<StoredResponse | null> {
  const { status } = response;
  if (status >= 500 || status === 429) return null;
  // An answer that must not be stored anywhere (a new API key's secret) is not kept here either.
  if (/(^|,)\s*no-store\s*(,|$)/i.test(response.headers.get("cache-control") ?? "")) return null;
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (response.body && !TEXT_TYPE.test(type)) return null;
  const body = await boundedText(response, MAX_STORED_BODY_BYTES);
  if (body === null) return null;
  if (type === "application/problem+json") {
    const code = (() => {
      try {
        return (JSON.parse(body) as { code?: unknown }).code;
      } catch {
        return undefined;
      }
    })();
    if (TRANSIENT_PROBLEMS.has(code as ProblemCode)) return null;
  }
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status, headers, body };
}

function replay(stored: StoredResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set(REPLAYED_HEADER, "true");
  return new Response(NULL_BODY_STATUSES.has(stored.status) ? null : stored.body, { status: stored.status, headers });
}

function logFailure(c: AppContext, msg: string, error: unknown) {
  console.error(JSON.stringify({ level: "error", msg, requestId: c.get("requestId"), error: String((error as Error)?.message ?? error) }));
}

/**
 * The middleware, mounted after authentication (keys are per owner). `storeOf` gives the store over
 * the request's database (src/db/idempotency.ts: `idempotencyStore`).
 *
 * One round trip claims the key or reads what holds it; a claimed request runs, then one more
 * stores its answer (or releases the key) before the response leaves, so a retry sent as soon as
 * the answer arrives is replayed rather than told 409.
 */
export const idempotency = (storeOf: (db: Db) => IdempotencyStore) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== "POST") return next();
    const header = c.req.header(IDEMPOTENCY_KEY_HEADER);
    const principal = c.get("principal");
    // Public routes have no owner to scope a key to; none of them takes a POST.
    if (header === undefined || !principal) return next();
    const key = parseIdempotencyKey(header);
    if (key === null)
      throw new ApiError("validation_failed", {
        detail: `${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters, as a quoted string ("8e03978e-40d5-43e8-bc93-6894a57f9324") or a bare token without spaces, quotes, backslashes or commas.`,
        errors: [{ loc: ["header", IDEMPOTENCY_KEY_HEADER], msg: "Invalid Idempotency-Key", type: "value_error" }],
      });
    const fingerprint = await requestFingerprint(c.req.raw);
    const store = storeOf(c.var.services().db);
    const owner = principal.owner;
    const outcome = await store.claim({ owner, key, fingerprint, ttlSec: IDEMPOTENCY_TTL_SEC, takeoverAfterSec: IN_FLIGHT_TAKEOVER_SEC });

    if (!outcome.claimed) {
      const { record } = outcome;
      if (record.fingerprint !== fingerprint)
        return problemResponse(c, "idempotency_key_reused", {
          detail: `This ${IDEMPOTENCY_KEY_HEADER} was already used for a different request (another method, path, query or body); use a new key for a new request.`,
        });
      if (!record.response) return problemResponse(c, "idempotency_key_in_flight", { headers: { "Retry-After": "1" } });
      return replay(record.response);
    }

    const claim = { owner, key, token: outcome.token };
    // The Worker stays alive until the claim is settled, even if the client goes away mid-request.
    let settle!: () => void;
    waitUntil(c, new Promise<void>((resolve) => (settle = resolve)));
    try {
      await next();
    } catch (error) {
      // Only errors the app's error handler did not turn into a response reach here.
      await store.release(claim).catch((e) => logFailure(c, "idempotency key not released", e));
      settle();
      throw error;
    }
    try {
      // The answer goes out either way; a key left in flight is taken over after IN_FLIGHT_TAKEOVER_SEC.
      const stored = await storableResponse(c.res);
      await (stored ? store.complete(claim, stored) : store.release(claim));
    } catch (error) {
      logFailure(c, "idempotency key not settled", error);
    } finally {
      settle();
    }
  });
