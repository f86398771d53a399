/**
 * Section F: webhooks and live progress. A local receiver (in this process) gets `job.completed`
 * webhooks, and STREAMS clients hold `GET /courses/{id}/events` open on one course while
 * PUSH_LECTURES lectures run transcribe → generate → export through the real queue. Reports:
 *   - latency from a job's completion in the consumer (its `finishedAt`) to the webhook's arrival
 *     at the receiver and to the `completed` event's arrival at a stream client (median / p95);
 *   - events delivered per stream, and whether any stream missed one another stream got;
 *   - database round trips caused by the streams: opening them (one each) and while they are open
 *     and idle (expected 0: the hub pushes, nothing polls).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { api, apiJson, gateway, ingest, post, quiet, waitForJobs } from "./client.ts";
import { ms, problems, quantile, section, table } from "./report.ts";

const STREAMS = 200;
const PUSH_LECTURES = 20;
const IDLE_MS = 5_000;
const OPEN_CONCURRENCY = 20;

interface StreamClient {
  /** Arrival time (ms) of each job event by event id. */
  arrivals: Map<string, { at: number; jobId: string; status: string }>;
  ended: boolean;
  abort: AbortController;
}

/** Opens a stream and parses events as they arrive, until aborted. */
async function openStream(path: string): Promise<StreamClient> {
  const client: StreamClient = { arrivals: new Map(), ended: false, abort: new AbortController() };
  const res = await api(path, { headers: { accept: "text/event-stream" }, signal: client.abort.signal } as RequestInit, 600_000);
  if (res.status !== 200 || !res.body) throw new Error(`${path}: HTTP ${res.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === "job" && id && data) {
            const parsed = JSON.parse(data) as { jobId: string; status: string };
            client.arrivals.set(id, { at: Date.now(), jobId: parsed.jobId, status: parsed.status });
          }
          if (event === "end") client.ended = true;
        }
      }
    } catch {
      // aborted at the end of the section
    }
  })();
  return client;
}

export async function push() {
  section(`F. Push: webhooks to a local receiver and ${STREAMS} SSE streams on one course, ${PUSH_LECTURES} lectures x 3 stages`);
  const webhookArrivals = new Map<string, number>(); // job id -> arrival
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { type: string; data: { jobId?: string } };
        if (body.type === "job.completed" && body.data.jobId && !webhookArrivals.has(body.data.jobId)) webhookArrivals.set(body.data.jobId, at);
      } catch {}
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const webhook = await post("/webhooks", { url: receiverUrl, events: ["job.completed"] }, 201);

  const course = "bench-push";
  const id = (i: number) => `push-${String(i).padStart(3, "0")}`;
  for (let i = 1; i <= PUSH_LECTURES; i++) await ingest(course, id(i), 500 + i);
  await quiet();

  // Opening the streams: one round trip each (the snapshot).
  let before = gateway.requestCount();
  // Opened OPEN_CONCURRENCY at a time, as clients arriving over a moment would.
  const streams: StreamClient[] = [];
  while (streams.length < STREAMS)
    streams.push(...(await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, STREAMS - streams.length) }, () => openStream(`/courses/${course}/events`)))));
  await new Promise((r) => setTimeout(r, 1_000));
  const openRt = gateway.requestCount() - before;
  // Open and idle: the streams must not touch the database.
  before = gateway.requestCount();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleRt = gateway.requestCount() - before;

  const t0 = performance.now();
  for (let i = 1; i <= PUSH_LECTURES; i++) {
    await post(`/lectures/${id(i)}/transcribe`);
    await post(`/lectures/${id(i)}/generate`, {});
    await post(`/lectures/${id(i)}/export`);
  }
  const result = await waitForJobs(`course_id=${course}`, 3 * PUSH_LECTURES, 300_000);
  const wall = (performance.now() - t0) / 1000;
  // Let the last deliveries and events land.
  const settleBy = Date.now() + 15_000;
  while (Date.now() < settleBy && webhookArrivals.size < result.completed) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1_000));

  const jobs: { id: string; finishedAt: string }[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await apiJson(`/jobs?course_id=${course}&status=completed&limit=500&offset=${offset}`);
    jobs.push(...page.jobs);
    if (!page.pagination.hasMore) break;
  }
  const finished = new Map(jobs.map((j) => [j.id, Date.parse(j.finishedAt)]));
  const webhookLatency = [...webhookArrivals].filter(([jobId]) => finished.has(jobId)).map(([jobId, at]) => at - finished.get(jobId)!);
  const sseLatency: number[] = [];
  for (const stream of streams)
    for (const { at, jobId, status } of stream.arrivals.values()) if (status === "completed" && finished.has(jobId)) sseLatency.push(at - finished.get(jobId)!);

  // None lost: every stream holds every event id any stream received.
  const allIds = new Set(streams.flatMap((s) => [...s.arrivals.keys()]));
  const counts = streams.map((s) => s.arrivals.size);
  const incomplete = streams.filter((s) => s.arrivals.size < allIds.size).length;
  for (const s of streams) s.abort.abort();
  receiver.closeAllConnections();
  receiver.close();
  await api(`/webhooks/${webhook.id}`, { method: "DELETE" });

  table(["push", "value"], [
    ["jobs completed / failed", `${result.completed} / ${result.failed} in ${wall.toFixed(1)} s`],
    ["webhooks received (job.completed)", `${webhookLatency.length} of ${finished.size}`],
    ["job completed -> webhook at receiver, median / p95", `${ms(quantile(webhookLatency, 0.5))} / ${ms(quantile(webhookLatency, 0.95))} ms`],
    ["job completed -> SSE event at client, median / p95", `${ms(quantile(sseLatency, 0.5))} / ${ms(quantile(sseLatency, 0.95))} ms (${sseLatency.length} samples)`],
    [`job events per stream (${STREAMS} streams)`, `min ${Math.min(...counts)}, max ${Math.max(...counts)}, distinct ids ${allIds.size}`],
    ["streams that missed an event", String(incomplete)],
    ["round trips to open the streams", `${openRt} (${(openRt / STREAMS).toFixed(2)} per stream)`],
    [`round trips while ${STREAMS} streams were open and idle (${IDLE_MS / 1000} s)`, String(idleRt)],
  ]);
  if (result.failed) problems.push(`push: ${result.failed} jobs failed`);
  if (incomplete > 0) problems.push(`push: ${incomplete} streams missed events`);
  if (idleRt > 0) problems.push(`push: open streams caused ${idleRt} database round trips while idle`);
  if (webhookLatency.length < finished.size) problems.push(`push: ${finished.size - webhookLatency.length} job.completed webhooks missing`);
  return {
    webhookP50: quantile(webhookLatency, 0.5),
    webhookP95: quantile(webhookLatency, 0.95),
    sseP50: quantile(sseLatency, 0.5),
    sseP95: quantile(sseLatency, 0.95),
    incomplete,
    openRt,
    idleRt,
  };
}
