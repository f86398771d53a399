/**
 * Section E: what authentication costs a request. One cheap read, GET /lectures/{id} (one database
 * round trip), timed sequentially with each way in: (a) no authentication, (b) the admin token,
 * (c) an API key made through POST /api-keys, (d) JWTs signed with RS256 and ES256 by the bench's
 * identity provider (identity.ts), verified against its JWKS.
 *
 * PLC_AUTH is read per Worker, so (a) needs a Worker of its own. Comparing it with the bench's
 * Worker would measure two processes of different ages (section A has long warmed the bench's
 * one), so two twins on the bench's database are started together for this section: one with
 * PLC_AUTH=off for (a), one with the bench's settings for (b) to (d), warmed up alike. Requests
 * go one at a time, alternating between the twins ((a), then a credential, then (a) again...), so
 * load from elsewhere hits them alike, and GET /health (public, no credential) on both twins in
 * the same turns shows what is left of the process difference; "net of baseline" subtracts it.
 * The number of turns is sized from the warm-up's pace so that the section takes about
 * SECTION_BUDGET_MS. Database round trips per request are counted for each on the gateway: an API
 * key costs its lookup (one more), the admin token and JWTs none.
 */
import path from "node:path";
import { adminToken, bearer, startWorker, type LocalWorker } from "../local-stack.ts";
import { gateway, ingest, post, quiet } from "./client.ts";
import { BENCH_SUBJECT } from "./identity.ts";
import { problems, quantile, section, table } from "./report.ts";
import { COURSE, FEATURED } from "./seed.ts";
import { REQUESTS } from "./settings.ts";
import { identity, tmp, workerVars } from "./setup.ts";

const SECTION_BUDGET_MS = 50_000;
const WARM_UP = 60;

interface Variant {
  label: string;
  base: string;
  /** The bearer credential; none for the PLC_AUTH=off Worker. */
  credential?: string;
  expectRt: number;
  samples: number[];
  rt?: number;
}

