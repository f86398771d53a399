/**
 * Local Neon gateway: speaks Neon's SQL-over-HTTP protocol (the one `@neondatabase/serverless`
 * uses for `neon()` queries and `transaction()` batches) in front of embedded PGlite or any
 * PostgreSQL server. Development and tests only; production talks to Neon itself.
 *
 * Run standalone: `node scripts/neon-gateway.ts` (PGlite under .data/pglite, port 4444), or with
 * DATABASE_URL=postgresql://... to serve that server instead.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { isMain } from "./is-main.ts";

/** Keep every value as the text Postgres sent: the driver parses it by `dataTypeID`. */
const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value };

const ISOLATION_LEVELS: Record<string, string> = {
  Serializable: "SERIALIZABLE",
  RepeatableRead: "REPEATABLE READ",
  ReadCommitted: "READ COMMITTED",
  ReadUncommitted: "READ UNCOMMITTED",
};

/** Error fields Neon copies from the Postgres error response (the driver reads the same list). */
const ERROR_FIELDS = [
  "severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where",
  "schema", "table", "column", "dataType", "constraint", "file", "line", "routine",
] as const;

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export type GatewayBackend =
  | { kind: "pglite"; dataDir?: string }
  | { kind: "pg"; connectionString: string; maxConnections?: number };

export interface GatewayOptions {
  backend: GatewayBackend;
  port?: number;
  host?: string;
}

export interface Gateway {
  port: number;
  url: string;
  /** Number of SQL-over-HTTP requests served; the bench uses it to count round trips. */
  requestCount(): number;
  close(): Promise<void>;
}

interface Pool {
  pool: pg.Pool;
  close(): Promise<void>;
}

async function openPool(backend: GatewayBackend): Promise<Pool> {
  if (backend.kind === "pglite") {
    const { PGlite } = await import("@electric-sql/pglite");
    const { createPgConfig } = await import("@electric-sql/pglite/node-postgres");
    const db = await PGlite.create(backend.dataDir);
    // PGlite is a single connection: the pool of one serialises requests, as a real server would
    // serialise conflicting transactions.
    const pool = new pg.Pool({ ...(createPgConfig(db) as object), max: 1, types: RAW_TEXT_TYPES });
    return {
      pool,
      close: async () => {
        await pool.end();
        await db.close();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: backend.connectionString,
    max: backend.maxConnections ?? 10,
    types: RAW_TEXT_TYPES,
  });
  // An idle client that loses its server emits here; without a listener it would crash the process.
  pool.on("error", () => {});
  return { pool, close: () => pool.end() };
}

interface SqlQuery {
  query: string;
  params?: unknown[];
}

class RequestError extends Error {}

function parseQuery(value: unknown): SqlQuery {
  if (typeof value !== "object" || value === null) throw new RequestError("each query must be an object");
  const { query, params } = value as Record<string, unknown>;
  if (typeof query !== "string") throw new RequestError("query must be a string");
  if (params !== undefined && !Array.isArray(params)) throw new RequestError("params must be an array");
  return { query, params: params as unknown[] | undefined };
}

async function runQuery(client: pg.PoolClient, q: SqlQuery, arrayMode: boolean) {
  // The extended protocol, as Neon uses: one statement per query, multi-statement text is refused.
  const result = await client.query({
    text: q.query,
    values: q.params ?? [],
    rowMode: "array",
    queryMode: "extended",
  } as pg.QueryArrayConfig);
  const fields = result.fields.map((f) => ({
    name: f.name,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeID: f.dataTypeID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: f.format,
  }));
  const rows = arrayMode
    ? result.rows
    : result.rows.map((row) => Object.fromEntries(row.map((v, i) => [fields[i]!.name, v])));
  return { command: result.command, rowCount: result.rowCount, rows, fields, rowAsArray: arrayMode };
}

function batchBegin(headers: http.IncomingHttpHeaders): string {
  const parts = ["BEGIN"];
  const isolation = headers["neon-batch-isolation-level"];
  if (typeof isolation === "string") {
    const level = ISOLATION_LEVELS[isolation];
    if (!level) throw new RequestError(`invalid Neon-Batch-Isolation-Level: ${isolation}`);
    parts.push(`ISOLATION LEVEL ${level}`);
  }
  if (headers["neon-batch-read-only"] === "true") parts.push("READ ONLY");
  if (headers["neon-batch-deferrable"] === "true") parts.push("DEFERRABLE");
  return parts.join(" ");
}

function isPostgresError(error: unknown): error is pg.DatabaseError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { pool, close: closePool } = await openPool(options.backend);
  let served = 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    if (req.method === "GET" && (req.url === "/" || req.url === "/health")) return send(res, 200, { status: "ok" });
    if (req.method !== "POST" || !req.url?.startsWith("/sql")) return send(res, 404, { message: "not found" });
    served++;

    let client: pg.PoolClient | undefined;
    let broken = false;
    try {
      if (!req.headers["neon-connection-string"]) throw new RequestError("missing Neon-Connection-String header");
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (error) {
        if (error instanceof RequestError) throw error;
        throw new RequestError("request body is not valid JSON");
      }
      const arrayMode = req.headers["neon-array-mode"] === "true";
      const isBatch = typeof body === "object" && body !== null && "queries" in body;

      if (isBatch) {
        const list = (body as { queries: unknown }).queries;
        if (!Array.isArray(list)) throw new RequestError("queries must be an array");
        const queries = list.map(parseQuery);
        const begin = batchBegin(req.headers);
        client = await pool.connect();
        await client.query(begin);
        try {
          const results = [];
          for (const q of queries) results.push(await runQuery(client, q, arrayMode));
          await client.query("COMMIT");
          return send(res, 200, { results });
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {
            broken = true;
          });
          throw error;
        }
      }

      const query = parseQuery(body);
      client = await pool.connect();
      return send(res, 200, await runQuery(client, query, arrayMode));
    } catch (error) {
      if (error instanceof RequestError) return send(res, 400, { message: error.message });
      if (isPostgresError(error)) {
        const body: Record<string, unknown> = { message: error.message };
        for (const field of ERROR_FIELDS) if (error[field] !== undefined) body[field] = error[field];
        return send(res, 400, body);
      }
      // Not a Postgres error: the backend is unreachable or the connection broke.
      broken = true;
      const message = error instanceof Error ? error.message : String(error);
      return send(res, 503, { message: `database unavailable: ${message}` });
    } finally {
      client?.release(broken);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) send(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/sql`,
    requestCount: () => served,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await closePool();
    },
  };
}

/** `postgres://` or `postgresql://` URLs select a real server; anything else means embedded PGlite. */
export function backendFromEnv(env: NodeJS.ProcessEnv, pgliteDir: string): GatewayBackend {
  const url = env.DATABASE_URL;
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: "pg", connectionString: url };
  return { kind: "pglite", dataDir: pgliteDir };
}

if (isMain(import.meta.url)) {
  const backend = backendFromEnv(process.env, ".data/pglite");
  const gateway = await startGateway({ backend, port: Number(process.env.NEON_GATEWAY_PORT ?? 4444) });
  console.log(`neon gateway (${backend.kind}) listening on ${gateway.url}`);
  const stop = async () => {
    await gateway.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
