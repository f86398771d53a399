/**
 * Whether a URL may receive webhooks: https only (http too in local mode), and a host that is
 * neither named nor resolved to a private, loopback, link-local or metadata address. Workers have
 * no DNS API, so names are resolved over DNS-over-HTTPS (JSON API, A and AAAA); every answer must
 * be public. Checked at registration and again before every attempt, since DNS changes.
 */
import type { Config } from "../config.ts";
import { classifyHostName, classifyIp, isAllowedTarget, type AddressClass } from "../domain/addresses.ts";

export type UrlCheck = { ok: true } | { ok: false; reason: string; unavailable?: boolean };

const DNS_TYPES = { A: 1, AAAA: 28 } as const;

interface DohAnswer {
  Status?: number;
  Answer?: { type: number; data: string }[];
}

/** The addresses a name resolves to, or an error when the resolver could not answer. */
async function resolve(dohUrl: string, host: string): Promise<{ addresses: string[] } | { error: string }> {
  const addresses: string[] = [];
  for (const [type, code] of Object.entries(DNS_TYPES)) {
    const url = new URL(dohUrl);
    url.searchParams.set("name", host);
    url.searchParams.set("type", type);
    let answer: DohAnswer;
    try {
      const res = await fetch(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(5_000) });
      if (!res.ok) return { error: `DNS-over-HTTPS answered ${res.status}` };
      answer = (await res.json()) as DohAnswer;
    } catch (error) {
      return { error: `DNS-over-HTTPS failed: ${(error as Error).message}` };
    }
    // 0 = NOERROR, 3 = NXDOMAIN (no addresses); anything else is the resolver's failure.
    if (answer.Status !== 0 && answer.Status !== 3) return { error: `DNS lookup failed (status ${answer.Status})` };
    for (const record of answer.Answer ?? []) if (record.type === code) addresses.push(record.data);
  }
  return { addresses };
}

const DESCRIBE: Record<Exclude<AddressClass, "public">, string> = {
  loopback: "a loopback address",
  private: "a private or reserved address",
  "link-local": "a link-local address",
  metadata: "a cloud metadata address",
};

export async function checkWebhookUrl(config: Pick<Config, "webhooks">, raw: string): Promise<UrlCheck> {
  const { allowLocal, dohUrl } = config.webhooks;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "The URL is not valid." };
  }
  if (url.protocol !== "https:" && !(allowLocal && url.protocol === "http:")) return { ok: false, reason: "Webhook URLs must use https." };
  if (url.username || url.password) return { ok: false, reason: "Webhook URLs must not carry credentials." };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const known = classifyHostName(host);
  if (known) return isAllowedTarget(known, allowLocal) ? { ok: true } : { ok: false, reason: `The host is ${DESCRIBE[known as Exclude<AddressClass, "public">]}.` };
  const resolved = await resolve(dohUrl, host);
  if ("error" in resolved) return { ok: false, reason: `The host could not be resolved: ${resolved.error}.`, unavailable: true };
  if (resolved.addresses.length === 0) return { ok: false, reason: "The host name does not resolve to an address." };
  for (const address of resolved.addresses) {
    const kind = classifyIp(address) ?? "private";
    if (!isAllowedTarget(kind, allowLocal)) return { ok: false, reason: `The host resolves to ${DESCRIBE[kind as Exclude<AddressClass, "public">]}.` };
  }
  return { ok: true };
}
