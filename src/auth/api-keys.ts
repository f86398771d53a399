/**
 * API key format and hashing. Pure and WebCrypto only, so the Worker and Node scripts
 * (scripts/dev-token.ts) make and hash keys the same way.
 *
 * A key is `plc_` + 32 random bytes in base64url (47 characters). Only its SHA-256 (hex) is stored:
 * the key is random enough that a plain hash cannot be reversed, and equality on the hash is a
 * single indexed lookup.
 */

/** Recognisable in logs and secret scanners, and how a bearer credential is told apart from a JWT. */
export const API_KEY_PREFIX = "plc_";
const SECRET_BYTES = 32;
/** What is shown in lists to tell keys apart: the prefix and 8 characters of the secret. */
export const DISPLAY_PREFIX_LENGTH = 12;

const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`);

export const isApiKeyCredential = (credential: string) => credential.startsWith(API_KEY_PREFIX);

/** Whether a credential could be a key at all: a malformed one is refused without a lookup. */
export const isWellFormedApiKey = (credential: string) => API_KEY_PATTERN.test(credential);

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function generateApiKey(): { key: string; prefix: string } {
  const key = API_KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** SHA-256 of the key, lowercase hex: the `secret_hash` column. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
