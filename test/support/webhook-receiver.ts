/**
 * A webhook receiver and a DNS-over-HTTPS stand-in, run in Node by the global setup (tests inside
 * workerd reach them over HTTP):
 *
 *   POST /hooks/<name>            a receiver: records the request, answers per its behaviour
 *   PUT  /hooks/<name>/behaviour  {failFirst?, failStatus?, status?}: the first `failFirst` requests
 *                                 get `failStatus` (default 500), the rest `status` (default 204)
 *   GET  /hooks/<name>/received   what it received: [{headers, body, receivedAt}]
 *   GET  /dns-query?name=&type=   DNS JSON API answers from the fixed table below (A and AAAA)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Names the tests register webhooks for, and what they resolve to. Anything else: NXDOMAIN. */
export const DNS_TABLE: Record<string, { A?: string[]; AAAA?: string[] }> = {
  "public.pegasus.test": { A: ["93.184.215.14"], AAAA: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] },
  "private.pegasus.test": { A: ["10.20.30.40"] },
  "mixed.pegasus.test": { A: ["93.184.215.14"], AAAA: ["fd12:3456::1"] },
  "metadata-alias.pegasus.test": { A: ["169.254.169.254"] },
  "loopback.pegasus.test": { A: ["127.0.0.1"] },
};

interface Received {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

export interface WebhookReceiver {
  port: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const received = new Map<string, Received[]>();
  const behaviour = new Map<string, { failFirst: number; failStatus: number; status: number }>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://receiver");
    if (url.pathname === "/dns-query") {
      const name = (url.searchParams.get("name") ?? "").toLowerCase();
      const type = url.searchParams.get("type") === "AAAA" ? "AAAA" : "A";
      const entry = DNS_TABLE[name];
      const answers = (entry?.[type] ?? []).map((data) => ({ name, type: type === "A" ? 1 : 28, TTL: 60, data }));
      return send(res, 200, { Status: entry ? 0 : 3, Answer: answers }, "application/dns-json");
    }
    const [, kind, name = "", action] = url.pathname.split("/");
    if (kind !== "hooks") return send(res, 404, { error: "not found" });
    if (req.method === "PUT" && action === "behaviour") {
      const body = JSON.parse(await readBody(req)) as { failFirst?: number; failStatus?: number; status?: number };
      behaviour.set(name, { failFirst: body.failFirst ?? 0, failStatus: body.failStatus ?? 500, status: body.status ?? 204 });
      return send(res, 204, null);
    }
    if (req.method === "GET" && action === "received") return send(res, 200, received.get(name) ?? []);
    if (req.method === "POST" && action === undefined) {
      const body = await readBody(req);
      const list = received.get(name) ?? [];
      list.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body, receivedAt: Date.now() });
      received.set(name, list);
      const b = behaviour.get(name) ?? { failFirst: 0, failStatus: 500, status: 204 };
      const status = list.length <= b.failFirst ? b.failStatus : b.status;
      return send(res, status, status === 204 ? null : { received: list.length });
    }
    return send(res, 404, { error: "not found" });
  }

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json") {
  if (body === null || status === 204) res.writeHead(status).end();
  else res.writeHead(status, { "content-type": type }).end(JSON.stringify(body));
}
