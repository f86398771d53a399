/**
 * A stand-in for an identity provider's JWKS endpoint, run in Node by the global setup. Tests
 * inside workerd cannot reach its memory, so they publish keys over HTTP:
 *
 *   PUT /jwks/<set>          store a JWKS (the body) under that name
 *   GET /jwks/<set>          the stored JWKS ({"keys": []} until one is stored), as a provider serves it
 *   GET /jwks-fetches/<set>  how many times GET /jwks/<set> was requested: {"fetches": n}
 *   GET /status/<code>       answers with that status (a provider that is down)
 *
 * Each test may use its own set name, so the Worker's per-URL key cache starts empty for it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface JwksServer {
  port: number;
  close(): Promise<void>;
}

export async function startJwksServer(port = 0): Promise<JwksServer> {
  const sets = new Map<string, unknown>();
  const fetches = new Map<string, number>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://jwks");
    const [, kind, name = ""] = url.pathname.split("/");
    if (kind === "jwks" && req.method === "PUT") {
      const body = JSON.parse(await readBody(req)) as unknown;
      sets.set(name, body);
      res.writeHead(204).end();
      return;
    }
    if (kind === "jwks" && req.method === "GET") {
      fetches.set(name, (fetches.get(name) ?? 0) + 1);
      return send(res, 200, sets.get(name) ?? { keys: [] }, "application/jwk-set+json");
    }
    if (kind === "jwks-fetches" && req.method === "GET") return send(res, 200, { fetches: fetches.get(name) ?? 0 });
    if (kind === "status") return send(res, Number(name) || 500, { error: "simulated" });
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
  res.writeHead(status, { "content-type": type }).end(JSON.stringify(body));
}
