/**
 * Workers AI as the only provider: the AI binding is workerd's own client, talking to the local
 * stand-in (test/support/fake-workers-ai.ts) with the models' real shapes, and there is no OpenAI
 * key, so both stages default to Workers AI. Jobs run on the real local queue unless a test says inline.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ARTIFACT_SCHEMAS, type ArtifactType } from "../../src/domain/artifacts.ts";
import { DEFAULT_WORKERS_AI_MODEL } from "../../src/config.ts";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import { getJob, ingestOk, post, waitForJob } from "../support/lectures.ts";
import type { RecordedAiRequest } from "../support/fake-workers-ai.ts";

const WHISPER = "@cf/openai/whisper-large-v3-turbo";
const inline = { PLC_INLINE_JOBS: "1" };

const SPOKEN = [
  "Today we study the Krebs cycle, which runs in the mitochondrial matrix.",
  "Acetyl CoA joins oxaloacetate to form citrate.",
  "Each turn of the cycle makes three NADH, one FADH2 and one ATP.",
  "The NADH carries electrons to the electron transport chain.",
  "Oxaloacetate is regenerated at the end of every turn.",
  "Without oxygen the chain stops and the cycle slows down.",
];

async function aiRequests(contains: string): Promise<RecordedAiRequest[]> {
  const res = await fetch(`${env.TEST_WORKERS_AI}/__requests?contains=${encodeURIComponent(contains)}`);
  return ((await res.json()) as RecordedAiRequest[]).sort((a, b) => a.seq - b.seq);
}

/** A recording whose "audio" the stand-in hears as these lines (plus a tag to find its requests). */
async function audioLecture(lines: string[], options: { courseId?: string; courseTitle?: string; marker?: string } = {}) {
  const lectureId = uid("lec");
  const courseId = options.courseId ?? uid("bio");
  const tag = `tag-${crypto.randomUUID().slice(0, 8)}`;
  const spoken = [`${lines[0]} (${tag}) ${options.marker ?? ""}`.trim(), ...lines.slice(1)].join("\n");
  await ingestOk({
    courseId,
    lectureId,
    title: "The Krebs cycle",
    ...(options.courseTitle ? { courseTitle: options.courseTitle } : {}),
    file: new Blob([spoken], { type: "audio/mpeg" }),
    filename: "krebs.mp3",
  });
  return { lectureId, courseId, tag };
}

describe("Workers AI end to end", () => {
  it("runs transcribe → generate → export through the real queue, with schema-valid, grounded material", async () => {
    const { lectureId, courseId, tag } = await audioLecture(SPOKEN, { courseTitle: "Biochemistry 201" });
    const t = await json(await post(`/lectures/${lectureId}/transcribe`));
    const g = await json(await post(`/lectures/${lectureId}/generate`, {}));
    const e = await json(await post(`/lectures/${lectureId}/export`));
    const jobs = [];
    for (const id of [t.jobId, g.jobId, e.jobId]) jobs.push(await waitForJob(id, ["completed", "failed"], 25_000));
    expect(jobs.map((j) => [j.status, j.error])).toEqual([["completed", null], ["completed", null], ["completed", null]]);
    expect(jobs[0].result.engine).toEqual({ provider: "workers-ai", model: WHISPER });
    expect(jobs[1].result.generator).toBe(`workers-ai:${DEFAULT_WORKERS_AI_MODEL}`);

    // The request Whisper got: base64 audio, voice activity detection, the course's words as prompt.
    const [heard] = (await aiRequests(tag)).filter((r) => r.model === WHISPER);
    expect(heard!.inputs).toMatchObject({ task: "transcribe", vad_filter: true });
    expect(heard!.inputs.initial_prompt).toBe("Biochemistry 201. The Krebs cycle.");
    expect(heard!.inputs.audio).toContain(tag);

    // Segment times kept, word times stored with the transcript.
    const transcript = (await (await env.BUCKET.get(`${TEST_PREFIX}transcripts/${lectureId}.json`))!.json()) as any;
    expect(transcript.engine).toEqual({ provider: "workers-ai", model: WHISPER });
    expect(transcript.language).toBe("en");
    expect(transcript.segments).toHaveLength(SPOKEN.length);
    expect(transcript.segments[1]).toMatchObject({ text: SPOKEN[1], startSec: expect.any(Number), endSec: expect.any(Number) });
    expect(transcript.segments[1].startSec).toBeGreaterThan(transcript.segments[0].endSec - 0.001);
    expect(transcript.words.length).toBeGreaterThan(40);
    expect(transcript.words[0]).toEqual({ word: "Today", startSec: 0.4, endSec: expect.any(Number) });

    // Every stored artifact passes the API's schemas, and every citation points at a real segment with its times.
    for (const type of Object.keys(ARTIFACT_SCHEMAS) as ArtifactType[]) {
      const artifact = (await (await env.BUCKET.get(`${TEST_PREFIX}artifacts/${lectureId}/${type}.json`))!.json()) as any;
      const check = ARTIFACT_SCHEMAS[type].safeParse(artifact);
      expect(check.success, `${type}: ${check.error?.message}`).toBe(true);
      const sources = JSON.stringify(artifact).match(/"segmentIndex":\d+/g) ?? [];
      for (const match of sources) expect(Number(match.split(":")[1])).toBeLessThan(SPOKEN.length);
    }
    // The stand-in cites a marker that does not exist (99999), as real models do; grounding dropped it.
    const summary = (await (await env.BUCKET.get(`${TEST_PREFIX}artifacts/${lectureId}/summary.json`))!.json()) as any;
    expect(JSON.stringify(summary)).not.toContain("99999");

    // Generation asked for JSON-schema output, with room to answer.
    const asked = (await aiRequests(tag)).filter((r) => r.model === DEFAULT_WORKERS_AI_MODEL);
    // Study material, then threads, each accepted at the first answer (no repair, no offline fallback).
    expect(asked.map((r) => r.status)).toEqual([200, 200]);
    expect(asked[0]!.inputs).toMatchObject({ response_format: { type: "json_schema", json_schema: { type: "object" } }, max_tokens: 6000 });
    expect((asked[0]!.inputs as any).response_format.json_schema.required).toContain("sections");

    const threads = await json(await call(`/courses/${courseId}/threads`));
    expect(threads.threads.length).toBeGreaterThan(0);
  });

  it("/health/ready names the providers and models in use", async () => {
    const body = await json(await call("/health/ready"));
    expect(body.providers).toEqual({
      transcription: { provider: "workers-ai", model: WHISPER },
      generation: { provider: "workers-ai", model: DEFAULT_WORKERS_AI_MODEL },
      gateway: null,
    });
  });
});

