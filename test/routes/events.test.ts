/**
 * Live progress over SSE, through the real queue and the course's Durable Object hub: the ordered
 * events of transcribe → generate → export, resuming with Last-Event-ID, course streams, and owner
 * isolation.
 */
import { describe, expect, it } from "vitest";
import { call, json, uid } from "../support/http.ts";
import { ingestOk, post } from "../support/lectures.ts";
import { SseReader, type SseEvent } from "../support/sse.ts";

const jobEvents = (events: SseEvent[]) => events.filter((e) => e.event === "job");
const ended = (events: SseEvent[]) => events.some((e) => e.event === "end");

function open(path: string, headers: Record<string, string> = {}) {
  return call(path, { headers: { accept: "text/event-stream", ...headers } });
}

async function runPipeline(lectureId: string, headers?: HeadersInit) {
  const ids: string[] = [];
  for (const stage of ["transcribe", "generate", "export"]) ids.push((await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, undefined, headers))).jobId);
  return ids;
}

/** Every job's statuses in the order they were announced. */
function statusesByJob(events: SseEvent[]) {
  const byType: Record<string, string[]> = {};
  for (const e of jobEvents(events)) (byType[e.data.jobType] ??= []).push(e.data.status);
  return byType;
}

describe("GET /lectures/{id}/events", () => {
  it("streams a snapshot, then every job state change of the pipeline in order, then ends", async () => {
    const lectureId = uid("lec");
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId });
    const res = await open(`/lectures/${lectureId}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = new SseReader(res);
    await stream.readUntil((events) => events.length >= 1);
    expect(stream.events[0]).toMatchObject({ event: "snapshot", data: { lectureId, courseId, overallStatus: "not_started" } });

    await runPipeline(lectureId);
    const events = await stream.readUntil(ended, 45_000);
    await stream.readUntil(() => false, 5_000); // the server closes the stream after `end`
    expect(stream.done).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: "end", data: { reason: "settled" } });
    expect(statusesByJob(events)).toEqual({
      transcription: ["queued", "running", "completed"],
      generation: ["queued", "running", "completed"],
      export: ["queued", "running", "completed"],
    });
    // Stages complete in pipeline order, and ids only grow.
    const completions = jobEvents(events).filter((e) => e.data.status === "completed").map((e) => e.data.jobType);
    expect(completions).toEqual(["transcription", "generation", "export"]);
    const ids = events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(jobEvents(events).every((e) => e.data.lectureId === lectureId && e.data.courseId === courseId)).toBe(true);
  });

  it("resumes with Last-Event-ID without losing or repeating an event", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const reference = new SseReader(await open(`/lectures/${lectureId}/events`));
    const first = new SseReader(await open(`/lectures/${lectureId}/events`));
    await Promise.all([reference.readUntil((e) => e.length >= 1), first.readUntil((e) => e.length >= 1)]);
    await runPipeline(lectureId);
    // Drop the connection after the first few job events, as a flaky network would.
    await first.readUntil((events) => jobEvents(events).length >= 3);
    await first.close();
    const lastId = first.events.at(-1)!.id!;
    const resumed = new SseReader(await open(`/lectures/${lectureId}/events`, { "Last-Event-ID": lastId }));
    const rest = await resumed.readUntil(ended, 45_000);
    expect(rest.some((e) => e.event === "snapshot")).toBe(false);
    const all = await reference.readUntil(ended, 45_000);
    const seen = [...first.events, ...rest].filter((e) => e.event === "job").map((e) => e.id);
    expect(seen).toEqual(jobEvents(all).map((e) => e.id));
  });

  it("starts again from a snapshot when the Last-Event-ID is unknown", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const stream = new SseReader(await open(`/lectures/${lectureId}/events`, { "Last-Event-ID": "12" }));
    await stream.readUntil((e) => e.length >= 1);
    expect(stream.events[0]!.event).toBe("snapshot");
    await stream.close();
  });

  it("ends at once for a lecture whose stages are all final", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const live = new SseReader(await open(`/lectures/${lectureId}/events`));
    await runPipeline(lectureId);
    await live.readUntil(ended, 45_000);
    const stream = new SseReader(await open(`/lectures/${lectureId}/events`));
    const events = await stream.readUntil(ended, 5_000);
    // Changes from just before the snapshot was read are replayed after it (it may have missed them).
    expect(events[0]).toMatchObject({ event: "snapshot", data: { overallStatus: "completed", progressPercent: 100 } });
    expect(events.at(-1)).toMatchObject({ event: "end", data: { reason: "settled" } });
    await new Promise((r) => setTimeout(r, 2_100));
    const later = await new SseReader(await open(`/lectures/${lectureId}/events`)).readUntil(ended, 5_000);
    expect(later.map((e) => e.event)).toEqual(["snapshot", "end"]);
  });

  it("is the owner's only: someone else's lecture or course is a 404", async () => {
    const lectureId = uid("lec");
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId });
    const other = { "Pegasus-Owner": uid("owner") };
    expect((await open(`/lectures/${lectureId}/events`, other)).status).toBe(404);
    expect((await open(`/courses/${courseId}/events`, other)).status).toBe(404);
    expect((await open(`/lectures/${uid("nope")}/events`)).status).toBe(404);
  });
});

describe("GET /courses/{id}/events", () => {
  it("streams every lecture of the course", async () => {
    const courseId = uid("c");
    const [a, b] = [uid("lec"), uid("lec")];
    await ingestOk({ courseId, lectureId: a });
    await ingestOk({ courseId, lectureId: b });
    const stream = new SseReader(await open(`/courses/${courseId}/events`));
    await stream.readUntil((e) => e.length >= 1);
    expect(stream.events[0]).toMatchObject({ event: "snapshot", data: { courseId, lectureCount: 2 } });
    await post(`/lectures/${a}/transcribe`);
    await post(`/lectures/${b}/transcribe`);
    const events = await stream.readUntil((e) => jobEvents(e).filter((j) => j.data.status === "completed").length >= 2, 30_000);
    expect(new Set(jobEvents(events).map((e) => e.data.lectureId))).toEqual(new Set([a, b]));
    await stream.close();
  });
});
