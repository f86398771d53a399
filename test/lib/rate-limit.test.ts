/**
 * Request budgets against the Rate Limiting bindings that miniflare simulates (a counter per key
 * and fixed wall-clock window). The app here is the real middleware chain of src/app.ts around
 * stand-in handlers, so no database is needed. Small budgets come from TEST_LIMITER
 * (vitest.config.ts: 3 requests per 10 s), swapped in for a production binding through the env.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { authenticate, OWNER_HEADER } from "../../src/auth/authenticate.ts";
import { loadConfig } from "../../src/config.ts";
import type { AppEnv } from "../../src/context.ts";
import { ApiError, problemResponse } from "../../src/lib/problem.ts";
import { budgetFor, clientAddress, fixedWindow, rateLimitByAddress, rateLimitByOwner, rateLimitHeaders } from "../../src/lib/rate-limit.ts";
import { requestId } from "../../src/lib/request-id.ts";
import { provideServices } from "../../src/services.ts";

const app = new Hono<AppEnv>();
app.use("*", requestId(), provideServices(), rateLimitByAddress(), authenticate(), rateLimitByOwner());
app.get("/health", (c) => c.json({ status: "ok" }));
app.get("/courses", (c) => c.json({ owner: c.var.principal.owner }));
app.post("/lectures/ingest", (c) => c.json({ ok: true }, 201));
app.post("/lectures/:id/generate", (c) => c.json({ ok: true }, 202));
app.onError((error, c) => (error instanceof ApiError ? problemResponse(c, error.code, error.extra) : problemResponse(c, "internal_error")));

const ADMIN_TOKEN = (env as unknown as { PLC_ADMIN_TOKEN: string }).PLC_ADMIN_TOKEN;
const ON = { ...env, PLC_RATE_LIMIT: "on" };
/** The production budgets, but `name`'s is 3 requests per 10 s. */
const small = (name: "uploads" | "anonymous") => ({ ...ON, [`${name.toUpperCase()}_LIMITER`]: env.TEST_LIMITER, [`RATE_LIMIT_${name.toUpperCase()}`]: "3/10" });
const SMALL_UPLOADS = small("uploads");
const SMALL_ANONYMOUS = small("anonymous");

interface Caller {
  method?: string;
  /** Acts as this owner with the admin token; `credential` replaces the token (null: none). */
  owner?: string;
  credential?: string | null;
  address?: string;
}