async function timed(url: string, credential: string | undefined): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, { headers: credential ? { authorization: bearer(credential) } : {}, signal: AbortSignal.timeout(30_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} with ${credential ? `a credential (${credential.slice(0, 4)}…)` : "none"}: HTTP ${res.status} ${body.slice(0, 300)}`);
  return performance.now() - t;
}

export interface AuthCost { label: string; median: number; p95: number; extra: number; net: number; rt: number }

export async function authCost(): Promise<AuthCost[]> {
  const pathname = `/lectures/${FEATURED}`;
  section(`E. Authentication cost: GET /lectures/{id} with each credential, sequential, alternating between a PLC_AUTH=off twin and an auth twin; round trips over ${REQUESTS} requests`);
  const started = Date.now();
  // Their own names, so the dev servers do not take each other's place in wrangler's dev registry.
  const twin = (name: string, vars: Record<string, string>) =>
    startWorker({ tmp: path.join(tmp, name), vars: { ...workerVars, ...vars }, extraArgs: ["--name", `pegasus-${name}`] });
  const workers: LocalWorker[] = [];
  try {
    const [open, closed] = await Promise.all([twin("auth-off", { PLC_AUTH: "off" }).then((w) => (workers.push(w), w)), twin("auth-on", {}).then((w) => (workers.push(w), w))]);
    const startSec = (Date.now() - started) / 1000;
    // The API key and the JWTs speak for another owner (a JWT may not use the reserved "local"),
    // who gets the same lecture under the same id: every variant reads one lecture row by its key.
    await ingest(COURSE, FEATURED, 0, { "Pegasus-Owner": BENCH_SUBJECT });
    const apiKey = (await post("/api-keys", { name: "bench", scopes: ["read"], owner: BENCH_SUBJECT }, 201)).key as string;
    const variants: Variant[] = [
      { label: "(a) none (PLC_AUTH=off)", base: open.base, expectRt: 1, samples: [] },
      { label: "(b) admin token", base: closed.base, credential: adminToken, expectRt: 1, samples: [] },
      { label: "(c) API key", base: closed.base, credential: apiKey, expectRt: 2, samples: [] },
      { label: "(d) JWT RS256", base: closed.base, credential: await identity.token("RS256"), expectRt: 1, samples: [] },
      { label: "(d) JWT ES256", base: closed.base, credential: await identity.token("ES256"), expectRt: 1, samples: [] },
    ];
    const health = [
      { base: open.base, samples: [] as number[] },
      { base: closed.base, samples: [] as number[] },
    ];
    // Warm-up, alike on both twins: the JWKS is fetched, the API key's first use recorded (in the
    // background), and the code paths of both get past their cold start. The second half sets the pace.
    let warmFrom = 0;
    let warmed = 0;
    for (let i = 0; i < WARM_UP; i++) {
      if (i === WARM_UP / 2) [warmFrom, warmed] = [performance.now(), 0];
      for (const v of variants) (await timed(v.base + pathname, v.credential), warmed++);
      for (const h of health) (await timed(`${h.base}/health`, undefined), warmed++);
    }
    const pace = (performance.now() - warmFrom) / warmed;
    const rtPassMs = variants.length * REQUESTS * pace;
    const timedMs = Math.max(10_000, SECTION_BUDGET_MS - (Date.now() - started) - rtPassMs - 3_000);
    const perTurn = 2 * (variants.length - 1) + health.length;
    const turns = Math.max(100, Math.min(REQUESTS * 20, Math.floor(timedMs / (perTurn * pace))));
    await quiet();
    for (const v of variants) {
      const before = gateway.requestCount();
      for (let i = 0; i < REQUESTS; i++) await timed(v.base + pathname, v.credential);
      v.rt = (gateway.requestCount() - before) / REQUESTS;
      if (v.rt !== v.expectRt) problems.push(`E: ${v.label} costs ${v.rt} database round trips per request (expected ${v.expectRt})`);
    }
    // Every request goes to the other twin than the one before: a process that has just answered
    // answers its next request faster (caches, scheduling), so consecutive requests to one twin
    // would flatter it. (a) is paired with each credential in turn, in an order that moves on
    // every turn, then GET /health on each twin.
    const [none, ...credentials] = variants;
    const run = async (v: Variant) => void v.samples.push(await timed(v.base + pathname, v.credential));
    for (let i = 0; i < turns; i++) {
      for (let k = 0; k < credentials.length; k++) (await run(none!), await run(credentials[(i + k) % credentials.length]!));
      for (const h of health) h.samples.push(await timed(`${h.base}/health`, undefined));
    }
    const median = (s: number[]) => quantile(s, 0.5);
    const reference = median(variants[0]!.samples);
    const baseline = median(health[1]!.samples) - median(health[0]!.samples);
    const results = variants.map((v) => {
      const extra = median(v.samples) - reference;
      return { label: v.label, median: median(v.samples), p95: quantile(v.samples, 0.95), extra, net: extra - baseline, rt: v.rt! };
    });
    const sign = (d: number) => `${d >= 0 ? "+" : ""}${d.toFixed(3)}`;
    table(
      ["credential", "round trips", "median ms", "p95 ms", "vs (a) ms", "net of baseline ms"],
      results.map((r, i) => [r.label, String(r.rt), r.median.toFixed(3), r.p95.toFixed(3), i === 0 ? "-" : sign(r.extra), i === 0 ? "-" : sign(r.net)]),
    );
    console.log(`\n${turns} requests per credential (${turns * credentials.length} for (a)), on twin Workers started together in ${startSec.toFixed(1)} s. Process baseline,`);
    console.log(`GET /health (public, no credential) in the same turns: ${median(health[0]!.samples).toFixed(3)} ms median on the PLC_AUTH=off twin,`);
    console.log(`${median(health[1]!.samples).toFixed(3)} ms on the other (${sign(baseline)} ms): "net of baseline" subtracts that difference.`);
    console.log(`The JWKS was fetched ${identity.fetches()} time(s) in all (once per isolate, then cached). Section time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    return results;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
