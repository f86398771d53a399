/**
 * Section H: a 90-minute lecture from upload-complete to transcript. The recording is made here
 * with espeak-ng and ffmpeg (sentences looped to BENCH_LONG_MINUTES, mono AAC at 32 kbps in M4A,
 * as a phone records; never committed) and uploaded to a second Worker on the same database that
 * has an OpenAI key pointed at the local OpenAI-protocol server (test/support/fake-openai.ts),
 * which decodes every chunk with ffmpeg and answers only after BENCH_CHUNK_DELAY_MS (its
 * `delay-<ms>` file-name marker: a provider's transcription time). TRANSCRIBE_CHUNK_MB is
 * BENCH_CHUNK_MB (2) so the recording is cut into about a dozen chunks. Printed: wall time from
 * the upload's completion to the finished transcript against the sum of the chunks' own times;
 * with TRANSCRIBE_CONCURRENCY 4 the wall time must be well under that sum.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { planChunks, UnsupportedAudioError } from "../../src/domain/audio/index.ts";
import { startFakeOpenAI } from "../../test/support/fake-openai.ts";
import { bearer, sleep, startWorker } from "../local-stack.ts";
import { problems, section, setPhase, table } from "./report.ts";
import { tmp, workerVars } from "./setup.ts";

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
}
const MINUTES = setting("BENCH_LONG_MINUTES", 90);
const CHUNK_MB = setting("BENCH_CHUNK_MB", 2);
const DELAY_MS = setting("BENCH_CHUNK_DELAY_MS", 3000);
const CONCURRENCY = 4;

const SENTENCES = [
  "Today we look at how cells turn nutrients into energy.",
  "The mitochondria convert sugar and oxygen into a molecule called ATP.",
  "Photosynthesis in plants stores the energy of light as sugar.",
  "An enzyme lowers the energy a reaction needs to get started.",
  "Remember that energy is never created or destroyed, only converted.",
  "Next week we will compare aerobic and anaerobic respiration.",
];

/** A spoken lecture of MINUTES minutes: `format` m4a (AAC) or mp3, 32 kbps mono. */
function makeRecording(format: "m4a" | "mp3"): string {
  const dir = path.join(tmp, "long");
  execFileSync("mkdir", ["-p", dir]);
  const speech = path.join(dir, "sentences.wav");
  // A pause after every sentence, as a lecturer makes: the provider answers a segment per sentence.
  if (!existsSync(speech)) execFileSync("espeak-ng", ["-m", "-s", "150", "-w", speech, `<speak>${SENTENCES.map((t) => `${t}<break time="1200ms"/>`).join(" ")}</speak>`]);
  const out = path.join(dir, `lecture.${format}`);
  const codec = format === "m4a" ? ["-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart"] : ["-c:a", "libmp3lame", "-b:a", "32k"];
  execFileSync("ffmpeg", ["-y", "-v", "error", "-stream_loop", "-1", "-i", speech, "-t", String(MINUTES * 60), "-ac", "1", "-ar", "16000", ...codec, out]);
  return out;
}

/** Whether the chunker can cut this file (the M4A demuxer may not be there yet). */
async function cuttable(file: string): Promise<boolean> {
  const data = readFileSync(file);
  const reader = { size: data.length, read: async (offset: number, length: number) => new Uint8Array(data.subarray(offset, offset + length)) };
  try {
    await planChunks(reader, { maxChunkBytes: CHUNK_MB * 1024 * 1024, overlapSec: 2 });
    return true;
  } catch (error) {
    if (error instanceof UnsupportedAudioError) return false;
    throw error;
  }
}

interface ChunkLog {
  msg: string;
  jobId?: string;
  outcome?: string;
  durationMs?: number;
}

