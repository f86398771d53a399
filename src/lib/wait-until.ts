/**
 * Work the response need not wait for, kept alive past it with the request's `waitUntil`. A request
 * without an execution context (an app called directly, in tests) runs it unguarded: nothing can cut
 * that request short.
 */
import type { AppContext } from "../context.ts";

export function waitUntil(c: AppContext, work: Promise<unknown>): void {
  let ctx: Pick<ExecutionContext, "waitUntil"> | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    // Hono throws when the request came without an execution context.
  }
  ctx?.waitUntil(work);
}