describe("Workers AI failures", () => {
  it("retries a capacity error (3040) and completes on a later attempt", async () => {
    const { lectureId, tag } = await audioLecture(SPOKEN.slice(0, 3), { marker: "[[wai:capacity-twice]]" });
    const { jobId } = await json(await post(`/lectures/${lectureId}/transcribe`));
    const done = await waitForJob(jobId, ["completed", "failed"], 25_000);
    expect(done).toMatchObject({ status: "completed", attempt: 3 });
    const statuses = (await aiRequests(tag)).map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it("a capacity error that never clears fails the job after every attempt, with the service's words", async () => {
    const { lectureId } = await audioLecture(SPOKEN.slice(0, 2), { marker: "[[wai:capacity-always]]" });
    const { jobId } = await json(await post(`/lectures/${lectureId}/transcribe`));
    const failed = await waitForJob(jobId, ["failed"], 25_000);
    expect(failed.attempt).toBe(4);
    expect(failed.error).toMatch(/3040: No more data centers/);
  });

  it("an unknown model (5007) fails at once: permanent", async () => {
    const { lectureId } = await audioLecture(SPOKEN.slice(0, 2));
    const body = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, { ...inline, WORKERS_AI_TRANSCRIPTION_MODEL: "@cf/nobody/whisper-x" }));
    expect(body.status).toBe("failed");
    const job = await getJob(body.jobId);
    expect(job).toMatchObject({ status: "failed", attempt: 1 });
    expect(job.error).toMatch(/^Workers AI \(@cf\/nobody\/whisper-x\): 5007: No such model/);
  });

  for (const [marker, what] of [
    ["malformed-once", "an answer that is not JSON"],
    ["invalid-once", "an answer that fails validation"],
    ["json-mode-once", "\"JSON Mode couldn't be met\""],
  ] as const) {
    it(`repairs ${what} with one more request`, async () => {
      const lines = [...SPOKEN.slice(0, 4), `[[wai:${marker}]] Remember the cycle turns twice per glucose.`];
      const { lectureId, tag } = await audioLecture(lines);
      for (const stage of ["transcribe", "generate"]) {
        const body = await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, inline));
        expect(body.status, JSON.stringify(await getJob(body.jobId))).toBe("completed");
      }
      // The marker rides in the transcript to the generation requests, which are found by the tag.
      const material = (await aiRequests(tag)).filter((r) => r.model === DEFAULT_WORKERS_AI_MODEL && JSON.stringify(r.inputs).includes('"sections"'));
      expect(material.length).toBe(2);
      const repair = (material[1]!.inputs.messages as { role: string; content: string }[]).at(-1)!;
      expect(repair.role).toBe("user");
      expect(repair.content).toMatch(/failed validation/);
    });
  }

  it("routes requests through the AI Gateway when AI_GATEWAY_ID is set", async () => {
    const { lectureId, tag } = await audioLecture(SPOKEN.slice(0, 2));
    const body = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, { ...inline, AI_GATEWAY_ID: "pegasus-gw" }));
    expect(body.status).toBe("completed");
    const [request] = await aiRequests(tag);
    expect(request!.options).toMatchObject({ gateway: { id: "pegasus-gw" } });
    expect(request!.url).toMatch(/\/ai-gateway\/run\b/);
  });
});
