/**
 * Section G: a resumable upload of BENCH_TUS_MB (500) MiB over tus through `wrangler dev`, in
 * 50 MiB PATCHes of random bytes sent with backpressure, after a 64 MiB warm-up upload. It reports
 * throughput (the last PATCH includes completing the multipart upload and recording the lecture)
 * and the peak RSS (VmHWM) growth of wrangler's workerd processes, which must stay
 * flat: the Worker holds one part (PLC_UPLOAD_PART_MB, 8) in memory, not the PATCH or the file.
 * Stored size and SHA-256 are checked against what was sent.
 *
 * Runs as part of `npm run bench`, or alone (its own stack):
 *   node --experimental-strip-types scripts/bench/tus.ts
 */
import { createHash, randomFillSync } from "node:crypto";
import http from "node:http";
import { isMain } from "../is-main.ts";
import { bearer, runCleanups, workerdPids } from "../local-stack.ts";
import { apiJson, base } from "./client.ts";
import { mib, problems, section, table } from "./report.ts";
import { memoryOf } from "./upload.ts";

const MiB = 1024 * 1024;
const TUS_MB = Number(process.env.BENCH_TUS_MB ?? 500);
const PATCH_MB = 50;

function patchOnce(url: string, offset: number, size: number, hash: ReturnType<typeof createHash>): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "PATCH",
      timeout: 600_000,
      headers: {
        authorization: bearer(),
        "tus-resumable": "1.0.0",
        "upload-offset": String(offset),
        "content-type": "application/offset+octet-stream",
        "content-length": String(size),
      },
    }, (res) => {
      const body: Buffer[] = [];
      res.on("data", (c: Buffer) => body.push(c)).on("error", reject).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(body).toString() }));
    });
    req.on("timeout", () => req.destroy(new Error("PATCH: no answer within 600 s")));
    req.on("error", reject);
    (async () => {
      for (let sent = 0; sent < size; sent += MiB) {
        const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(MiB, size - sent)));
        hash.update(chunk);
        if (!req.write(chunk)) await new Promise((go) => req.once("drain", go));
      }
      req.end();
    })().catch(reject);
  });
}

async function tusUpload(lectureId: string, size: number, sample: () => string) {
  const meta = { course_id: "bench-tus", lecture_id: lectureId, preset_id: "exam-mode", title: "Long recording", filename: "lecture.m4a", filetype: "audio/mp4" };
  const metadata = Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`).join(",");
  const created = await fetch(`${base}/uploads`, {
    method: "POST",
    headers: { authorization: bearer(), "tus-resumable": "1.0.0", "upload-length": String(size), "upload-metadata": metadata },
  });
  if (created.status !== 201) throw new Error(`tus creation: HTTP ${created.status} ${await created.text()}`);
  const url = created.headers.get("location")!;
  const hash = createHash("sha256");
  const t0 = performance.now();
  let lastPatchSec = 0;
  let lecture: string | undefined;
  /** workerd VmHWM (MiB) after each PATCH: steady growth would mean bytes are kept per PATCH. */
  const peaks: string[] = [];
  for (let offset = 0; offset < size; ) {
    const n = Math.min(PATCH_MB * MiB, size - offset);
    const p0 = performance.now();
    const res = await patchOnce(url, offset, n, hash);
    if (res.status !== 204) throw new Error(`PATCH at ${offset}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    offset = Number(res.headers["upload-offset"]);
    lastPatchSec = (performance.now() - p0) / 1000;
    lecture = res.headers["pegasus-lecture-id"] as string | undefined;
    peaks.push(sample());
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, lastPatchSec, lecture, peaks, sha256: hash.digest("hex") };
}

/** Section G, against the workerd processes under `wranglerPid`. */
export async function tusThroughput(wranglerPid: number) {
  section(`G. Resumable upload: ${TUS_MB} MiB over tus in ${PATCH_MB} MiB PATCHes, workerd peak RSS`);
  const pids = workerdPids(wranglerPid);
  if (!pids.length) throw new Error("no workerd process found under wrangler");
  const hwm = () => pids.reduce((kB, pid) => kB + memoryOf(pid).hwm, 0);
  const rows: (string | number)[][] = [];
  let result = { seconds: 0, mibPerSec: 0, growth: 0, lastPatchSec: 0 };
  let peaks: string[] = [];
  for (const [label, lectureId, sizeMiB] of [["warm-up", "tus-0000", 64], ["upload", "tus-0001", TUS_MB]] as const) {
    const before = hwm();
    const r = await tusUpload(lectureId, sizeMiB * MiB, () => pids.map((pid) => Math.round(memoryOf(pid).hwm / 1024)).join("+"));
    const after = hwm();
    const stored = await apiJson(`/lectures/${lectureId}`);
    if (r.lecture !== lectureId) problems.push(`tus ${label}: the last PATCH did not name lecture ${lectureId}`);
    if (stored.size_bytes !== sizeMiB * MiB || stored.checksum_sha256 !== r.sha256) problems.push(`tus ${label}: stored size or SHA-256 differs from what was sent`);
    const growth = (after - before) / 1024;
    rows.push([label, `${sizeMiB} MiB`, r.seconds.toFixed(1), (sizeMiB / r.seconds).toFixed(1), r.lastPatchSec.toFixed(1), mib(after), `${growth.toFixed(0)} MiB`]);
    result = { seconds: r.seconds, mibPerSec: sizeMiB / r.seconds, growth, lastPatchSec: r.lastPatchSec };
    peaks = r.peaks;
  }
  table(["step", "file", "seconds", "MiB/s", "last PATCH s", "workerd VmHWM", "growth"], rows);
  console.log(`\nworkerd VmHWM (MiB) per process (${pids.join("+")}) after each PATCH of the upload: ${peaks.join(", ")}`);
  console.log(`"last PATCH s" includes completing the multipart upload and recording the lecture.`);
  // The same rule as section C: buffering the upload would show as growth near its size. Local
  // workerd's peak also grows by about 100 MiB over any large streamed upload (section C's ingest
  // of 90 and 180 MiB does too), so the per-PATCH line above is the one to read for a trend.
  if (result.growth > TUS_MB / 2) problems.push(`workerd peak memory grew by ${result.growth.toFixed(0)} MiB during the ${TUS_MB} MiB tus upload: the upload is buffered`);
  return result;
}

if (isMain(import.meta.url)) {
  const { start } = await import("./setup.ts");
  let code = 0;
  try {
    const { wranglerPid } = await start();
    const r = await tusThroughput(wranglerPid);
    console.log(`\ntus: ${TUS_MB} MiB in ${r.seconds.toFixed(1)} s = ${r.mibPerSec.toFixed(1)} MiB/s; workerd peak memory +${r.growth.toFixed(0)} MiB`);
    if (problems.length) {
      code = 1;
      console.log(`\nFAIL (${problems.length}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
  } catch (error) {
    code = 1;
    console.error(`bench failed: ${(error as Error).message}`);
  } finally {
    await runCleanups();
  }
  process.exit(code);
}
