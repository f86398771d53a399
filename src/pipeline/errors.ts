/**
 * The stages' error vocabulary. Transient errors are worth another attempt (network, timeouts,
 * 429/5xx from a provider, the database unavailable); everything else fails the job at once.
 */
import type { ClassifiedError } from "../jobs/engine.ts";

export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export class TransientJobError extends Error {
  override name = "TransientJobError";
}

/**
 * Workers AI errors reach the Worker as `InferenceUpstreamError("<code>: <description>")`. Worth
 * another attempt: out of capacity (3040), timeout (3007), aborted (3008). The rest (no such model,
 * invalid input, request too large, account limits such as the daily free allocation, 3036) will
 * not change by waiting minutes. A code neither list knows is judged by its message, as other errors are.
 */
const WORKERS_AI_TRANSIENT = new Set([3007, 3008, 3040]);
const WORKERS_AI_PERMANENT = new Set([3003, 3006, 3023, 3036, 3039, 3041, 3042, 5004, 5005, 5007, 5016, 5018, 5019]);
const WORKERS_AI_CODE = /^(\d{4}): /;

export function workersAiErrorCode(error: unknown): number | null {
  const message = (error as { message?: unknown } | null)?.message;
  const match = typeof message === "string" ? WORKERS_AI_CODE.exec(message) : null;
  return match ? Number(match[1]) : null;
}

/**
 * A Workers AI failure as a job error naming the model, transient or permanent by its code (or,
 * for an error without one, by the same rules as any other error).
 */
export function workersAiJobError(error: unknown, model: string): Error {
  if (error instanceof TransientJobError || error instanceof PermanentJobError) return error;
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  // What `wrangler dev` binds without a Cloudflare login: a stand-in that refuses every call.
  if (/needs to be run remotely/.test(message))
    return new PermanentJobError(`Workers AI cannot run in local development without a Cloudflare account (${message}); use OpenAI or a transcript upload locally.`);
  const wrapped = `Workers AI (${model}): ${message}`;
  return isTransient(error) ? new TransientJobError(wrapped, { cause: error }) : new PermanentJobError(wrapped, { cause: error });
}

/** SQLSTATE classes that mean "try again": connection, resources, shutdown, serialization. */
const TRANSIENT_SQLSTATE = /^(08|53|57P|40001|40P01)/;

function isTransient(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== "object" || error === null) return false;
  const e = error as { name?: string; message?: string; status?: unknown; code?: unknown; cause?: unknown; sourceError?: unknown };
  if (error instanceof TransientJobError) return true;
  if (error instanceof PermanentJobError) return false;
  if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  if (typeof e.name === "string" && /APIConnection(Timeout)?Error/.test(e.name)) return true;
  const aiCode = workersAiErrorCode(error);
  if (aiCode !== null && WORKERS_AI_TRANSIENT.has(aiCode)) return true;
  if (aiCode !== null && WORKERS_AI_PERMANENT.has(aiCode)) return false;
  if (typeof e.status === "number" && (e.status === 408 || e.status === 429 || e.status >= 500)) return true;
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return TRANSIENT_SQLSTATE.test(e.code);
  const message = String(e.message ?? "");
  if (/Error connecting to database|Server error \(HTTP status (5\d\d|429)\)|fetch failed|Network connection lost|ECONNREFUSED|ECONNRESET|socket hang up/i.test(message))
    return true;
  if (/internal error|we encountered an internal|service unavailable|timed? ?out/i.test(message)) return true;
  return isTransient(e.cause, depth + 1) || isTransient(e.sourceError, depth + 1);
}

/** The SQLSTATE of a database error, looking through drizzle's wrapper. */
function sqlState(error: unknown, depth = 0): string | null {
  if (depth > 3 || typeof error !== "object" || error === null) return null;
  const e = error as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return sqlState(e.cause, depth + 1);
}

/**
 * The message kept on the job, which clients see: the error's own words for our errors and the
 * providers', but never a database's text (it can quote data, SQL or the schema) or a stack.
 */
export function classifyError(error: unknown): ClassifiedError {
  const transient = isTransient(error);
  const e = error as { message?: string };
  const message = typeof e?.message === "string" && e.message ? e.message : String(error);
  const state = sqlState(error);
  if (state)
    return { transient, message: transient ? `The database was briefly unavailable (SQLSTATE ${state}).` : `A database operation failed (SQLSTATE ${state}).` };
  if (/^Failed query:|^Error connecting to database|^Server error \(HTTP status/.test(message))
    return { transient, message: transient ? "The database was unavailable." : "A database operation failed." };
  return { transient, message: message.slice(0, 2000) };
}
