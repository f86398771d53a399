import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-keys.ts";
import { servicesFromEnv } from "../../src/services.ts";
import { call, json, uid } from "../support/http.ts";

interface Created {
  id: string;
  key: string;
  prefix: string;
  name: string;
  scopes: string[];
  owner: string;
  createdAt: string;
}

const asKey = (key: string) => `Bearer ${key}`;

function post(body: unknown, authorization?: string) {
  return call("/api-keys", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(authorization ? { Authorization: authorization } : {}) },
    body: JSON.stringify(body),
  });
}

/** A key made with the admin token (for `owner` when given). */
async function createKey(scopes: string[], owner?: string, name = "test key"): Promise<Created> {
  const res = await post({ name, scopes, ...(owner ? { owner } : {}) });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

describe("POST /api-keys", () => {
  it("shows the secret once: a prefixed, high-entropy key whose list entry never includes it", async () => {
    const owner = uid("owner");
    const created = await createKey(["read", "write"], owner, "CI uploader");
    expect(created).toMatchObject({ name: "CI uploader", scopes: ["read", "write"], owner });
    expect(created.key).toMatch(/^plc_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(Date.now() - Date.parse(created.createdAt)).toBeLessThan(60_000);

    const listed = await call(`/api-keys?owner=${owner}`);
    const text = await listed.text();
    expect(listed.status).toBe(200);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(created.key.slice(12));
    const [entry] = JSON.parse(text).apiKeys;
    expect(entry).toEqual({ id: created.id, prefix: created.prefix, name: "CI uploader", scopes: ["read", "write"], owner, createdAt: created.createdAt, lastUsedAt: null });
  });

  it("stores only the SHA-256 of the key", async () => {
    const created = await createKey(["read"]);
    const { rows } = await servicesFromEnv(env).db.execute(sql`select * from api_keys where id = ${created.id}`);
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(created.key);
    expect(stored).not.toContain(created.key.slice(12));
    expect(rows[0]!.secret_hash).toBe(await hashApiKey(created.key));
  });

  it("keeps the secret out of every cache and of the Idempotency-Key store: a retry makes a new key", async () => {
    const idempotencyKey = uid("idem");
    const send = () =>
      call("/api-keys", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify({ name: "retried", scopes: ["read"] }),
      });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const { key } = await json(first);
    const { rows } = await servicesFromEnv(env).db.execute(sql`select * from idempotency_keys where key = ${idempotencyKey}`);
    expect(JSON.stringify(rows)).not.toContain(key.slice(12));
    const second = await send();
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(second)).key).not.toBe(key);
  });

  it("dedupes scopes and keeps them in order", async () => {
    const created = await createKey(["write", "read", "write"]);
    expect(created.scopes).toEqual(["read", "write"]);
  });

  it("defaults the owner to the caller's", async () => {
    const owner = uid("owner");
    const writer = await createKey(["write"], owner);
    const res = await post({ name: "made by a key", scopes: ["read"] }, asKey(writer.key));
    expect(res.status).toBe(201);
    expect((await json(res)).owner).toBe(owner);
  });

  it("validates the body: 422", async () => {
    const cases = [
      { scopes: ["read"] },
      { name: "", scopes: ["read"] },
      { name: "x".repeat(101), scopes: ["read"] },
      { name: "ok", scopes: [] },
      { name: "ok", scopes: ["root"] },
      { name: "ok", scopes: "read" },
      { name: "ok", scopes: ["read"], owner: "has space" },
      { name: "ok", scopes: ["read"], owner: "" },
    ];
    for (const body of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await json(res)).code).toBe("validation_failed");
    }
  });
});

