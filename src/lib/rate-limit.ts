/**
 * Request budgets, counted by Cloudflare's Rate Limiting binding (`[[ratelimits]]` in
 * wrangler.toml). Two middlewares share them:
 *   - rateLimitByAddress, before authentication: requests that do not authenticate (public
 *     routes, missing or rejected credentials) spend the client address's `anonymous` budget.
 *     Authenticated requests never do, so students behind one campus or carrier NAT share only
 *     their anonymous traffic;
 *   - rateLimitByOwner, after it: each owner's `uploads`, `starts` or `reads` budget.
 * Every response they pass carries the RateLimit-Policy and RateLimit fields of the budget it
 * spent; one over budget is a 429 problem with Retry-After. A budget whose binding is absent, or
 * PLC_RATE_LIMIT=off, limits nothing and adds no headers (src/config.ts).
 */
import { createMiddleware } from "hono/factory";
import { loadConfig, type Config, type RateLimitBudget, type RateLimitBudgetName } from "../config.ts";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError } from "./problem.ts";

type OwnerBudgetName = Exclude<RateLimitBudgetName, "anonymous">;

/**
 * Requests that start an upload (ingest, a tus creation, an appended recording). The chunks of a resumable upload (tus PATCH /uploads/{id}) spend
 * the larger `starts` budget instead: one recording takes dozens of them, and tus clients do not
 * retry a 429.
 */
const UPLOAD_PATHS = /^\/(lectures\/ingest|uploads|lectures\/[^/]+\/recordings)$/;

/** The owner budget a request spends: uploads carry files, every other write starts work. */
export function budgetFor(method: string, path: string): OwnerBudgetName {
  if (method === "GET" || method === "HEAD") return "reads";
  return UPLOAD_PATHS.test(path) ? "uploads" : "starts";
}

/**
 * The address a budget is kept for. An IPv6 client usually holds a whole /64, so that is the
 * unit: otherwise it could take a fresh address for every request. Without CF-Connecting-IP
 * (only outside Cloudflare: tests, `wrangler dev` without it) every request shares one budget.
 */
export function clientAddress(header: string | undefined): string {
  const ip = header?.trim().toLowerCase();
  if (!ip) return "unknown";
  if (ip.includes(".")) return ip.slice(ip.lastIndexOf(":") + 1); // IPv4, or IPv4-mapped IPv6
  const [head = [], tail] = ip.split("::").map((part) => (part ? part.split(":") : []));
  const groups = tail ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill("0"), ...tail] : head;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * The fixed window `nowMs` falls in, aligned to the epoch as `wrangler dev` aligns its simulated
 * counters (Cloudflare does not document its own alignment, so in production the reset is an
 * estimate), and the whole seconds until it ends: at least 1, at most the window.
 */
export function fixedWindow(nowMs: number, windowSec: number): { epoch: number; resetSec: number } {
  const windowMs = windowSec * 1000;
  const epoch = Math.floor(nowMs / windowMs);
  return { epoch, resetSec: Math.ceil(((epoch + 1) * windowMs - nowMs) / 1000) };
}

/**
 * The fields of draft-ietf-httpapi-ratelimit-headers-11 (May 2026), sections 3 and 4: Structured
 * Field lists of one item each, the policy named by a String; quota `q` and window `w` in the
 * policy, available quota `r` and seconds `t` until it grows again in the service limit.
 */
export function rateLimitHeaders(name: RateLimitBudgetName, budget: Pick<RateLimitBudget, "quota" | "windowSec">, remaining: number, resetSec: number): Record<string, string> {
  return {
    "RateLimit-Policy": `"${name}";q=${budget.quota};w=${budget.windowSec}`,
    RateLimit: `"${name}";r=${remaining};t=${resetSec}`,
  };
}

/**
 * This isolate's view of the current window per budget. The binding answers only whether a
 * request fits, so `r` is the quota less the requests this isolate let through: an approximation
 * that overstates what is left when a client's requests reach several isolates or locations.
 * The binding's refusal is what counts. Bounded, so a flood of addresses cannot grow it.
 */
interface WindowState {
  epoch: number;
  used: Map<string, number>;
  /** Addresses whose rejected credentials used the `anonymous` budget up (see rateLimitByAddress). */
  blocked: Set<string>;
}

const MAX_KEYS = 10_000;
const windows = new Map<string, WindowState>();

