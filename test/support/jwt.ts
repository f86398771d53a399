/**
 * An identity provider for tests: signing keys made inside workerd, their public halves published
 * to the local JWKS server (test/support/jwks-server.ts), and tokens signed with jose.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";

export const ISSUER = env.AUTH_ISSUER;
export const AUDIENCE = env.AUTH_AUDIENCE;

/** The URL of a named key set; the test bindings point AUTH_JWKS_URL at the set `default`. */
export const jwksUrl = (set: string) => `${env.TEST_JWKS_BASE}/jwks/${set}`;

export type Alg = "RS256" | "ES256" | "EdDSA";

export interface SigningKey {
  alg: Alg;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(alg: Alg, kid = `${alg}-${crypto.randomUUID().slice(0, 8)}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519" } : undefined);
  return { alg, kid, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** Replaces the named set with these keys' public halves. */
export async function publish(set: string, keys: SigningKey[]): Promise<void> {
  const res = await fetch(jwksUrl(set), { method: "PUT", body: JSON.stringify({ keys: keys.map((k) => k.publicJwk) }) });
  if (res.status !== 204) throw new Error(`publishing the JWKS failed: ${res.status}`);
}

/** How often the Worker fetched the named set. */
export async function fetchesOf(set: string): Promise<number> {
  const res = await fetch(`${env.TEST_JWKS_BASE}/jwks-fetches/${set}`);
  return ((await res.json()) as { fetches: number }).fetches;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * A token signed by `key` with valid claims for the test configuration; `claims` overrides them
 * (undefined removes one) and `header` the protected header.
 */
export async function sign(key: SigningKey, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload: JWTPayload = { sub: `user-${crypto.randomUUID()}`, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).sign(key.privateKey);
}

export { now };

/** `alg: none`: no signature at all. */
export function unsigned(claims: JWTPayload): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ iss: ISSUER, aud: AUDIENCE, exp: now() + 600, ...claims })}.`;
}

export const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
