/**
 * Section C: the memory cost of large uploads. Random bytes are streamed as a multipart form to
 * POST /lectures/ingest with backpressure, while the peak RSS (VmHWM) of wrangler's workerd
 * processes is read from /proc before and after each upload: a warm-up, UPLOAD_MB, then a larger
 * one (growth there would mean the upload is buffered), then two over the limit (declared and
 * chunked) that must be refused with 413 and leave no lecture behind. Stored size and SHA-256
 * are checked against what was sent.
 */
import { createHash, randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { bearer, workerdPids } from "../local-stack.ts";
import { api, apiJson, base } from "./client.ts";
import { mib, problems, section, table } from "./report.ts";
import { LIMIT_MB, UPLOAD_MB } from "./settings.ts";

const MiB = 1024 * 1024;

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in kB. */
export function memoryOf(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kB = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { hwm: kB("VmHWM"), rss: kB("VmRSS") };
}

/** `size` random bytes, made a MiB at a time as the upload asks for them. */
function* randomChunks(size: number) {
  for (let sent = 0; sent < size; sent += MiB) yield randomFillSync(Buffer.allocUnsafe(Math.min(MiB, size - sent)));
}

interface Upload { status: number; text: string; seconds: number; answeredAfter: number; sent: number; sha256: string }

/** POSTs a multipart form whose file part streams from `randomChunks`, with backpressure; stops sending once answered. */
function upload(lectureId: string, size: number, declareLength: boolean): Promise<Upload> {
  const boundary = `pegasus-bench-${crypto.randomUUID()}`;
  const fields = { course_id: "bench-memory", lecture_id: lectureId, preset_id: "exam-mode", title: "Large recording" };
  const head = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
    `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="recording.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const headers: Record<string, string> = { "content-type": `multipart/form-data; boundary=${boundary}`, authorization: bearer() };
  if (declareLength) headers["content-length"] = String(Buffer.byteLength(head) + size + Buffer.byteLength(tail));
  const hash = createHash("sha256");
  const t0 = performance.now();
  let sent = 0;
  let answeredAfter = -1;
  return new Promise<Upload>((resolve, reject) => {
    const req = http.request(`${base}/lectures/ingest`, { method: "POST", headers, timeout: 300_000 }, (res) => {
      answeredAfter = sent;
      const body: Buffer[] = [];
      res.on("data", (chunk: Buffer) => body.push(chunk)).on("error", reject).on("end", () => {
        resolve({ status: res.statusCode!, text: Buffer.concat(body).toString(), seconds: (performance.now() - t0) / 1000, answeredAfter, sent, sha256: hash.digest("hex") });
        req.destroy();
      });
    });
    req.on("timeout", () => req.destroy(new Error(`upload of ${lectureId}: no answer within 300 s`)));
    req.on("error", (error) => { if (answeredAfter < 0) reject(error); }); // after an early answer the server may close on us
    (async () => {
      req.write(head);
      for (const chunk of randomChunks(size)) {
        if (answeredAfter >= 0 || req.destroyed) return;
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk))
          await new Promise<void>((resolve) => {
            const go = () => (req.off("drain", go).off("close", go), resolve());
            req.on("drain", go).on("close", go);
          });
      }
      req.end(tail);
    })().catch(reject);
  });
}

/** Section C, against the workerd processes under `wranglerPid`. */
export async function ingestMemory(wranglerPid: number) {
  section(`C. Ingest memory: uploads streamed to POST /lectures/ingest (PLC_MAX_UPLOAD_MB=${LIMIT_MB}), workerd peak RSS`);
  const pids = workerdPids(wranglerPid);
  if (!pids.length) throw new Error("no workerd process found under wrangler");
  const port = new URL(base).port;
  const role = (pid: number) => (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`entry=127.0.0.1:${port}`) ? "dev-server proxy" : "Worker runtime");
  const hwm = () => pids.reduce((kB, pid) => kB + memoryOf(pid).hwm, 0);
  const rows: (string | number)[][] = [["before the uploads", "", "", "", "", mib(hwm()), ""]];
  const growth: number[] = [];
  const second = Math.min(2 * UPLOAD_MB, LIMIT_MB - 10);
  // The warm-up pays one-time costs; the second upload is twice the first: buffering would show as growth there.
  const steps: [string, string, number, boolean, number][] = [
    ["warm-up", "big-0000", 16, true, 200],
    ["upload #1", "big-0001", UPLOAD_MB, true, 200],
    [`upload #2 (${second === 2 * UPLOAD_MB ? "2x" : "larger"})`, "big-0002", second, true, 200],
    ["over the limit, Content-Length declared", "big-0003", LIMIT_MB + 2, true, 413],
    ["over the limit, chunked (no length)", "big-0004", LIMIT_MB + 2, false, 413],
  ];
  for (const [label, lectureId, sizeMiB, declare, expect] of steps) {
    const before = hwm();
    const r = await upload(lectureId, sizeMiB * MiB, declare);
    const after = hwm();
    growth.push((after - before) / 1024);
    if (r.status !== expect) problems.push(`${label}: HTTP ${r.status}, expected ${expect}: ${r.text.slice(0, 200)}`);
    if (r.status === 200) {
      const lecture = await apiJson(`/lectures/${lectureId}`);
      if (lecture.size_bytes !== sizeMiB * MiB || lecture.checksum_sha256 !== r.sha256) problems.push(`${label}: stored size or SHA-256 differs from what was sent`);
    } else if ((await api(`/lectures/${lectureId}`)).status !== 404) problems.push(`${label}: a refused upload left a lecture row`);
    const answered = r.status === 413 ? `, answered after ${(r.answeredAfter / MiB).toFixed(0)} MiB` : "";
    rows.push([label, `${sizeMiB} MiB`, `${r.status}${answered}`, r.seconds.toFixed(1), (r.sent / MiB / r.seconds).toFixed(1), mib(after), `${((after - before) / 1024).toFixed(0)} MiB`]);
  }
  table(["step", "file", "status", "seconds", "MiB/s", "workerd VmHWM", "growth"], rows);
  console.log(`\nworkerd VmHWM is summed over ${pids.map((pid) => `${pid} (${role(pid)}, ${mib(memoryOf(pid).hwm)})`).join(" and ")}.`);
  console.log("\"answered after\": file bytes the bench had sent when the response arrived (it stops sending then).");
  if (growth[2]! > second / 2) problems.push(`workerd peak memory grew by ${growth[2]!.toFixed(0)} MiB during the ${second} MiB upload: the upload is buffered`);
  return { seconds: rows[2]![3], growth1: growth[1]!, growth2: growth[2]!, second };
}