async function send(settings: object, path: string, { method = "GET", owner, credential = ADMIN_TOKEN, address }: Caller = {}): Promise<Response> {
  const headers = new Headers();
  if (credential !== null) headers.set("Authorization", `Bearer ${credential}`);
  if (owner) headers.set(OWNER_HEADER, owner);
  if (address) headers.set("CF-Connecting-IP", address);
  return app.request(path, { method, headers }, settings);
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
/** A fresh documentation address (RFC 3849), its own /64. */
const anAddress = () => `2001:db8:${Array.from(crypto.getRandomValues(new Uint16Array(2)), (n) => n.toString(16)).join(":")}::1`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the next window unless this one has `seconds` left, so a test's requests share one. */
async function windowWith(seconds: number, windowSec: number) {
  const left = windowSec * 1000 - (Date.now() % (windowSec * 1000));
  if (left < seconds * 1000) await sleep(left + 20);
}

function limitOf(res: Response): { name: string; r: number; t: number } {
  const match = /^"(\w+)";r=(\d+);t=(\d+)$/.exec(res.headers.get("RateLimit") ?? "");
  expect(match, `RateLimit: ${res.headers.get("RateLimit")}`).not.toBeNull();
  return { name: match![1]!, r: Number(match![2]), t: Number(match![3]) };
}

describe("pure parts", () => {
  it("chooses the owner budget by method and path", () => {
    expect(budgetFor("GET", "/lectures/lec-1/progress")).toBe("reads");
    expect(budgetFor("HEAD", "/courses")).toBe("reads");
    expect(budgetFor("POST", "/lectures/ingest")).toBe("uploads");
    expect(budgetFor("POST", "/uploads")).toBe("uploads");
    // The chunks of a resumable upload are many per recording: the larger budget.
    expect(budgetFor("PATCH", "/uploads/0b6f2c1e")).toBe("starts");
    for (const path of ["/lectures/lec-1/transcribe", "/lectures/lec-1/generate", "/lectures/lec-1/export", "/jobs/j-1/replay"])
      expect(budgetFor("POST", path)).toBe("starts");
    expect(budgetFor("DELETE", "/lectures/ingest-notes")).toBe("starts");
  });

  it("counts seconds to the end of the fixed window, from 1 to the whole window", () => {
    const start = 1_800_000_000_000; // a multiple of 60 s
    expect(fixedWindow(start, 60)).toEqual({ epoch: start / 60_000, resetSec: 60 });
    expect(fixedWindow(start + 18_000, 60).resetSec).toBe(42);
    expect(fixedWindow(start + 59_999, 60).resetSec).toBe(1);
    expect(fixedWindow(start + 60_000, 60).epoch).toBe(start / 60_000 + 1);
    expect(fixedWindow(start + 3_500, 10).resetSec).toBe(7);
  });

  it("formats the fields as Structured Field lists (draft-ietf-httpapi-ratelimit-headers-11)", () => {
    expect(rateLimitHeaders("reads", { quota: 600, windowSec: 60 }, 598, 42)).toEqual({
      "RateLimit-Policy": '"reads";q=600;w=60',
      RateLimit: '"reads";r=598;t=42',
    });
  });

  it("keys IPv4 by address and IPv6 by its /64", () => {
    expect(clientAddress("192.0.2.7")).toBe("192.0.2.7");
    expect(clientAddress("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientAddress("2001:DB8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientAddress("2001:0db8:0001:0002:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(clientAddress("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientAddress("2001:db8::1:2:3:4:5")).toBe("2001:db8:0:1::/64");
    expect(clientAddress(undefined)).toBe("unknown");
  });
});

describe("owner budgets", () => {
  it("announce the budget a response spent, and count it down", async () => {
    await windowWith(3, 60);
    const owner = unique("owner");
    const first = await send(ON, "/courses", { owner });
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Policy")).toBe('"reads";q=600;w=60');
    const { name, r, t } = limitOf(first);
    expect([name, r]).toEqual(["reads", 599]);
    expect(t).toBeGreaterThanOrEqual(1);
    expect(t).toBeLessThanOrEqual(60);
    expect(limitOf(await send(ON, "/courses", { owner })).r).toBe(598);

    const write = await send(ON, "/lectures/lec-1/generate", { method: "POST", owner });
    expect(write.status).toBe(202);
    expect(write.headers.get("RateLimit-Policy")).toBe('"starts";q=60;w=60');
    expect(limitOf(write).r).toBe(59);
  });

  it("answer 429 problem+json with Retry-After once one is used up, and let requests through after it", async () => {
    await windowWith(4, 10);
    const owner = unique("owner");
    const ingest = () => send(SMALL_UPLOADS, "/lectures/ingest", { method: "POST", owner });
    for (const left of [2, 1, 0]) {
      const res = await ingest();
      expect(res.status).toBe(201);
      expect(limitOf(res)).toMatchObject({ name: "uploads", r: left });
    }

    const refused = await ingest();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 429, code: "rate_limited", title: "Too Many Requests", instance: "/lectures/ingest" });
    expect(body.detail).toMatch(/"uploads" budget of 3 requests per 10 seconds is used up/);
    expect(refused.headers.get("RateLimit-Policy")).toBe('"uploads";q=3;w=10');
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(limitOf(refused)).toMatchObject({ r: 0, t: retryAfter });

    // Other budgets of the same owner are untouched.
    expect((await send(SMALL_UPLOADS, "/courses", { owner })).status).toBe(200);

    await sleep(retryAfter * 1000 + 20);
    const again = await ingest();
    expect(again.status).toBe(201);
    expect(limitOf(again).r).toBe(2);
  });

  it("are kept per owner", async () => {
    await windowWith(4, 10);
    const [spender, other] = [unique("owner"), unique("owner")];
    for (let i = 0; i < 3; i++) expect((await send(SMALL_UPLOADS, "/lectures/ingest", { method: "POST", owner: spender })).status).toBe(201);
    expect((await send(SMALL_UPLOADS, "/lectures/ingest", { method: "POST", owner: spender })).status).toBe(429);

    const res = await send(SMALL_UPLOADS, "/lectures/ingest", { method: "POST", owner: other });
    expect(res.status).toBe(201);
    expect(limitOf(res).r).toBe(2);
  });

  it("leave public routes alone", async () => {
    const res = await send(ON, "/health", { owner: unique("owner"), address: anAddress() });
    expect(res.status).toBe(200);
    // Not authenticated (public), so the address's anonymous budget is what it spent.
    expect(limitOf(res).name).toBe("anonymous");
  });
});

describe("the anonymous budget, per client address before authentication", () => {
  it("limits requests without a credential, public routes included", async () => {
    await windowWith(4, 10);
    const address = anAddress();
    for (const left of [2, 1, 0]) {
      const res = await send(SMALL_ANONYMOUS, "/courses", { credential: null, address });
      expect(res.status).toBe(401);
      expect(limitOf(res)).toMatchObject({ name: "anonymous", r: left });
    }
    for (const path of ["/courses", "/health"]) {
      const refused = await send(SMALL_ANONYMOUS, path, { credential: null, address });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { code: string }).code).toBe("rate_limited");
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    }
    // The same /64 is the same client; another address has its own budget.
    expect((await send(SMALL_ANONYMOUS, "/health", { credential: null, address: address.replace(/::1$/, "::ab:cd") })).status).toBe(429);
    expect((await send(SMALL_ANONYMOUS, "/health", { credential: null, address: anAddress() })).status).toBe(200);
    // Authenticated requests from that address spend their owner's budgets instead.
    const signedIn = await send(SMALL_ANONYMOUS, "/courses", { address });
    expect(signedIn.status).toBe(200);
    expect(limitOf(signedIn).name).toBe("reads");
  });

  it("counts rejected credentials, then refuses the address's credentials unchecked", async () => {
    await windowWith(4, 10);
    const address = anAddress();
    for (const left of [2, 1, 0, 0]) {
      const res = await send(SMALL_ANONYMOUS, "/courses", { credential: "not-a-known-credential", address });
      expect(res.status).toBe(401);
      expect(limitOf(res)).toMatchObject({ name: "anonymous", r: left });
    }
    // Even a valid credential is not checked from that address until the window ends...
    const refused = await send(SMALL_ANONYMOUS, "/courses", { address });
    expect(refused.status).toBe(429);
    expect(limitOf(refused)).toMatchObject({ r: 0, t: Number(refused.headers.get("Retry-After")) });
    // ... while other addresses are served.
    expect((await send(SMALL_ANONYMOUS, "/courses", { address: anAddress() })).status).toBe(200);
  });
});

