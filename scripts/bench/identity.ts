/**
 * The bench's own identity provider, in Node: an RS256 and an ES256 signing key made with jose,
 * their public halves served as a JWKS over HTTP (what AUTH_JWKS_URL points the Worker at), and
 * tokens for BENCH_SUBJECT signed with them (a JWT may not speak for the reserved owner "local"). It counts how often the Worker fetched the key set
 * (once per isolate while its cache holds).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { onCleanup } from "../local-stack.ts";

export type Alg = "RS256" | "ES256";

export interface IdentityProvider {
  /** AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE for the Worker. */
  vars: Record<"AUTH_JWKS_URL" | "AUTH_ISSUER" | "AUTH_AUDIENCE", string>;
  /** A token for BENCH_SUBJECT, valid for an hour. */
  token(alg: Alg): Promise<string>;
  /** How many times the key set was fetched. */
  fetches(): number;
}

const ISSUER = "https://id.bench.pegasus.invalid/";
/** The owner the bench's JWTs and API key speak for; section E gives it a copy of the featured lecture. */
export const BENCH_SUBJECT = "bench-student";
const AUDIENCE = "pegasus-bench";

export async function startIdentityProvider(): Promise<IdentityProvider> {
  const keys = new Map<Alg, { kid: string; privateKey: CryptoKey }>();
  const published: object[] = [];
  for (const alg of ["RS256", "ES256"] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const kid = `bench-${alg.toLowerCase()}`;
    keys.set(alg, { kid, privateKey });
    published.push({ ...(await exportJWK(publicKey)), kid, alg, use: "sig" });
  }
  const body = JSON.stringify({ keys: published });
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/.well-known/jwks.json") {
      fetches++;
      res.writeHead(200, { "content-type": "application/jwk-set+json" }).end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const { port } = server.address() as AddressInfo;
  return {
    vars: { AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE },
    token: (alg) => {
      const { kid, privateKey } = keys.get(alg)!;
      return new SignJWT({ scope: "openid read write" })
        .setProtectedHeader({ alg, kid, typ: "JWT" })
        .setSubject(BENCH_SUBJECT)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey);
    },
    fetches: () => fetches,
  };
}
