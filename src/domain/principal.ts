/**
 * Who is calling: the owner whose data a request may see and change, and what it may do.
 * Pure: no I/O. Credentials are turned into a principal by `src/auth/authenticate.ts`.
 */

/** `read` < `write` < `admin`: each scope includes the ones before it. */
export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The owner of everything created before accounts existed, of every request while `PLC_AUTH=off`,
 * and the namespace of the bootstrap admin token.
 */
export const DEFAULT_OWNER = "local";

export interface Principal {
  /** The owner id: a JWT's `sub`, an API key's owner, or DEFAULT_OWNER. */
  owner: string;
  scopes: Scope[];
  via: "jwt" | "api_key" | "admin_token" | "open";
  /** The API key used, when `via` is `api_key`. */
  keyId?: string;
  /** An admin credential acting as `owner` through the Pegasus-Owner header. */
  actingAs?: boolean;
}

export function hasScope(principal: Pick<Principal, "scopes">, needed: Scope): boolean {
  const rank = SCOPES.indexOf(needed);
  return principal.scopes.some((scope) => SCOPES.indexOf(scope) >= rank);
}

/** Owner ids are opaque strings from identity providers (`auth0|5f…`, a UUID, an email). */
export const OWNER_PATTERN = /^[\x21-\x7e]{1,200}$/;
