/**
 * The live-progress hub: one Durable Object per (owner, course). The job consumer posts each job
 * state change here; the hub numbers it, keeps the last BUFFER_SIZE in memory for Last-Event-ID
 * resumes, and writes it to every open stream of the course or of that lecture. Streams never
 * touch the database: the route reads the snapshot once and hands it over when subscribing.
 *
 * Event ids are a counter started from the clock (microseconds) when the hub is created, so they
 * keep growing across hub restarts; an id older than the buffer (or from before a restart) cannot
 * be resumed exactly, and the stream starts again from a fresh snapshot instead.
 */
import { DurableObject } from "cloudflare:workers";
import { isLectureSettled, type JobStateEvent } from "../domain/live-progress.ts";
import type { Stage, StageStatus } from "../domain/progress.ts";

const BUFFER_SIZE = 1_000;
const TICK_MS = 5_000;
/** Events this long before the snapshot was read are replayed after it: the read may have missed them. */
const SNAPSHOT_MARGIN_MS = 2_000;
/** A client this far behind (queued chunks) is dropped; it reconnects and resumes. */
const MAX_QUEUED_CHUNKS = 1_000;

export interface SubscribeRequest {
  /** A lecture's stream, or null for the whole course. */
  lectureId: string | null;
  /** The `snapshot` event's data, read by the route just before subscribing. */
  snapshot: unknown;
  /** The lecture's stage statuses in that snapshot (lecture streams). */
  stages?: Partial<Record<Stage, StageStatus>>;
  /** When the snapshot was read (ms since the epoch). */
  readAt: number;
  lastEventId?: string;
  maxSec: number;
  heartbeatSec: number;
}

interface HubEvent {
  seq: number;
  at: number;
  lectureId: string;
  name: "job" | "progress";
  data: string;
  jobType: string;
  status: string;
}

interface Subscriber {
  controller: ReadableStreamDefaultController<Uint8Array>;
  lectureId: string | null;
  stages: Partial<Record<Stage, StageStatus>>;
  deadline: number;
  lastWrite: number;
  heartbeatMs: number;
}

const encoder = new TextEncoder();
const frame = (id: number | null, name: string, data: string) => `${id === null ? "" : `id: ${id}\n`}event: ${name}\ndata: ${data}\n\n`;

export class ProgressHub extends DurableObject {
  private seq = Date.now() * 1000;
  private buffer: HubEvent[] = [];
  private subscribers = new Set<Subscriber>();
  private timer: ReturnType<typeof setInterval> | undefined;

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/publish") {
      const { events } = (await request.json()) as { events: JobStateEvent[] };
      for (const event of events) this.publish(event);
      return new Response(null, { status: 204 });
    }
    if (request.method === "POST" && pathname === "/subscribe") return this.subscribe((await request.json()) as SubscribeRequest);
    if (pathname === "/stats") return Response.json({ subscribers: this.subscribers.size, seq: this.seq, buffered: this.buffer.length });
    return new Response(null, { status: 404 });
  }

  private publish(event: JobStateEvent) {
    const hubEvent: HubEvent = {
      seq: ++this.seq,
      at: Date.now(),
      lectureId: event.lectureId,
      name: event.progress ? "progress" : "job",
      data: JSON.stringify(event),
      jobType: event.jobType,
      status: event.status,
    };
    this.buffer.push(hubEvent);
    if (this.buffer.length > BUFFER_SIZE) this.buffer.splice(0, this.buffer.length - BUFFER_SIZE);
    for (const sub of this.subscribers) if (sub.lectureId === null || sub.lectureId === hubEvent.lectureId) this.deliver(sub, hubEvent);
  }

  /** Whether every event after `after` is still in the buffer (or there are none). */
  private covers(after: number): boolean {
    if (after > this.seq) return false;
    if (after === this.seq) return true;
    const first = this.buffer[0];
    return first !== undefined && after >= first.seq - 1;
  }

  private subscribe(req: SubscribeRequest): Response {
    const relevant = (e: HubEvent) => req.lectureId === null || e.lectureId === req.lectureId;
    const after = req.lastEventId !== undefined && /^\d+$/.test(req.lastEventId) ? Number(req.lastEventId) : undefined;
    const resumed = after !== undefined && this.covers(after);
    const replay = resumed ? this.buffer.filter((e) => e.seq > after && relevant(e)) : this.buffer.filter((e) => e.at >= req.readAt - SNAPSHOT_MARGIN_MS && relevant(e));

    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const sub: Subscriber = {
      controller: undefined as never,
      lectureId: req.lectureId,
      stages: { ...req.stages },
      deadline: Date.now() + req.maxSec * 1000,
      lastWrite: Date.now(),
      heartbeatMs: req.heartbeatSec * 1000,
    };
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        this.subscribers.delete(sub);
      },
    });
    sub.controller = controller;
    // Reconnect quickly after the stream ends or drops.
    this.write(sub, "retry: 2000\n\n");
    if (!resumed) {
      // The snapshot's id precedes the replayed events, so resuming from it replays them again.
      const snapshotId = replay.length > 0 ? replay[0]!.seq - 1 : this.seq;
      this.write(sub, frame(snapshotId, "snapshot", JSON.stringify(req.snapshot)));
    }
    this.subscribers.add(sub);
    for (const event of replay) this.deliver(sub, event, false);
    if (this.subscribers.has(sub)) this.settleCheck(sub);
    this.ensureTimer();
    return new Response(stream, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  private deliver(sub: Subscriber, event: HubEvent, checkSettled = true) {
    if (sub.lectureId !== null && event.name === "job") sub.stages[event.jobType as Stage] = event.status as StageStatus;
    this.write(sub, frame(event.seq, event.name, event.data));
    if (checkSettled) this.settleCheck(sub);
  }

  /** A lecture stream ends once every stage is final (see isLectureSettled). */
  private settleCheck(sub: Subscriber) {
    if (sub.lectureId !== null && isLectureSettled(sub.stages)) this.end(sub, "settled");
  }

  private write(sub: Subscriber, text: string) {
    try {
      if ((sub.controller.desiredSize ?? 0) < -MAX_QUEUED_CHUNKS) {
        this.subscribers.delete(sub);
        sub.controller.error(new Error("client too slow"));
        return;
      }
      sub.controller.enqueue(encoder.encode(text));
      sub.lastWrite = Date.now();
    } catch {
      this.subscribers.delete(sub); // the client went away
    }
  }

  private end(sub: Subscriber, reason: "settled" | "timeout") {
    this.write(sub, frame(null, "end", JSON.stringify({ reason })));
    this.subscribers.delete(sub);
    try {
      sub.controller.close();
    } catch {
      // already closed by the client
    }
  }

  /** Heartbeats (comment lines) keep proxies from closing idle streams; deadlines bound every stream. */
  private ensureTimer() {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const sub of this.subscribers) {
        if (now >= sub.deadline) this.end(sub, "timeout");
        else if (now - sub.lastWrite >= sub.heartbeatMs - TICK_MS / 2) this.write(sub, ": keep-alive\n\n");
      }
      if (this.subscribers.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }, TICK_MS);
  }
}
