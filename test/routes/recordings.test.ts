/**
 * A lecture's transcript as JSON and for download, and its recordings (appending parts recorded
 * later). Transcription of the recordings themselves is in
 * test/pipeline/long-transcription.openai.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json, uid } from "../support/http.ts";
import { queuedJob } from "../support/jobs.ts";
import { ingestOk, transcribedLecture } from "../support/lectures.ts";

const bucket = env.BUCKET as R2Bucket;
const keyOf = (uri: string) => uri.replace("r2://pegasus-media/", "");

const VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.500\nOsmosis moves &lt;water&gt; &amp; salt.\n\n01:00:05.000 --> 01:00:09.250\nDiffusion moves solutes.\n";

function appendForm(blob: Blob, filename: string) {
  const form = new FormData();
  form.set("audio", blob, filename);
  return { method: "POST", body: form };
}

const courseOf = new Map<string, string>();

async function audioLecture() {
  const lectureId = uid("lec");
  const courseId = uid("c");
  await ingestOk({ courseId, lectureId, file: new Blob(["not transcribed here"], { type: "audio/mpeg" }), filename: "part-1.mp3" });
  courseOf.set(lectureId, courseId);
  return lectureId;
}

describe("GET /lectures/{id}/transcript", () => {
  it("answers the stored transcript, and WebVTT, SubRip or text for download", async () => {
    const lectureId = await transcribedLecture({ courseId: uid("c"), lectureId: uid("lec"), file: new Blob([VTT], { type: "text/vtt" }), filename: "talk.vtt", durationSec: "3610" });

    const res = await call(`/lectures/${lectureId}/transcript`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      language: null,
      durationSec: 3610,
      segments: [
        { startSec: 1, endSec: 4.5, text: "Osmosis moves <water> & salt." },
        { startSec: 3605, endSec: 3609.25, text: "Diffusion moves solutes." },
      ],
    });

    const vtt = await call(`/lectures/${lectureId}/transcript?format=vtt`);
    expect(vtt.headers.get("content-type")).toBe("text/vtt; charset=utf-8");
    expect(vtt.headers.get("content-disposition")).toBe(`attachment; filename="${lectureId}.vtt"`);
    expect(await vtt.text()).toBe(
      "WEBVTT\n\n00:00:01.000 --> 00:00:04.500\nOsmosis moves &lt;water&gt; &amp; salt.\n\n01:00:05.000 --> 01:00:09.250\nDiffusion moves solutes.\n\n",
    );

    const srt = await call(`/lectures/${lectureId}/transcript?format=srt`);
    expect(srt.headers.get("content-type")).toBe("application/x-subrip; charset=utf-8");
    expect(srt.headers.get("content-disposition")).toBe(`attachment; filename="${lectureId}.srt"`);
    expect(await srt.text()).toBe("1\n00:00:01,000 --> 00:00:04,500\nOsmosis moves <water> & salt.\n\n2\n01:00:05,000 --> 01:00:09,250\nDiffusion moves solutes.\n\n");

    const txt = await call(`/lectures/${lectureId}/transcript?format=txt`);
    expect(txt.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(txt.headers.get("content-disposition")).toBe(`attachment; filename="${lectureId}.txt"`);
    expect(await txt.text()).toBe("[00:00:01] Osmosis moves <water> & salt.\n[01:00:05] Diffusion moves solutes.\n");
  });

  it("is a 404 problem before there is a transcript, for an unknown lecture, and 422 for an unknown format", async () => {
    const lectureId = await audioLecture();
    const none = await call(`/lectures/${lectureId}/transcript`);
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await json(none)).toMatchObject({ code: "transcript_not_found" });
    expect(await json(await call(`/lectures/${uid("missing")}/transcript?format=vtt`))).toMatchObject({ status: 404, code: "lecture_not_found" });
    expect((await call(`/lectures/${lectureId}/transcript?format=pdf`)).status).toBe(422);
  });
});

describe("recordings", () => {
  it("appends recordings in order and lists them after the lecture's own", async () => {
    const lectureId = await audioLecture();
    const first = await json(await call(`/lectures/${lectureId}/recordings`));
    expect(first.recordings).toHaveLength(1);
    expect(first.recordings[0]).toMatchObject({ position: 1, original_filename: "part-1.mp3", size_bytes: 20 });

    const res = await call(`/lectures/${lectureId}/recordings`, appendForm(new Blob(["second part"], { type: "audio/wav" }), "part-2.wav"));
    expect(res.status).toBe(201);
    const appended = await json(res);
    expect(appended).toMatchObject({ position: 2, original_filename: "part-2.wav", content_type: "audio/wav", size_bytes: 11 });
    expect(appended.checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await (await bucket.get(keyOf(appended.audio_path)))!.text()).toBe("second part");
    await call(`/lectures/${lectureId}/recordings`, appendForm(new Blob(["third"]), "part-3.mp3"));

    const listed = await json(await call(`/lectures/${lectureId}/recordings`));
    expect(listed.recordings.map((r: { position: number; original_filename: string }) => [r.position, r.original_filename])).toEqual([
      [1, "part-1.mp3"],
      [2, "part-2.wav"],
      [3, "part-3.mp3"],
    ]);

    // A re-ingest replaces the recording: the appended parts go, rows and objects.
    await ingestOk({ courseId: courseOf.get(lectureId)!, lectureId, file: new Blob(["new"], { type: "audio/mpeg" }), filename: "new.mp3" });
    expect((await json(await call(`/lectures/${lectureId}/recordings`))).recordings).toHaveLength(1);
    expect(await bucket.head(keyOf(appended.audio_path))).toBeNull();
  });

  it("deletes appended recordings with the lecture", async () => {
    const lectureId = await audioLecture();
    const appended = await json(await call(`/lectures/${lectureId}/recordings`, appendForm(new Blob(["later"]), "later.mp3")));
    expect((await call(`/lectures/${lectureId}`, { method: "DELETE" })).status).toBe(204);
    expect(await bucket.head(keyOf(appended.audio_path))).toBeNull();
    expect((await call(`/lectures/${lectureId}/recordings`)).status).toBe(404);
  });

  it("refuses what cannot be appended, storing nothing", async () => {
    const lectureId = await audioLecture();
    const transcriptLecture = await transcribedLecture({ courseId: uid("c"), lectureId: uid("lec") });
    const problem = async (res: Response) => ({ status: res.status, ...(await json(res)) });
    const audioObjects = async () => (await bucket.list({ prefix: "owners/local/audio/" })).objects.length;
    const before = await audioObjects();

    expect(await problem(await call(`/lectures/${uid("missing")}/recordings`, appendForm(new Blob(["x"]), "x.mp3")))).toMatchObject({ status: 404, code: "lecture_not_found" });
    expect((await call(`/lectures/${lectureId}/recordings`, { method: "POST", body: "raw", headers: { "content-type": "audio/mpeg" } })).status).toBe(415);
    const noFile = new FormData();
    noFile.set("title", "no file");
    expect(await problem(await call(`/lectures/${lectureId}/recordings`, { method: "POST", body: noFile }))).toMatchObject({ status: 422, errors: [{ loc: ["body", "audio"], type: "missing" }] });
    expect(await problem(await call(`/lectures/${lectureId}/recordings`, appendForm(new Blob([]), "empty.mp3")))).toMatchObject({ status: 422 });
    expect(await problem(await call(`/lectures/${lectureId}/recordings`, appendForm(new Blob(["WEBVTT\n"], { type: "text/vtt" }), "notes.vtt")))).toMatchObject({ status: 422 });

    expect(await problem(await call(`/lectures/${transcriptLecture}/recordings`, appendForm(new Blob(["x"]), "x.mp3")))).toMatchObject({ status: 409, code: "lecture_is_transcript" });

    await queuedJob(lectureId, "transcription");
    expect(await problem(await call(`/lectures/${lectureId}/recordings`, appendForm(new Blob(["x"]), "x.mp3")))).toMatchObject({ status: 409, code: "transcription_in_progress" });
    expect((await json(await call(`/lectures/${lectureId}/recordings`))).recordings).toHaveLength(1);
    expect(await audioObjects()).toBe(before);
  });
});
