/**
 * What a transcription provider returns is sanitised like an upload before it is stored.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, TEST_PREFIX, uid } from "../support/http.ts";
import { getJob, ingestOk, post } from "../support/lectures.ts";

describe("transcription stage: sanitising the provider's answer", () => {
  it("strips control characters from Whisper segments before storing them", async () => {
    const lectureId = uid("lec");
    // The local OpenAI server "hears" text bytes as speech, one segment per line.
    const speech = ["Welcome\u0007 to thermodynamics.", "\u0001\u0002\u001b", "Energy is\u007f conserved in a closed system."].join("\n");
    await ingestOk({ courseId: uid("c"), lectureId, file: new Blob([speech], { type: "audio/mpeg" }), filename: `talk-${lectureId}.mp3` });
    const started = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, { PLC_INLINE_JOBS: "1" }));
    const job = await getJob(started.jobId);
    expect(job).toMatchObject({ status: "completed", error: null, result: { segmentCount: 2, language: "en" } });
    const transcript = (await (await env.BUCKET.get(`${TEST_PREFIX}transcripts/${lectureId}.json`))!.json()) as any;
    expect(transcript.segments.map((s: any) => s.text)).toEqual(["Welcome to thermodynamics.", "Energy is conserved in a closed system."]);
    expect(transcript.text).toBe("Welcome to thermodynamics. Energy is conserved in a closed system.");
  });

  it("sends Whisper the course's words (course and lecture titles) as its prompt", async () => {
    const lectureId = uid("lec");
    const filename = `prompted-${lectureId}.mp3`;
    await ingestOk({ courseId: uid("c"), lectureId, courseTitle: "Thermodynamics", title: "Entropy and Carnot", file: new Blob(["Heat flows."], { type: "audio/mpeg" }), filename });
    await post(`/lectures/${lectureId}/transcribe`, undefined, { PLC_INLINE_JOBS: "1" });
    const fake = env.OPENAI_BASE_URL.replace(/\/v1$/, "");
    const [request] = (await (await fetch(`${fake}/__requests?contains=${encodeURIComponent(filename)}`)).json()) as { prompt: string | null }[];
    expect(request?.prompt).toBe("Thermodynamics. Entropy and Carnot.");
  });
});
