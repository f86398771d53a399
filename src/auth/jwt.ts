/**
 * JWTs from the app's identity provider (Auth0, Clerk, Supabase, Firebase, Cognito, …), verified
 * against its published JWKS. A failed check says which in `detail`, never cryptographic internals.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { ApiError } from "../lib/problem.ts";
import { DEFAULT_OWNER, OWNER_PATTERN, type Scope } from "../domain/principal.ts";

export interface JwtSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/** Asymmetric only: an HMAC algorithm would let anyone holding the public key sign (alg confusion). */
const ALGORITHMS = ["RS256", "ES256", "EdDSA"];

/**
 * A key set's cache lives for the isolate, one per JWKS URL, so requests reuse fetched keys.
 * An unknown `kid` refetches the set, but at most once per COOLDOWN_MS (jose's default is 30 s):
 * a key the provider starts signing with is accepted within seconds, and a stream of made-up kids
 * costs the provider one fetch per isolate per cooldown. Keys are refetched every 10 minutes
 * regardless, so a key the provider withdrew stops working within that time.
 */
const COOLDOWN_MS = 5_000;
const CACHE_MAX_AGE_MS = 10 * 60_000;
/** A request waits at most this long for the provider's keys before its 503. */
const FETCH_TIMEOUT_MS = 3_000;
/** Clock skew allowed between the provider and the edge for exp and nbf. */
const CLOCK_TOLERANCE_SEC = 30;
/** Bounds the module-level cache should the URL ever vary (it does between tests). */
const MAX_KEY_SETS = 8;

const keySets = new Map<string, JWTVerifyGetKey>();

/** The provider's keys could not be fetched: a 503, as the credential itself may be fine. */
class KeysUnavailable extends Error {}

function keySetFor(jwksUrl: string): JWTVerifyGetKey {
  let keySet = keySets.get(jwksUrl);
  if (!keySet) {
    const remote = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: COOLDOWN_MS,
      cacheMaxAge: CACHE_MAX_AGE_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
    });
    // Anything but "no such key" from the resolver is about reaching the provider (network error,
    // timeout, non-200, a body that is not a key set).
    keySet = (header, token) =>
      remote(header, token).catch((error: unknown) => {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported)
          throw error;
        throw new KeysUnavailable("JWKS fetch failed", { cause: error });
      });
    if (keySets.size >= MAX_KEY_SETS) keySets.delete(keySets.keys().next().value!);
    keySets.set(jwksUrl, keySet);
  }
  return keySet;
}

/** A token that fails a check; its message is the problem's `detail` (authenticate.ts adds the challenge). */
export class InvalidJwt extends Error {
  override name = "InvalidJwt";
}

/** The detail for each way a token can fail; the default names nothing internal. */
function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The token has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "The token's issuer is not accepted.";
    if (error.claim === "aud") return "The token's audience is not accepted.";
    if (error.claim === "nbf" && error.reason === "check_failed") return "The token is not valid yet.";
    if (error.reason === "missing") return `The token lacks the \`${error.claim}\` claim.`;
    return `The token's \`${error.claim}\` claim is not valid.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return `The token's signing algorithm is not accepted (expected ${ALGORITHMS.join(", ")}).`;
  if (error instanceof errors.JWKSNoMatchingKey) return "The token's signing key is not among the identity provider's keys.";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSMultipleMatchingKeys)
    return "The token's signature could not be verified.";
  return "The token is malformed.";
}

async function verify(token: string, settings: JwtSettings): Promise<JWTPayload> {
  const options = {
    algorithms: ALGORITHMS,
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: CLOCK_TOLERANCE_SEC,
    requiredClaims: ["exp", "sub"],
  };
  try {
    return (await jwtVerify(token, keySetFor(settings.jwksUrl), options)).payload;
  } catch (error) {
    // A token without `kid` that more than one key could have signed: try each (jose's recipe).
    if (error instanceof errors.JWKSMultipleMatchingKeys) {
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, options)).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
    }
    throw error;
  }
}

/**
 * Scopes a token may narrow to: an OAuth `scope` (space-separated) or `scp` (array or string)
 * that names `read` or `write` limits the principal to those; one that names neither (e.g.
 * `openid profile`) is about other APIs and leaves the default. A token never gets `admin`.
 */
function scopesOf(payload: JWTPayload): Scope[] {
  const raw = payload.scope ?? payload.scp;
  const listed = typeof raw === "string" ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((s) => typeof s === "string") : [];
  if (listed.includes("write")) return ["read", "write"];
  if (listed.includes("read")) return ["read"];
  return ["read", "write"];
}

/**
 * The owner (the token's `sub`) and scopes of a verified token. Throws InvalidJwt for a token that
 * fails any check, or the 503 ApiError when the provider's keys cannot be fetched.
 */
export async function verifyJwt(token: string, settings: JwtSettings): Promise<{ owner: string; scopes: Scope[] }> {
  let payload: JWTPayload;
  try {
    payload = await verify(token, settings);
  } catch (error) {
    if (error instanceof KeysUnavailable) {
      console.error(JSON.stringify({ level: "error", msg: "identity provider keys unavailable", error: String(error.cause) }));
      throw new ApiError("identity_provider_unavailable", { headers: { "Retry-After": "5" } });
    }
    throw new InvalidJwt(describeFailure(error));
  }
  if (typeof payload.sub !== "string" || !OWNER_PATTERN.test(payload.sub))
    throw new InvalidJwt("The token's subject (`sub`) must be 1 to 200 visible ASCII characters.");
  // The default owner holds the data from before accounts and the admin token's: no user is it.
  if (payload.sub === DEFAULT_OWNER) throw new InvalidJwt(`The token's subject \`${DEFAULT_OWNER}\` is reserved by this API.`);
  return { owner: payload.sub, scopes: scopesOf(payload) };
}

/** Compact JWS: three base64url parts (the last is empty for `alg: none`, which is refused). */
export const looksLikeJwt = (credential: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
