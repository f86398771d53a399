/**
 * Test helpers that act like a client: upload lectures, start stages, wait for jobs.
 */
import { vi } from "vitest";
import { call, callWith, json } from "./http.ts";

export const SHORT_TRANSCRIPT = [
  "Today we study the cell membrane, the thin barrier around every living cell.",
  "The membrane is built from a phospholipid bilayer with hydrophilic heads and hydrophobic tails.",
  "Diffusion is the movement of molecules from high concentration to low concentration.",
  "Osmosis is the diffusion of water across a selectively permeable membrane.",
  "Active transport uses energy from ATP to move substances against their concentration gradient.",
  "For example, the sodium potassium pump moves three sodium ions out and two potassium ions in.",
].join(" ");

export interface IngestOptions {
  courseId: string;
  lectureId: string;
  presetId?: string;
  title?: string;
  courseTitle?: string;
  durationSec?: string;
  sourceType?: string;
  file?: Blob | null;
  filename?: string;
  overrides?: Record<string, unknown>;
  /** Sent with the upload, e.g. another credential (`Authorization: Bearer …`); the admin token otherwise. */
  headers?: HeadersInit;
}

export function ingestForm(o: IngestOptions): FormData {
  const form = new FormData();
  form.set("course_id", o.courseId);
  form.set("lecture_id", o.lectureId);
  form.set("preset_id", o.presetId ?? "exam-mode");
  form.set("title", o.title ?? "Cell Membranes");
  if (o.courseTitle !== undefined) form.set("course_title", o.courseTitle);
  if (o.durationSec !== undefined) form.set("duration_sec", o.durationSec);
  if (o.sourceType !== undefined) form.set("source_type", o.sourceType);
  if (o.file !== null) form.set("audio", o.file ?? new Blob([SHORT_TRANSCRIPT], { type: "text/plain" }), o.filename ?? "lecture.txt");
  return form;
}

export function ingest(o: IngestOptions): Promise<Response> {
  const init: RequestInit = { method: "POST", body: ingestForm(o), ...(o.headers === undefined ? {} : { headers: o.headers }) };
  return o.overrides ? callWith(o.overrides, "/lectures/ingest", init) : call("/lectures/ingest", init);
}

export async function ingestOk(o: IngestOptions) {
  const res = await ingest(o);
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  return json(res);
}

/** `headers` are sent too, e.g. another credential (`Authorization: Bearer …`); the admin token otherwise. */
export function post(path: string, body?: unknown, overrides?: Record<string, unknown>, headers?: HeadersInit) {
  const sent = new Headers(headers);
  if (body !== undefined && !sent.has("content-type")) sent.set("content-type", "application/json");
  const init: RequestInit = { method: "POST", headers: sent, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  return overrides ? callWith(overrides, path, init) : call(path, init);
}

export async function getJob(id: string) {
  return json(await call(`/jobs/${id}`));
}

/** Polls a job until it reaches one of `statuses` (the real local queue runs it meanwhile). */
export async function waitForJob(id: string, statuses: string[] = ["completed", "failed"], timeout = 20_000) {
  return vi.waitFor(
    async () => {
      const job = await getJob(id);
      if (!statuses.includes(job.status)) throw new Error(`job ${id} is ${job.status}`);
      return job;
    },
    { timeout, interval: 100 },
  );
}

/** Uploads a transcript and runs transcription in inline mode; returns the lecture id. */
export async function transcribedLecture(o: IngestOptions) {
  await ingestOk(o);
  const res = await post(`/lectures/${o.lectureId}/transcribe`, undefined, { PLC_INLINE_JOBS: "1" });
  const body = await json(res);
  if (body.status !== "completed") throw new Error(`transcription ${body.status}: ${JSON.stringify(await getJob(body.jobId))}`);
  return o.lectureId;
}
