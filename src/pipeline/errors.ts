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

/** SQLSTATE classes that mean "try again": connection, resources, shutdown, serialization. */
const TRANSIENT_SQLSTATE = /^(08|53|57P|40001|40P01)/;

function isTransient(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== "object" || error === null) return false;
  const e = error as { name?: string; message?: string; status?: unknown; code?: unknown; cause?: unknown; sourceError?: unknown };
  if (error instanceof TransientJobError) return true;
  if (error instanceof PermanentJobError) return false;
  if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  if (typeof e.name === "string" && /APIConnection(Timeout)?Error/.test(e.name)) return true;
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
