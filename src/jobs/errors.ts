/**
 * Transient errors are worth another attempt (network, timeouts, 429/5xx from a provider, the
 * database unavailable); everything else fails the job at once.
 */
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

export interface ClassifiedError {
  transient: boolean;
  message: string;
}

/** The message kept on the job: the error's own words, without a stack or query text. */
export function classifyError(error: unknown): ClassifiedError {
  const e = error as { message?: string; name?: string; cause?: { message?: string } };
  let message = typeof e?.message === "string" && e.message ? e.message : String(error);
  // drizzle wraps database errors as "Failed query: <sql>"; keep the database's reason instead.
  if (/^Failed query:/.test(message)) message = e.cause?.message ?? "Database query failed.";
  return { transient: isTransient(error), message: message.slice(0, 2000) };
}