export async function longTranscription() {
  section(`H. A ${MINUTES}-minute recording: upload-complete to transcript (chunks of ${CHUNK_MB} MB, provider answers after ${DELAY_MS} ms)`);
  setPhase("long transcription");
  const made = Date.now();
  let format: "m4a" | "mp3" = "m4a";
  let file = makeRecording(format);
  if (!(await cuttable(file))) {
    console.log("the chunker cannot cut M4A yet: benching the same lecture as MP3 (32 kbps) instead");
    format = "mp3";
    file = makeRecording(format);
  }
  const size = statSync(file).size;
  console.log(`recording: ${format.toUpperCase()}, ${(size / 1024 / 1024).toFixed(1)} MB, made in ${((Date.now() - made) / 1000).toFixed(0)} s`);

  const fake = await startFakeOpenAI(0);
  const logs: ChunkLog[] = [];
  const worker = await startWorker({
    tmp: path.join(tmp, "long-worker"),
    vars: {
      ...workerVars,
      OPENAI_API_KEY: "sk-bench",
      OPENAI_BASE_URL: `http://127.0.0.1:${fake.port}/v1`,
      TRANSCRIBE_CHUNK_MB: String(CHUNK_MB),
      TRANSCRIBE_CONCURRENCY: String(CONCURRENCY),
    },
    extraArgs: ["--name", "pegasus-long"],
    onLine: (line) => {
      const json = /\{"msg":"(?:chunk|job)".*\}/.exec(line)?.[0];
      if (json) try { logs.push(JSON.parse(json)); } catch {}
    },
  });
  const call = async (pathname: string, init: RequestInit = {}, expect = 200) => {
    const res = await fetch(worker.base + pathname, { ...init, headers: { authorization: bearer(), ...(init.headers ?? {}) }, signal: AbortSignal.timeout(300_000) });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${init.method ?? "GET"} ${pathname}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  try {
    const lectureId = `long-${Date.now()}`;
    const form = new FormData();
    for (const [k, v] of Object.entries({ course_id: "bench-long", lecture_id: lectureId, preset_id: "exam-mode", title: "A long lecture", duration_sec: String(MINUTES * 60) }))
      form.set(k, v);
    form.set("audio", new Blob([readFileSync(file)], { type: format === "m4a" ? "audio/mp4" : "audio/mpeg" }), `lecture-delay-${DELAY_MS}.${format}`);
    const uploadStarted = Date.now();
    await call("/lectures/ingest", { method: "POST", body: form });
    const uploaded = Date.now();
    const { jobId } = await call(`/lectures/${lectureId}/transcribe`, { method: "POST" });
    let job: { status: string; error: string | null; result: { chunkCount?: number; durationSec?: number; segmentCount?: number } | null };
    let peakMessage = "";
    for (;;) {
      job = await call(`/jobs/${jobId}`);
      if (job.status === "completed" || job.status === "failed") break;
      const progress = await call(`/lectures/${lectureId}/progress`);
      peakMessage = progress.stages.transcription.message ?? peakMessage;
      if (Date.now() - uploaded > 30 * 60_000) throw new Error("the transcription did not finish within 30 minutes");
      await sleep(250);
    }
    const wallSec = (Date.now() - uploaded) / 1000;
    if (job.status !== "completed") throw new Error(`transcription failed: ${job.error}`);
    await sleep(500); // the last chunk's log line
    const chunkRuns = logs.filter((l) => l.msg === "chunk" && l.jobId === jobId);
    const sumSec = chunkRuns.reduce((sum, l) => sum + (l.durationMs ?? 0), 0) / 1000;
    const chunks = job.result?.chunkCount ?? 0;
    const requests = fake.requests().filter((r) => r.path === "/v1/audio/transcriptions");
    table(
      ["upload", "chunks", "wall (upload-complete → transcript)", "sum of chunk times", "parallelism", "provider requests", "segments"],
      [[
        `${((uploaded - uploadStarted) / 1000).toFixed(1)} s`,
        chunks,
        `${wallSec.toFixed(1)} s`,
        `${sumSec.toFixed(1)} s`,
        `${(sumSec / wallSec).toFixed(2)}x (limit ${CONCURRENCY})`,
        `${requests.length} (${requests.filter((r) => r.status !== 200).length} refused)`,
        job.result?.segmentCount ?? 0,
      ]],
    );
    console.log(`transcript: ${(job.result?.durationSec ?? 0).toFixed(1)} s of audio; progress said e.g. "${peakMessage}"`);
    if (chunks < CONCURRENCY) problems.push(`long transcription: only ${chunks} chunks, too few to show parallelism (lower BENCH_CHUNK_MB)`);
    else if (wallSec > sumSec / 2) problems.push(`long transcription: wall time ${wallSec.toFixed(1)} s is not well under the sum of chunk times ${sumSec.toFixed(1)} s`);
    if (requests.some((r) => r.status !== 200)) problems.push("long transcription: the provider refused a chunk (a bad cut?)");
    return { format, chunks, wallSec, sumSec };
  } finally {
    await worker.stop();
    await fake.close();
  }
}
