/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of
 * random bytes; a message is signed as HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`
 * with the decoded secret, sent as `v1,<base64>`; several signatures (a rotation) are
 * space-separated.
 */
import { fromBase64, toBase64 } from "./secret-box.ts";

const PREFIX = "whsec_";

/** A new secret: 32 random bytes (the spec asks for 24 to 64). */
export function generateWebhookSecret(): string {
  return PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

async function signOne(secret: string, content: BufferSource): Promise<string> {
  const key = await crypto.subtle.importKey("raw", fromBase64(secret.slice(PREFIX.length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)))}`;
}

/** The three headers of one attempt; every secret given signs (newest first). */
export async function webhookHeaders(secrets: string[], id: string, timestampSec: number, body: string): Promise<Record<string, string>> {
  const content = new TextEncoder().encode(`${id}.${timestampSec}.${body}`);
  const signatures = await Promise.all(secrets.map((secret) => signOne(secret, content)));
  return { "webhook-id": id, "webhook-timestamp": String(timestampSec), "webhook-signature": signatures.join(" ") };
}