function currentWindow(name: RateLimitBudgetName, budget: RateLimitBudget): { state: WindowState; resetSec: number } {
  const { epoch, resetSec } = fixedWindow(Date.now(), budget.windowSec);
  const id = `${name}:${budget.quota}/${budget.windowSec}`;
  let state = windows.get(id);
  if (!state || epoch > state.epoch) windows.set(id, (state = { epoch, used: new Map(), blocked: new Set() }));
  if (state.used.size >= MAX_KEYS) state.used.clear();
  if (state.blocked.size >= MAX_KEYS) state.blocked.clear();
  return { state, resetSec };
}

interface Verdict {
  allowed: boolean;
  resetSec: number;
  /** Unset when the binding could not be asked: nothing is known to announce. */
  headers?: Record<string, string>;
}

/** Spends one request of `key`'s budget. A binding that fails lets the request through. */
async function spend(c: AppContext, name: RateLimitBudgetName, budget: RateLimitBudget, key: string): Promise<Verdict> {
  let allowed: boolean;
  try {
    allowed = (await budget.limiter.limit({ key })).success;
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "rate limiter unavailable", requestId: c.get("requestId"), budget: name, error: String(error) }));
    return { allowed: true, resetSec: currentWindow(name, budget).resetSec };
  }
  const { state, resetSec } = currentWindow(name, budget);
  let remaining = 0;
  if (allowed) {
    const used = (state.used.get(key) ?? 0) + 1;
    state.used.set(key, used);
    remaining = Math.max(0, budget.quota - used);
  }
  return { allowed, resetSec, headers: rateLimitHeaders(name, budget, remaining, resetSec) };
}

function tooMany(name: RateLimitBudgetName, budget: RateLimitBudget, verdict: Verdict): ApiError {
  return new ApiError("rate_limited", {
    detail: `The "${name}" budget of ${budget.quota} requests per ${budget.windowSec} seconds is used up; retry after ${verdict.resetSec} seconds.`,
    // Retry-After is the end of the window, never earlier than RateLimit's t (the draft, section 6).
    headers: { ...verdict.headers, "Retry-After": String(verdict.resetSec) },
  });
}

function budgets(c: AppContext): Config["rateLimits"] {
  const loaded = loadConfig(c.env);
  // A broken configuration already answers 500 wherever it is needed; public routes stay up.
  return loaded.ok ? loaded.config.rateLimits : {};
}

function announce(c: AppContext, verdict: Verdict): void {
  for (const [name, value] of Object.entries(verdict.headers ?? {})) c.res.headers.set(name, value);
}

/** Mounted before authentication: the client address's `anonymous` budget. */
export const rateLimitByAddress = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const budget = budgets(c).anonymous;
    if (!budget) return next();
    const key = `ip:${clientAddress(c.req.header("CF-Connecting-IP"))}`;
    if (!c.req.header("Authorization")) {
      const verdict = await spend(c, "anonymous", budget, key);
      if (!verdict.allowed) throw tooMany("anonymous", budget, verdict);
      await next();
      announce(c, verdict);
      return;
    }
    // A credential is counted only once it failed to authenticate. The binding cannot be read
    // without counting, so an address whose rejected credentials used the budget up is
    // remembered here until the window ends, and its next attempts are refused unchecked.
    const { state, resetSec } = currentWindow("anonymous", budget);
    if (state.blocked.has(key))
      throw tooMany("anonymous", budget, { allowed: false, resetSec, headers: rateLimitHeaders("anonymous", budget, 0, resetSec) });
    await next();
    if (c.get("principal")) return;
    const verdict = await spend(c, "anonymous", budget, key);
    // One rejection too many: this answer (the 401) stands, with r=0, and the next is refused.
    if (!verdict.allowed) currentWindow("anonymous", budget).state.blocked.add(key);
    announce(c, verdict);
  });

/** Mounted after authentication: the owner's budget for this kind of request. */
export const rateLimitByOwner = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Public routes are answered without a principal, and so without an owner budget.
    const principal = c.get("principal") as AppEnv["Variables"]["principal"] | undefined;
    if (!principal) return next();
    const name = budgetFor(c.req.method, c.req.path);
    const budget = budgets(c)[name];
    if (!budget) return next();
    const verdict = await spend(c, name, budget, `owner:${principal.owner}`);
    if (!verdict.allowed) throw tooMany(name, budget, verdict);
    await next();
    announce(c, verdict);
  });
