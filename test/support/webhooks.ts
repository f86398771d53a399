/**
 * Helpers for webhook tests: the local receiver (test/support/webhook-receiver.ts) and endpoints
 * registered against it.
 */
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { call, json, uid } from "./http.ts";

export const RECEIVER = env.TEST_WEBHOOK_RECEIVER;

export interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

/** A fresh receiver name with its behaviour set. */
export async function receiver(behaviour: { failFirst?: number; failStatus?: number; status?: number } = {}) {
  const name = uid("hook");
  await fetch(`${RECEIVER}/hooks/${name}/behaviour`, { method: "PUT", body: JSON.stringify(behaviour) });
  return { name, url: `${RECEIVER}/hooks/${name}` };
}

export async function received(name: string): Promise<ReceivedHook[]> {
  return (await (await fetch(`${RECEIVER}/hooks/${name}/received`)).json()) as ReceivedHook[];
}

export async function waitForReceived(name: string, count: number, timeout = 20_000): Promise<ReceivedHook[]> {
  return vi.waitFor(
    async () => {
      const list = await received(name);
      if (list.length < count) throw new Error(`${name} received ${list.length} of ${count}`);
      return list;
    },
    { timeout, interval: 100 },
  );
}

export async function registerWebhook(url: string, events: string[], headers?: HeadersInit) {
  const res = await call("/webhooks", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ url, events }) });
  if (res.status !== 201) throw new Error(`webhook registration failed: ${res.status} ${await res.text()}`);
  return json(res);
}

export async function deliveriesOf(webhookId: string, headers?: Record<string, string>) {
  return (await json(await call(`/webhooks/${webhookId}/deliveries`, { headers }))).deliveries as any[];
}
