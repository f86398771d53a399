/**
 * The local stack as the bench and the chaos campaign run it: a Neon gateway over its own database
 * (fresh in-memory PGlite, or a scratch database on a PostgreSQL server, dropped afterwards) and
 * `wrangler dev` on a snapshot of the tree with its own state directory. Each start registers its
 * own cleanup; `runCleanups` undoes everything in reverse order.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { applyMigrations } from "./migrate.ts";
import { startGateway, type Gateway } from "./neon-gateway.ts";

export const root = path.resolve(import.meta.dirname, "..");
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(step: () => Promise<void> | void) {
  cleanups.push(step);
}

/** Runs once, whoever asks first (the end of the run or a signal); later callers wait for it. */
export function runCleanups(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await Promise.resolve().then(step).catch((e: Error) => console.error(`cleanup: ${e.message}`));
  })());
}

/** Waits until nothing listens on `port` any more (a killed server's socket may linger briefly). */
async function portReleased(port: number, timeoutMs = 30_000) {
  const started = Date.now();
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer().once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() - started > timeoutMs) throw new Error(`port ${port} still in use ${timeoutMs / 1000} s after wrangler dev stopped`);
    await sleep(250);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Direct and indirect children of `pid` whose executable is workerd. */
export function workerdPids(pid: number): number[] {
  return descendants(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/comm`, "utf8").trim() === "workerd";
    } catch {
      return false; // ended meanwhile
    }
  });
}

/** Every direct and indirect child of `pid`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {} // the process ended meanwhile
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const child = queue.shift()!;
    queue.push(...(children.get(child) ?? []));
    found.push(child);
  }
  return found;
}

export interface LocalDatabase {
  gateway: Gateway;
  databaseUrl: string;
  description: string;
}

/** The gateway over a fresh database, migrated. `serverUrl` names a PostgreSQL server to use instead of PGlite. */
export async function startDatabase(serverUrl: string | undefined, label: string): Promise<LocalDatabase> {
  let backend: Parameters<typeof startGateway>[0]["backend"] = { kind: "pglite" };
  let databaseUrl = `postgresql://${label}:${label}@localhost:5432/${label}`; // the gateway ignores it for PGlite
  if (serverUrl) {
    // A scratch database, dropped at the end, so existing data is never touched.
    const name = `pegasus_${label}_${process.pid}_${Date.now()}`;
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(statement).finally(() => client.end());
    };
    await admin(`create database ${name}`);
    onCleanup(() => admin(`drop database if exists ${name} with (force)`));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    backend = { kind: "pg", connectionString: databaseUrl };
  }
  const gateway = await startGateway({ backend, port: 0 });
  onCleanup(() => gateway.close());
  await applyMigrations(databaseUrl, gateway.url);
  return { gateway, databaseUrl, description: serverUrl ? `scratch database on ${new URL(serverUrl).host}` : "in-memory PGlite" };
}

/**
 * How a bench or campaign Worker is run with accounts: authentication required, as deployed, with
 * a bootstrap admin token made afresh for this run (owner "local", admin scope), which the run's
 * own clients send as `Authorization: Bearer <token>` (see `bearer`).
 */
export const adminToken = randomBytes(32).toString("base64url");
export const bearer = (credential = adminToken) => `Bearer ${credential}`;
export const accountVars = {
  PLC_AUTH: "required",
  PLC_ADMIN_TOKEN: adminToken,
  // Rate limits off: a load test is one owner from one address, so every request would spend the
  // same owner's budgets (10 uploads a minute against the bench's 100-lecture upload, 600 reads a
  // minute against its bursts) and what got measured would be 429s, not Pegasus. The limiter has
  // its own tests; here it would only be in the way.
  PLC_RATE_LIMIT: "off",
};

export interface LocalWorker {
  base: string;
  /** The current wrangler process (a restart replaces it). */
  process(): ChildProcess;
  /** Kills wrangler dev and its workerd processes at once, as a crash would. */
  crash(): Promise<void>;
  /** Stops wrangler dev (SIGTERM, then whatever of its tree is left), before the run's cleanup. */
  stop(): Promise<void>;
  /** Starts wrangler dev again on the same port and state, and waits until it answers. */
  restart(): Promise<number>;
  exitReason(): string;
}

