import { exportSPKI, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { call, callWith, json } from "../support/http.ts";
import { AUDIENCE, bearer, fetchesOf, ISSUER, jwksUrl, now, publish, sign, signingKey, unsigned, type Alg, type SigningKey } from "../support/jwt.ts";

const INVALID_TOKEN = 'Bearer realm="pegasus", error="invalid_token"';

/** The default set (AUTH_JWKS_URL of the test bindings), published once before the first request. */
const keys = {} as Record<Alg, SigningKey>;

beforeAll(async () => {
  for (const alg of ["RS256", "ES256", "EdDSA"] as const) keys[alg] = await signingKey(alg);
  await publish("default", Object.values(keys));
});

async function expectRejected(token: string, detail: string | RegExp) {
  const res = await call("/api-keys", bearer(token));
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(401);
  expect(body.code).toBe("invalid_credential");
  expect(body.detail).toMatch(detail);
  expect(res.headers.get("www-authenticate")).toBe(INVALID_TOKEN);
  return body;
}

describe("JWTs from the identity provider", () => {
  it.each(["RS256", "ES256", "EdDSA"] as const)("accepts a valid %s token: the owner is its sub, with read and write", async (alg) => {
    const sub = `auth0|${crypto.randomUUID()}`;
    const token = await sign(keys[alg], { sub });

    const listed = await call("/api-keys", bearer(token));
    expect(listed.status).toBe(200);
    expect((await json(listed)).apiKeys).toEqual([]);

    const created = await call("/api-keys", {
      method: "POST",
      headers: { ...bearer(token).headers, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "from a JWT", scopes: ["read", "write"] }),
    });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ owner: sub, scopes: ["read", "write"] });
  });

  it("refuses an expired token", async () => {
    await expectRejected(await sign(keys.RS256, { exp: now() - 3600, iat: now() - 7200 }), "The token has expired.");
  });

  it("refuses a token that is not valid yet (nbf)", async () => {
    await expectRejected(await sign(keys.ES256, { nbf: now() + 3600 }), "The token is not valid yet.");
  });

  it("refuses a token from another issuer", async () => {
    await expectRejected(await sign(keys.RS256, { iss: "https://evil.example/" }), "The token's issuer is not accepted.");
  });

  it("refuses a token for another audience", async () => {
    await expectRejected(await sign(keys.EdDSA, { aud: "https://other-api.example" }), "The token's audience is not accepted.");
  });

  it("refuses a token without a subject or without an expiry", async () => {
    await expectRejected(await sign(keys.RS256, { sub: undefined }), "The token lacks the `sub` claim.");
    await expectRejected(await sign(keys.RS256, { exp: undefined }), "The token lacks the `exp` claim.");
  });

  it("refuses the reserved subject of the data from before accounts", async () => {
    await expectRejected(await sign(keys.ES256, { sub: "local" }), "The token's subject `local` is reserved by this API.");
  });

  it("takes its keys only over https (or from this machine): anything else is a configuration error", async () => {
    const res = await callWith({ AUTH_JWKS_URL: "http://idp.example/.well-known/jwks.json" }, "/courses");
    expect(res.status).toBe(500);
    expect((await json(res)).detail).toContain("AUTH_JWKS_URL");
  });

  it("refuses a token signed by another key under a published kid", async () => {
    const impostor = await signingKey("RS256", keys.RS256.kid);
    await expectRejected(await sign(impostor), "The token's signature could not be verified.");
  });

  it("refuses alg: none", async () => {
    const body = await expectRejected(unsigned({ sub: "mallory" }), /signing algorithm is not accepted/);
    expect(body.detail).not.toMatch(/none|JOSE|ERR_/);
  });

  it("refuses HS256 signed with the provider's public key as the secret (algorithm confusion)", async () => {
    const secret = new TextEncoder().encode(await exportSPKI(keys.RS256.publicKey));
    const token = await new SignJWT({ sub: "mallory", iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })
      .setProtectedHeader({ alg: "HS256", kid: keys.RS256.kid })
      .sign(secret);
    await expectRejected(token, /signing algorithm is not accepted/);
  });

  it("refuses a malformed token without naming internals", async () => {
    const body = await expectRejected("bm90LWpzb24.eyJzdWIiOiJ4In0.c2ln", "The token is malformed.");
    expect(JSON.stringify(body)).not.toMatch(/JOSE|JWS|ERR_/);
  });

  it("narrows to the scopes a `scope` claim names, and never grants admin", async () => {
    const reader = await sign(keys.ES256, { scope: "openid profile read" });
    expect((await call("/api-keys", bearer(reader))).status).toBe(200);
    const post = await call("/api-keys", {
      method: "POST",
      headers: { ...bearer(reader).headers, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x", scopes: ["read"] }),
    });
    expect(post.status).toBe(403);
    expect((await json(post)).code).toBe("insufficient_scope");

    const wouldBeAdmin = await sign(keys.ES256, { scp: ["admin"] });
    const asAdmin = await call("/api-keys", { headers: { ...bearer(wouldBeAdmin).headers, "Pegasus-Owner": "local" } });
    expect(asAdmin.status).toBe(403);
    const adminKey = await call("/api-keys", {
      method: "POST",
      headers: { ...bearer(wouldBeAdmin).headers, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x", scopes: ["admin"] }),
    });
    expect(adminKey.status).toBe(403);
  });

  it("fetches the key set once and reuses it across requests", async () => {
    const set = `reuse-${crypto.randomUUID().slice(0, 8)}`;
    const key = await signingKey("ES256");
    await publish(set, [key]);
    for (let i = 0; i < 3; i++) {
      const res = await callWith({ AUTH_JWKS_URL: jwksUrl(set) }, "/api-keys", bearer(await sign(key)));
      expect(res.status).toBe(200);
    }
    expect(await fetchesOf(set)).toBe(1);
  });

  it("picks up a rotated key: an unknown kid refetches the key set (after a short cooldown)", async () => {
    const set = `rotation-${crypto.randomUUID().slice(0, 8)}`;
    const settings = { AUTH_JWKS_URL: jwksUrl(set) };
    const before = await signingKey("RS256");
    await publish(set, [before]);
    expect((await callWith(settings, "/api-keys", bearer(await sign(before)))).status).toBe(200);

    // The provider starts signing with a key it has not published yet: refused, without a refetch
    // storm (the set was fetched a moment ago).
    const after = await signingKey("EdDSA");
    const early = await callWith(settings, "/api-keys", bearer(await sign(after)));
    expect(early.status).toBe(401);
    expect((await json(early)).detail).toBe("The token's signing key is not among the identity provider's keys.");
    expect(await fetchesOf(set)).toBe(1);

    // Rotation: the new key is published and the old one withdrawn. Past the cooldown, the unknown
    // kid makes the Worker fetch the set again.
    await publish(set, [after]);
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    const rotated = await callWith(settings, "/api-keys", bearer(await sign(after)));
    expect(rotated.status).toBe(200);
    expect(await fetchesOf(set)).toBe(2);
    const withdrawn = await callWith(settings, "/api-keys", bearer(await sign(before)));
    expect(withdrawn.status).toBe(401);
  });

  it("answers 503 when the provider's keys cannot be fetched: unreachable, or an error status", async () => {
    const token = await sign(keys.RS256);
    for (const url of ["http://127.0.0.1:9/.well-known/jwks.json", `${jwksUrl("x").replace(/\/jwks\/x$/, "")}/status/500`]) {
      const res = await callWith({ AUTH_JWKS_URL: url }, "/api-keys", bearer(token));
      const body = await json(res);
      expect(res.status, url).toBe(503);
      expect(body.code).toBe("identity_provider_unavailable");
      expect(res.headers.get("retry-after")).toBe("5");
    }
  });

  it("refuses JWTs when no identity provider is configured", async () => {
    const res = await callWith({ AUTH_JWKS_URL: "", AUTH_ISSUER: "", AUTH_AUDIENCE: "" }, "/api-keys", bearer(await sign(keys.RS256)));
    expect(res.status).toBe(401);
    expect((await json(res)).detail).toMatch(/no identity provider is configured/);
  });
});

describe("no credential", () => {
  it("is a 401 with a Bearer challenge", async () => {
    const res = await call("/api-keys", { headers: { Authorization: "" } });
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe("unauthenticated");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="pegasus"');
  });
});
