/**
 * A proxy in front of the Neon gateway that can make the database fail the ways a real one does,
 * used by the test suite (started by its global setup) and by `npm run chaos`. The first path
 * segment picks the behaviour of a request:
 *   /sql           forwarded, unless a fault is switched on (POST /__fault {"mode": ...})
 *   /hang/sql      never answered (a database that has gone silent)
 *   /refuse/sql    the connection is dropped (a database that is down)
 * The switchable modes are "hang", "refuse" and "pass" (the default); GET /__fault tells the mode
 * and since when (epoch ms) it is in force. A fault can also be armed
 * to begin right after a request whose body contains a string has changed at least one row, and to
 * last a while: {"mode": "refuse", "after": "set status = 'running'", "forMs": 3000} takes the
 * database away just after a consumer has claimed a job, i.e. in the middle of its stage. A claim
 * that matched nothing (a stale redelivery of a finished job) does not set it off. In the suite, only
 * the `workerd-faults` project sends its database traffic through /sql, so switching a fault never
 * disturbs another project's tests.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

type Mode = "pass" | "hang" | "refuse";

export interface FaultProxy {
  port: number;
  close(): Promise<void>;
}

/** Whether a Neon HTTP answer (one statement, or a transaction's `results`) reports a changed row. */
function changedRows(answer: Buffer): boolean {
  try {
    const parsed = JSON.parse(answer.toString("utf8")) as { rowCount?: number; results?: { rowCount?: number }[] };
    const counts = parsed.results ? parsed.results.map((r) => r.rowCount ?? 0) : [parsed.rowCount ?? 0];
    return counts.some((count) => count > 0);
  } catch {
    return false;
  }
}

export async function startFaultProxy(gatewayPort: number): Promise<FaultProxy> {
  let mode: Mode = "pass";
  let armed: { mode: Mode; after: string; forMs: number } | null = null;
  let changedAt = Date.now();
  // Each order starts a new generation, so the end timer of an earlier fault cannot cut a later one short.
  let generation = 0;
  const held = new Set<Socket>();
  const switchTo = (next: Mode) => {
    if (next !== mode) changedAt = Date.now();
    mode = next;
    if (next === "pass") for (const socket of held) socket.destroy();
  };

  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    if (path === "/__fault" && req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ mode, armed: armed !== null, changedAt }));
      return;
    }
    if (path === "/__fault" && req.method === "POST") {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const order = JSON.parse(body || "{}") as { mode?: Mode; after?: string; forMs?: number };
        armed = null;
        generation += 1;
        if (order.after) armed = { mode: order.mode ?? "refuse", after: order.after, forMs: order.forMs ?? 3000 };
        switchTo(order.after ? "pass" : (order.mode ?? "pass"));
        res.writeHead(204).end();
      });
      return;
    }
    const fixed = /^\/(hang|refuse)\//.exec(path)?.[1] as Mode | undefined;
    const effective = fixed ?? mode;
    if (effective === "hang") {
      held.add(req.socket);
      req.socket.once("close", () => held.delete(req.socket));
      req.resume();
      return;
    }
    if (effective === "refuse") {
      req.socket.destroy();
      return;
    }
    const forward = (body: Buffer) => {
      const trigger = armed && body.includes(armed.after) ? armed : null;
      const target = { host: "127.0.0.1", port: gatewayPort, method: req.method, path: path.replace(/^\/(hang|refuse)\//, "/"), headers: req.headers };
      const upstream = http.request(target, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!trigger) {
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => parts.push(chunk));
        answer.on("end", () => {
          const answerBody = Buffer.concat(parts);
          if (armed === trigger && changedRows(answerBody)) {
            // The triggering request itself succeeds; the fault starts as its answer goes back.
            armed = null;
            const mine = generation;
            switchTo(trigger.mode);
            setTimeout(() => mine === generation && switchTo("pass"), trigger.forMs);
          }
          res.end(answerBody);
        });
      });
      upstream.on("error", () => res.destroy());
      upstream.end(body);
    };
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => forward(Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of held) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