export interface WorkerOptions {
  /** Worker variables (written to a private env file; nothing else reaches the Worker). */
  vars: Record<string, string>;
  /** A scratch directory: the tree's snapshot and wrangler's state go there. */
  tmp: string;
  extraArgs?: string[];
  /** Every line wrangler prints. */
  onLine?: (line: string) => void;
  /** Runs this module (JavaScript source) as the Worker instead of Pegasus, with no bindings. */
  script?: string;
}

/**
 * `wrangler dev` on a snapshot of the tree (it rebuilds whenever a source file changes, and a
 * reload drops the in-memory queue; others may edit this tree meanwhile).
 */
export async function startWorker(options: WorkerOptions): Promise<LocalWorker> {
  mkdirSync(options.tmp, { recursive: true });
  const envFile = path.join(options.tmp, "worker.env");
  writeFileSync(envFile, Object.entries({ PLC_WORKERS_AI: "off", ...options.vars }).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });
  const app = path.join(options.tmp, "app");
  let entryArgs: string[] = [];
  if (options.script !== undefined) {
    mkdirSync(app, { recursive: true });
    writeFileSync(path.join(app, "worker.js"), options.script);
    const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(root, "wrangler.toml"), "utf8"))![1]!;
    entryArgs = ["worker.js", "--name", "script", "--compatibility-date", compatibilityDate];
  } else {
    for (const entry of ["src", "drizzle", "wrangler.toml", "package.json", "tsconfig.json"])
      cpSync(path.join(root, entry), path.join(app, entry), { recursive: true });
    symlinkSync(path.join(root, "node_modules"), path.join(app, "node_modules"), "dir");
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // A fresh inspector port on every start: a killed server's may linger.
  const args = async () => ["dev", ...entryArgs, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
    "--persist-to", path.join(options.tmp, "state"), "--env-file", envFile, "--show-interactive-dev-session=false",
    // Offline: remote bindings (Workers AI) would need a Cloudflare login.
    "--local", ...(options.extraArgs ?? [])];

  let current: ChildProcess;
  let exitReason = "";
  const seen = new Set<number>();
  // wrangler's launcher starts the CLI as a child process, which starts the runtimes: a crash
  // must take the whole tree, or an orphaned CLI keeps the port.
  const remember = () => {
    if (current.pid) for (const pid of descendants(current.pid)) seen.add(pid);
  };
  const spawnWrangler = async () => {
    exitReason = "";
    const child = spawn(process.execPath, [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...(await args())], {
      cwd: app,
      stdio: ["ignore", "pipe", "pipe"],
      // Quiet and offline like `npm run dev`; only the env file reaches the Worker (no .dev.vars, no shell OPENAI_API_KEY).
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", DO_NOT_TRACK: "1",
        CLOUDFLARE_CF_FETCH_ENABLED: "false", XDG_CONFIG_HOME: path.join(root, ".wrangler", "config"),
        CLOUDFLARE_INCLUDE_PROCESS_ENV: "false", CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true" },
    });
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => options.onLine?.(line));
    child.on("exit", (code, signal) => (exitReason = signal ?? `code ${code}`));
    return child;
  };
  const killAll = async (signal: NodeJS.Signals) => {
    remember();
    if (current.exitCode === null && current.signalCode === null) {
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill(signal);
      if ((await Promise.race([exited, sleep(10_000).then(() => "late")])) === "late") current.kill("SIGKILL");
    }
    for (const pid of seen) try { process.kill(pid, "SIGKILL"); } catch {} // already gone: fine
    seen.clear();
  };
  const waitReady = async () => {
    const started = Date.now();
    for (;;) {
      if (current.exitCode !== null) throw new Error(`wrangler dev exited with code ${current.exitCode}`);
      if (Date.now() - started > 120_000) throw new Error("wrangler dev did not answer GET /health within 120 s");
      const ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(250);
    }
    remember();
    return Date.now() - started;
  };

  current = await spawnWrangler();
  onCleanup(() => killAll("SIGTERM"));
  await waitReady();
  return {
    base,
    process: () => current,
    crash: () => killAll("SIGKILL"),
    stop: () => killAll("SIGTERM"),
    restart: async () => {
      await portReleased(port);
      current = await spawnWrangler();
      return waitReady();
    },
    exitReason: () => exitReason,
  };
}

/** Appends every line to `file` (emptied first) when a file is given. */
export function lineLogger(file: string | undefined): (line: string) => void {
  if (file) writeFileSync(file, "");
  return (line) => {
    if (file) appendFileSync(file, line + "\n");
  };
}