describe("configuration", () => {
  it("limits nothing and announces nothing without the bindings, or with PLC_RATE_LIMIT=off", async () => {
    const unbound = { ...ON, ANONYMOUS_LIMITER: undefined, UPLOADS_LIMITER: undefined, STARTS_LIMITER: undefined, READS_LIMITER: undefined };
    for (const settings of [unbound, { ...env, PLC_RATE_LIMIT: "off" }]) {
      for (const caller of [{}, { credential: null }] as Caller[]) {
        const res = await send(settings, "/courses", caller);
        expect(res.status).toBe(caller.credential === null ? 401 : 200);
        expect(res.headers.has("RateLimit")).toBe(false);
        expect(res.headers.has("RateLimit-Policy")).toBe(false);
      }
    }
  });

  it("lets requests through, unannounced, when the binding fails", async () => {
    const failing = { limit: () => Promise.reject(new Error("rate limiter unavailable")) };
    const res = await send({ ...ON, READS_LIMITER: failing }, "/courses", { owner: unique("owner") });
    expect(res.status).toBe(200);
    expect(res.headers.has("RateLimit")).toBe(false);
  });

  it("requires each bound budget's limit and period, well formed", () => {
    const issues = (settings: object) => {
      const loaded = loadConfig(settings);
      return loaded.ok ? [] : loaded.issues.map((i) => i.variable);
    };
    expect(issues(ON)).toEqual([]);
    expect(issues({ ...ON, RATE_LIMIT_READS: undefined })).toEqual(["RATE_LIMIT_READS"]);
    for (const bad of ["600/30", "600", "0/60", "many/60"]) expect(issues({ ...ON, RATE_LIMIT_STARTS: bad })).toEqual(["RATE_LIMIT_STARTS"]);
    expect(issues({ ...ON, PLC_RATE_LIMIT: "sometimes" })).toEqual(["PLC_RATE_LIMIT"]);
    // Off, or without the binding, the var is not needed.
    expect(issues({ ...ON, PLC_RATE_LIMIT: "off", RATE_LIMIT_READS: undefined })).toEqual([]);
    expect(issues({ ...ON, READS_LIMITER: undefined, RATE_LIMIT_READS: undefined })).toEqual([]);
  });

  it("announces what wrangler.toml's [[ratelimits]] bindings enforce", () => {
    const bindings = [...wranglerToml.matchAll(/^\[\[ratelimits\]\]\nname = "(\w+)_LIMITER"\nnamespace_id = "(\d+)"\nsimple = \{ limit = (\d+), period = (\d+) \}$/gm)];
    const vars = Object.fromEntries([...wranglerToml.matchAll(/^RATE_LIMIT_(\w+) = "([^"]*)"$/gm)].map(([, name, value]) => [name, value]));
    expect(bindings.map(([, name]) => name).sort()).toEqual(["ANONYMOUS", "READS", "STARTS", "UPLOADS"]);
    for (const [, name, , limit, period] of bindings) expect(vars[name!], `RATE_LIMIT_${name}`).toBe(`${limit}/${period}`);
    expect(new Set(bindings.map(([, , namespace]) => namespace)).size).toBe(bindings.length);
  });
});
