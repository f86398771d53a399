/**
 * The transcription stage stores only sanitised transcripts: whatever bytes a student uploads,
 * the database and later stages never see NUL, control characters, lone surrogates or times
 * outside a day.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json, TEST_PREFIX, uid } from "../support/http.ts";
import { getJob, ingestOk, post } from "../support/lectures.ts";

const INLINE = { PLC_INLINE_JOBS: "1" };
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

async function transcribeUpload(body: string, filename: string) {
  const lectureId = uid("lec");
  await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([body], { type: "application/octet-stream" }), filename });
  const started = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, INLINE));
  return { lectureId, job: await getJob(started.jobId) };
}

async function storedTranscript(lectureId: string) {
  const object = await env.BUCKET.get(`${TEST_PREFIX}transcripts/${lectureId}.json`);
  if (!object) throw new Error(`no transcript stored for ${lectureId}`);
  return (await object.json()) as { language: string | null; text: string; segments: { startSec: number; endSec: number; text: string }[] };
}

describe("transcription stage: sanitising uploads", () => {
  it("strips NUL bytes and control characters from a .txt transcript", async () => {
    const text =
      "Today we study\u0000 the cell membrane, the thin barrier around every cell.\u0007 " +
      "Diffusion moves\u0000\u0000 molecules from high to low concentration.\u001b Osmosis is the diffusion of water.\u0085";
    const { lectureId, job } = await transcribeUpload(text, "notes.txt");
    expect(job).toMatchObject({ status: "completed", error: null });
    const transcript = await storedTranscript(lectureId);
    expect(transcript.segments.length).toBeGreaterThan(0);
    expect(transcript.text).toContain("Today we study the cell membrane");
    for (const s of transcript.segments) expect(s.text).not.toMatch(CONTROL);
    expect(transcript.text).not.toMatch(CONTROL);
    const lecture = await json(await call(`/lectures/${lectureId}`));
    expect(lecture.status).toBe("transcribed");
  });

  it("fails a transcript that is only control characters as empty", async () => {
    const { job } = await transcribeUpload("\u0000\u0000\u0001\u0002 \u0000\u0007\u0000", "noise.txt");
    expect(job).toMatchObject({ status: "failed", error: "The transcript is empty." });
  });

  it("drops a .json transcript's language that is not a language tag, and keeps the job and lecture in step", async () => {
    const body = JSON.stringify({ language: "\u0000", segments: [{ start: 0, end: 4, text: "Entropy tends to increase in a closed system." }] });
    const { lectureId, job } = await transcribeUpload(body, "captions.json");
    expect(job).toMatchObject({ status: "completed", error: null });
    expect(job.result.language).toBeNull();
    expect((await storedTranscript(lectureId)).language).toBeNull();
    expect((await json(await call(`/lectures/${lectureId}`))).status).toBe("transcribed");
  });

  it("replaces lone surrogates in segment text with U+FFFD", async () => {
    const body = `{"language":"en","segments":[{"start":0,"end":3,"text":"Half a pair \\ud800 here and \\udc00 there."}]}`;
    const { lectureId, job } = await transcribeUpload(body, "captions.json");
    expect(job).toMatchObject({ status: "completed", error: null });
    const transcript = await storedTranscript(lectureId);
    expect(transcript.language).toBe("en");
    // Compared as JSON, which escapes a lone surrogate, so a failure report stays valid UTF-8.
    expect(JSON.stringify(transcript.segments.map((s) => s.text))).toBe(JSON.stringify(["Half a pair \uFFFD here and \uFFFD there."]));
  });

  it("bounds absurd segment times to a day, so generation still runs", async () => {
    const body = JSON.stringify({
      segments: [
        { start: 0, end: 5, text: "The membrane is built from a phospholipid bilayer with hydrophilic heads." },
        { start: 1e308, end: 1e308, text: "Active transport uses energy from ATP to move substances against the gradient." },
        { start: 7, end: 1e300, text: "Osmosis is the diffusion of water across a selectively permeable membrane." },
      ],
    });
    const { lectureId, job } = await transcribeUpload(body, "captions.json");
    expect(job).toMatchObject({ status: "completed", error: null });
    const transcript = await storedTranscript(lectureId);
    expect(transcript.segments.map((s) => [s.startSec, s.endSec])).toEqual([
      [0, 5],
      [7, 86_400],
      [86_400, 86_400],
    ]);
    const generated = await json(await post(`/lectures/${lectureId}/generate`, {}, INLINE));
    expect(generated.status).toBe("completed");
  });
});