describe("using an API key", () => {
  it("authenticates as its owner with its scopes, and records its use in the background", async () => {
    const owner = uid("owner");
    const created = await createKey(["read"], owner);
    const res = await call("/api-keys", { headers: { Authorization: asKey(created.key) } });
    expect(res.status).toBe(200);
    expect((await json(res)).apiKeys.map((k: { id: string }) => k.id)).toEqual([created.id]);

    // last_used_at is written after the response, off the request's path.
    let lastUsedAt: string | null = null;
    for (let i = 0; i < 50 && lastUsedAt === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [entry] = (await json(await call(`/api-keys?owner=${owner}`))).apiKeys;
      lastUsedAt = entry.lastUsedAt;
    }
    expect(lastUsedAt).not.toBeNull();
    expect(Date.now() - Date.parse(lastUsedAt!)).toBeLessThan(60_000);
  });

  it("refuses an unknown or malformed key with 401", async () => {
    for (const credential of [`plc_${"A".repeat(43)}`, "plc_short"]) {
      const res = await call("/api-keys", { headers: { Authorization: asKey(credential) } });
      const body = await json(res);
      expect(res.status).toBe(401);
      expect(body).toMatchObject({ code: "invalid_credential", detail: "The API key is not valid or has been revoked." });
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="pegasus", error="invalid_token"');
    }
  });

  it("is refused at once after DELETE", async () => {
    const created = await createKey(["write"]);
    expect((await call("/api-keys", { headers: { Authorization: asKey(created.key) } })).status).toBe(200);
    const deleted = await call(`/api-keys/${created.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    const after = await call("/api-keys", { headers: { Authorization: asKey(created.key) } });
    expect(after.status).toBe(401);
    expect((await json(after)).detail).toBe("The API key is not valid or has been revoked.");
    expect((await call(`/api-keys/${created.id}`, { method: "DELETE" })).status).toBe(404);
  });
});

describe("scopes", () => {
  it("a read key cannot create keys (or delete them)", async () => {
    const reader = await createKey(["read"]);
    const res = await post({ name: "x", scopes: ["read"] }, asKey(reader.key));
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("insufficient_scope");
    expect((await call(`/api-keys/${reader.id}`, { method: "DELETE", headers: { Authorization: asKey(reader.key) } })).status).toBe(403);
  });

  it("a write key cannot mint an admin key", async () => {
    const writer = await createKey(["write"]);
    const res = await post({ name: "x", scopes: ["read", "admin"] }, asKey(writer.key));
    expect(res.status).toBe(403);
    expect((await json(res)).detail).toMatch(/`admin`/);
  });

  it("only an admin may revoke an admin key, even one of the caller's own owner", async () => {
    const owner = uid("owner");
    const adminKey = await createKey(["admin"], owner);
    const writer = await createKey(["write"], owner);
    const refused = await call(`/api-keys/${adminKey.id}`, { method: "DELETE", headers: { Authorization: asKey(writer.key) } });
    expect(refused.status).toBe(403);
    expect((await json(refused)).detail).toBe("Only an admin credential may revoke an admin key.");
    expect((await call("/api-keys", { headers: { Authorization: asKey(adminKey.key) } })).status).toBe(200); // still valid
    expect((await call(`/api-keys/${writer.id}`, { method: "DELETE", headers: { Authorization: asKey(writer.key) } })).status).toBe(204);
    expect((await call(`/api-keys/${adminKey.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call("/api-keys", { headers: { Authorization: asKey(adminKey.key) } })).status).toBe(401);
  });

  it("only an admin may name an owner, when creating or listing", async () => {
    const owner = uid("owner");
    const writer = await createKey(["write"], owner);
    const created = await post({ name: "x", scopes: ["read"], owner: uid("victim") }, asKey(writer.key));
    expect(created.status).toBe(403);
    const listed = await call(`/api-keys?owner=${uid("victim")}`, { headers: { Authorization: asKey(writer.key) } });
    expect(listed.status).toBe(403);

    const admin = await createKey(["admin"]);
    const forOther = await post({ name: "x", scopes: ["write"], owner: "someone-else" }, asKey(admin.key));
    expect(forOther.status).toBe(201);
    expect((await json(forOther)).owner).toBe("someone-else");
  });
});

describe("owners", () => {
  it("another owner's key is a 404 on DELETE, and is not listed", async () => {
    const alice = await createKey(["write"], uid("alice"));
    const bob = await createKey(["write"], uid("bob"));

    const res = await call(`/api-keys/${alice.id}`, { method: "DELETE", headers: { Authorization: asKey(bob.key) } });
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("api_key_not_found");
    expect((await call("/api-keys", { headers: { Authorization: asKey(alice.key) } })).status).toBe(200);

    const bobs = await json(await call("/api-keys", { headers: { Authorization: asKey(bob.key) } }));
    expect(bobs.apiKeys.map((k: { id: string }) => k.id)).toEqual([bob.id]);
    expect((await call(`/api-keys/${bob.id}`, { method: "DELETE", headers: { Authorization: asKey(bob.key) } })).status).toBe(204);
  });

  it("an id that cannot exist is a 404 too", async () => {
    const res = await call("/api-keys/not%20an%20id", { method: "DELETE" });
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("api_key_not_found");
  });

  it("an admin sees every owner's keys, or one owner's when acting as it", async () => {
    const owner = uid("owner");
    const key = await createKey(["read"], owner);
    const all = await json(await call("/api-keys?limit=500"));
    expect(all.pagination.total).toBeGreaterThanOrEqual(2);
    const actingAs = await json(await call("/api-keys", { headers: { "Pegasus-Owner": owner } }));
    expect(actingAs.apiKeys.map((k: { id: string }) => k.id)).toEqual([key.id]);
  });
});

describe("GET /api-keys pagination", () => {
  it("pages newest first with the usual pagination object", async () => {
    const owner = uid("owner");
    const made: Created[] = [];
    for (const name of ["first", "second", "third"]) made.push(await createKey(["read"], owner, name));

    const page1 = await json(await call(`/api-keys?owner=${owner}&limit=2`));
    expect(page1.apiKeys.map((k: { name: string }) => k.name)).toEqual(["third", "second"]);
    expect(page1.pagination).toEqual({ limit: 2, offset: 0, count: 2, total: 3, hasMore: true, nextOffset: 2 });

    const page2 = await json(await call(`/api-keys?owner=${owner}&limit=2&offset=2`));
    expect(page2.apiKeys.map((k: { name: string }) => k.name)).toEqual(["first"]);
    expect(page2.pagination).toEqual({ limit: 2, offset: 2, count: 1, total: 3, hasMore: false, nextOffset: null });

    expect((await call(`/api-keys?limit=501`)).status).toBe(422);
  });
});
