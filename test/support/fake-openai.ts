/**
 * A local server that speaks the part of the OpenAI API the pipeline uses, so tests exercise the
 * real SDK end to end. It runs in Node (vitest's global setup); tests inside workerd cannot reach
 * its memory, so every scenario is chosen by the request itself:
 *
 * chat (markers anywhere in the messages, usually in the transcript):
 *   [[fake:refuse]]         the model refuses
 *   [[fake:truncate]]       finish_reason "length" with cut-off JSON
 *   [[fake:invalid-once]]   the first answer for this conversation fails validation, later ones pass
 *   [[fake:invalid-always]] every answer fails validation
 *   [[fake:malformed-once]] the first answer is not JSON at all
 *   [[fake:status=NNN]]     an HTTP error with that status
 *   [[fake:delay=MS]]       answer only after MS milliseconds (for client timeouts)
 *   thread detection only: [[fake:new=Title|level]], [[fake:update=Title|change_type|level]]
 * audio (the file name):
 *   fail-twice   the first two requests for that exact file name get 503
 *   always-503   every request gets 503
 *   status-429   every request gets 429
 *   delay-<ms>   answer only after that many milliseconds (the bench's simulated provider time)
 *
 * "Audio" bytes that decode as text are transcribed as that text, one segment per line, so tests
 * control the transcript. GET /__requests lists what was received (?contains= filters).
 *
 * Real media (bytes that start like one of the containers OpenAI accepts) is decoded with ffmpeg,
 * as the provider would: a file that does not decode cleanly as the format its name declares gets
 * 400 "Invalid file format". A valid one is transcribed by speech detection (ffmpeg silencedetect):
 * one segment "speech N" per stretch of sound, times relative to the file, duration = decoded
 * length. So tests can check cut chunks and absolute stitched times against
 * test/fixtures/audio/manifest.json.
 *
 * Test support (no credential needed):
 *   POST /__probe?name=chunk.ogg   body = a file; answers ffprobe/ffmpeg's view of it (ProbeResult)
 *   GET  /__fixtures/audio/<name>  a file of test/fixtures/audio, honouring Range (ranged reads)
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Busboy } from "@fastify/busboy";

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  status: number;
  model: string | null;
  /** Chat: the json_schema name; audio: the response_format field. */
  responseFormat: string | null;
  messages?: { role: string; content: string }[];
  filename?: string;
  contentType?: string;
  bytes?: number;
  timestampGranularities?: string[];
  /** Audio: the `prompt` field (words the recording likely contains). */
  prompt?: string | null;
}

export interface FakeOpenAI {
  port: number;
  requests: () => RecordedRequest[];
  close(): Promise<void>;
}

const AUDIO_LIMIT = 25 * 1024 * 1024;

export async function startFakeOpenAI(port = 0): Promise<FakeOpenAI> {
  const recorded: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  const bump = (key: string) => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake server error: ${String(error)}`, "server_error");
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && url.pathname === "/__requests") {
      const contains = url.searchParams.get("contains");
      const list = contains ? recorded.filter((r) => JSON.stringify(r).includes(contains)) : recorded;
      return sendJson(res, 200, list);
    }
    if (req.method === "POST" && url.pathname === "/__probe") {
      const result = await probeMedia(await readBody(req), url.searchParams.get("name") ?? "audio");
      return sendJson(res, 200, result);
    }
    if (req.method === "GET" && url.pathname.startsWith("/__fixtures/audio/")) return sendFixture(req, res, url.pathname.slice("/__fixtures/audio/".length));
    const record: RecordedRequest = { seq: recorded.length + 1, method: req.method ?? "", path: url.pathname, status: 0, model: null, responseFormat: null };
    recorded.push(record);
    const reply = (status: number, send: () => void) => {
      record.status = status;
      send();
    };
    if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) {
      return reply(401, () => sendError(res, 401, "You didn't provide an API key.", "invalid_request_error"));
    }
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") return chat(req, res, record, reply);
    if (req.method === "POST" && url.pathname === "/v1/audio/transcriptions") return audio(req, res, record, reply);
    if (req.method === "POST" && url.pathname === "/v1/embeddings") return embeddings(req, res, record, reply);
    return reply(404, () => sendError(res, 404, `Unknown endpoint ${req.method} ${url.pathname}`, "invalid_request_error"));
  }

  type Reply = (status: number, send: () => void) => void;

  async function chat(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, reply: Reply) {
    const body = JSON.parse((await readBody(req)).toString("utf8")) as {
      model?: string;
      messages?: { role: string; content: unknown }[];
      response_format?: { type?: string; json_schema?: { name?: string; schema?: JsonSchema } };
    };
    const messages = (body.messages ?? []).map((m) => ({ role: m.role, content: contentText(m.content) }));
    const schemaName = body.response_format?.json_schema?.name ?? null;
    Object.assign(record, { model: body.model ?? null, responseFormat: schemaName, messages });
    if (!body.model) return reply(400, () => sendError(res, 400, "you must provide a model parameter", "invalid_request_error"));

    const all = messages.map((m) => m.content).join("\n");
    const delay = /\[\[fake:delay=(\d+)\]\]/.exec(all);
    if (delay) await new Promise((resolve) => setTimeout(resolve, Math.min(Number(delay[1]), 30_000)));
    if (!res.socket || res.socket.destroyed) return reply(499, () => res.destroy()); // the client gave up
    const status = /\[\[fake:status=(\d{3})\]\]/.exec(all);
    if (status) {
      const code = Number(status[1]);
      return reply(code, () => sendError(res, code, `Simulated HTTP ${code}.`, code === 429 ? "rate_limit_exceeded" : "invalid_request_error"));
    }

    const firstUser = messages.find((m) => m.role === "user")?.content ?? "";
    const conversation = hash(`${body.model}|${schemaName}|${firstUser}`);
    const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
    let content: string | null;
    let refusal: string | null = null;
    let finish = "stop";
    const valid = () => JSON.stringify(answer(schemaName, body.response_format?.json_schema?.schema, system, firstUser));

    if (all.includes("[[fake:refuse]]")) {
      content = null;
      refusal = "I'm sorry, but I can't help with that request.";
    } else if (all.includes("[[fake:truncate]]")) {
      content = valid().slice(0, 40);
      finish = "length";
    } else if (all.includes("[[fake:malformed-once]]") && bump(`malformed:${conversation}`) === 1) {
      content = "Here is your study material: {";
    } else if (all.includes("[[fake:invalid-always]]") || (all.includes("[[fake:invalid-once]]") && bump(`invalid:${conversation}`) === 1)) {
      content = JSON.stringify(invalidAnswer(schemaName, body.response_format?.json_schema?.schema, system, firstUser));
    } else {
      content = valid();
    }

    const promptTokens = Math.ceil(all.length / 4);
    const completionTokens = Math.ceil((content ?? refusal ?? "").length / 4);
    reply(200, () =>
      sendJson(res, 200, {
        id: `chatcmpl-fake-${record.seq}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content, refusal, annotations: [] }, logprobs: null, finish_reason: finish }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
        system_fingerprint: null,
      }),
    );
  }

  async function audio(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, reply: Reply) {
    const form = await readMultipart(req);
    const model = form.fields.get("model")?.[0] ?? null;
    const format = form.fields.get("response_format")?.[0] ?? "json";
    const granularities = form.fields.get("timestamp_granularities[]") ?? [];
    Object.assign(record, {
      model,
      responseFormat: format,
      filename: form.file?.filename,
      contentType: form.file?.contentType,
      bytes: form.file?.data.length ?? 0,
      timestampGranularities: granularities,
      prompt: form.fields.get("prompt")?.[0] ?? null,
    });
    const fail = (code: number, message: string, type = "invalid_request_error") => reply(code, () => sendError(res, code, message, type));
    if (!form.file) return fail(400, "No file was uploaded.");
    if (!model) return fail(400, "you must provide a model parameter");
    const name = form.file.filename;
    // delay-<ms>: a provider that takes its time (scripts/bench/long-transcription.ts).
    const audioDelay = /delay-(\d+)/.exec(name);
    if (audioDelay) await new Promise((resolve) => setTimeout(resolve, Math.min(Number(audioDelay[1]), 120_000)));
    if (name.includes("always-503") || (name.includes("fail-twice") && bump(`audio:${name}`) <= 2)) return fail(503, "Simulated outage.", "server_error");
    if (name.includes("status-429")) return fail(429, "Rate limit reached for requests.", "rate_limit_exceeded");
    if (form.file.data.length > AUDIO_LIMIT) return fail(413, `Maximum content size limit (${AUDIO_LIMIT}) exceeded.`);
    const whisper = model === "whisper-1";
    if (format === "verbose_json" && !whisper) return fail(400, `response_format 'verbose_json' is not compatible with model '${model}'.`);
    if (granularities.length > 0 && format !== "verbose_json") return fail(400, "timestamp_granularities requires response_format 'verbose_json'.");

    let clock = 0;
    let spans: { start: number; end: number; text: string }[];
    if (mediaContainer(form.file.data)) {
      const media = await probeMedia(form.file.data, name);
      if (!media.valid) return fail(400, `Invalid file format. Supported formats: ${ACCEPTED_EXTENSIONS.join(", ")}`);
      clock = media.durationSec;
      spans = media.speech.map((s, i) => ({ ...s, text: `speech ${i + 1}` }));
    } else {
      spans = spokenLines(form.file.data).map((line) => {
        const start = clock;
        clock = Math.round((clock + Math.max(1, line.length * 0.06)) * 100) / 100;
        return { start, end: clock, text: line };
      });
    }
    const segments = spans.map(({ start, end, text }, id) => ({
      id, seek: 0, start, end, text: ` ${text}`, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.3, no_speech_prob: 0.01,
    }));
    const text = spans.map((l) => l.text.trim()).filter(Boolean).join(" ");
    if (format === "verbose_json") {
      return reply(200, () =>
        sendJson(res, 200, { task: "transcribe", language: "english", duration: clock, text, segments, usage: { type: "duration", seconds: Math.ceil(clock) } }),
      );
    }
    if (format === "text") return reply(200, () => sendText(res, 200, text));
    if (format !== "json") return fail(400, `Unsupported response_format '${format}' in this fake.`);
    const usage = whisper
      ? { type: "duration", seconds: Math.ceil(clock) }
      : { type: "tokens", input_tokens: 100, output_tokens: Math.ceil(text.length / 4), total_tokens: 100 + Math.ceil(text.length / 4) };
    return reply(200, () => sendJson(res, 200, { text, usage }));
  }

  // ---- embeddings (search): a bag of word stems hashed into the requested dimensions ----
  async function embeddings(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, reply: Reply) {
    const body = JSON.parse((await readBody(req)).toString("utf8")) as { model?: string; input?: string | string[]; dimensions?: number };
    Object.assign(record, { model: body.model ?? null });
    if (!body.model) return reply(400, () => sendError(res, 400, "you must provide a model parameter", "invalid_request_error"));
    const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ""];
    if (inputs.some((text) => text.includes("[[fake:status=503]]"))) return reply(503, () => sendError(res, 503, "Simulated outage.", "server_error"));
    const dimensions = body.dimensions ?? 1536;
    const data = inputs.map((text, index) => ({ object: "embedding", index, embedding: bagOfStems(text, dimensions) }));
    const tokens = inputs.reduce((n, text) => n + Math.ceil(text.length / 4), 0);
    reply(200, () => sendJson(res, 200, { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => recorded.slice(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---- real media: decoded with ffmpeg, as the provider would ----

/** File extensions the provider accepts, and the ffprobe demuxer each must decode as. */
const DEMUXER_FOR_EXTENSION: Record<string, string> = {
  flac: "flac",
  mp3: "mp3",
  mpeg: "mp3",
  mpga: "mp3",
  mp4: "mov,mp4,m4a,3gp,3g2,mj2",
  m4a: "mov,mp4,m4a,3gp,3g2,mj2",
  ogg: "ogg",
  wav: "wav",
  webm: "matroska,webm",
};
const ACCEPTED_EXTENSIONS = Object.keys(DEMUXER_FOR_EXTENSION);
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/audio");

export interface ProbeResult {
  /** Decodes without errors as the format its name declares. */
  valid: boolean;
  /** Why not, when not valid. */
  problem: string | null;
  formatName: string | null;
  codec: string | null;
  sampleRate: number | null;
  channels: number | null;
  /** What the container claims (may be estimated by ffprobe, e.g. VBR MP3 without a Xing frame). */
  containerDurationSec: number | null;
  /** Length of the decoded audio. */
  durationSec: number;
  /** ffmpeg's error-level messages while decoding. */
  errors: string[];
  /** Stretches of sound between silences, relative to the file. */
  speech: { start: number; end: number }[];
}

/** Starts like a container OpenAI accepts (text and arbitrary bytes keep the older behaviour). */
function mediaContainer(data: Buffer): boolean {
  const at = (offset: number, magic: string) => data.subarray(offset, offset + magic.length).toString("latin1") === magic;
  if (at(0, "RIFF") || at(0, "fLaC") || at(0, "OggS") || at(0, "ID3") || at(4, "ftyp")) return true;
  if (data[0] === 0x1a && data[1] === 0x45 && data[2] === 0xdf && data[3] === 0xa3) return true;
  return data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0 && ((data[1] ?? 0) & 0x06) !== 0;
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function probeMedia(data: Buffer, name: string): Promise<ProbeResult> {
  const extension = path.extname(name).slice(1).toLowerCase();
  const dir = await mkdtemp(path.join(tmpdir(), "fake-openai-"));
  const file = path.join(dir, `input.${extension || "bin"}`);
  const result: ProbeResult = {
    valid: false, problem: null, formatName: null, codec: null, sampleRate: null, channels: null,
    containerDurationSec: null, durationSec: 0, errors: [], speech: [],
  };
  try {
    await writeFile(file, data);
    const probe = await run("ffprobe", ["-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type,codec_name,sample_rate,channels", "-of", "json", file]);
    if (probe.code !== 0) {
      result.problem = `ffprobe failed: ${probe.stderr.trim()}`;
      return result;
    }
    const info = JSON.parse(probe.stdout) as { format?: { format_name?: string; duration?: string }; streams?: { codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number }[] };
    const stream = info.streams?.find((s) => s.codec_type === "audio");
    result.formatName = info.format?.format_name ?? null;
    result.containerDurationSec = info.format?.duration ? Number(info.format.duration) : null;
    result.codec = stream?.codec_name ?? null;
    result.sampleRate = stream?.sample_rate ? Number(stream.sample_rate) : null;
    result.channels = stream?.channels ?? null;
    // Decode everything at a fixed rate: the byte count is the decoded length; silencedetect
    // (info level) and any decoding error (error level) come out on stderr, tagged by level.
    const rate = 8000;
    const decode = await run("sh", ["-c", `ffmpeg -nostdin -nostats -loglevel level+info -i "$0" -vn -af silencedetect=noise=-40dB:d=0.45 -ac 1 -ar ${rate} -f s16le - | wc -c`, file]);
    const lines = decode.stderr.split("\n");
    result.errors = lines.filter((l) => /\[(error|fatal|panic)\]/.test(l)).map((l) => l.trim());
    result.durationSec = Math.round((Number(decode.stdout.trim()) / 2 / rate) * 1000) / 1000;
    const silences: { start: number; end: number }[] = [];
    for (const line of lines) {
      const start = /silence_start: (-?[\d.]+)/.exec(line);
      if (start) silences.push({ start: Math.max(0, Number(start[1])), end: result.durationSec });
      const end = /silence_end: ([\d.]+)/.exec(line);
      if (end && silences.length) silences[silences.length - 1]!.end = Number(end[1]);
    }
    let cursor = 0;
    for (const silence of [...silences, { start: result.durationSec, end: result.durationSec }]) {
      if (silence.start - cursor >= 0.15) result.speech.push({ start: round3(cursor), end: round3(silence.start) });
      cursor = Math.max(cursor, silence.end);
    }
    const expected = DEMUXER_FOR_EXTENSION[extension];
    if (!expected) result.problem = `extension "${extension}" is not one the provider accepts`;
    else if (result.formatName !== expected) result.problem = `declared ${extension} but decodes as ${result.formatName}`;
    else if (!stream) result.problem = "no audio stream";
    else if (result.errors.length > 0) result.problem = `decoding errors: ${result.errors.slice(0, 3).join(" | ")}`;
    else if (!(result.durationSec > 0)) result.problem = "no audio decoded";
    result.valid = result.problem === null;
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function sendFixture(req: IncomingMessage, res: ServerResponse, name: string) {
  const file = path.join(FIXTURES, path.basename(decodeURIComponent(name)));
  const size = await stat(file).then((s) => s.size, () => -1);
  if (size < 0) return sendError(res, 404, `No fixture ${name}`, "invalid_request_error");
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  const data = await readFile(file);
  if (!range) {
    res.writeHead(200, { "content-length": size, "accept-ranges": "bytes" });
    return res.end(data);
  }
  const from = Number(range[1]);
  const to = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
  if (from >= size) {
    res.writeHead(416, { "content-range": `bytes */${size}` });
    return res.end();
  }
  res.writeHead(206, { "content-length": to - from + 1, "content-range": `bytes ${from}-${to}/${size}` });
  res.end(data.subarray(from, to + 1));
}

// ---- HTTP helpers ----

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

interface Multipart {
  fields: Map<string, string[]>;
  file: { filename: string; contentType: string; data: Buffer } | null;
}

function readMultipart(req: IncomingMessage): Promise<Multipart> {
  return new Promise((resolve, reject) => {
    const result: Multipart = { fields: new Map(), file: null };
    const files: Promise<void>[] = [];
    const parser = Busboy({ headers: req.headers as { "content-type": string } });
    parser.on("field", (name, value) => result.fields.set(name, [...(result.fields.get(name) ?? []), value]));
    parser.on("file", (name, stream, filename, _encoding, mimeType) => {
      const chunks: Buffer[] = [];
      files.push(
        new Promise((done, fail) => {
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            if (name === "file") result.file = { filename, contentType: mimeType, data: Buffer.concat(chunks) };
            done();
          });
          stream.on("error", fail);
        }),
      );
    });
    parser.on("finish", () => Promise.all(files).then(() => resolve(result), reject));
    parser.on("error", reject);
    req.pipe(parser);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_fake_${Date.now()}` });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type: string) {
  sendJson(res, status, { error: { message, type, param: null, code: type === "rate_limit_exceeded" ? "rate_limit_exceeded" : null } });
}

/** Words cut to five letters, each counted in the dimension its hash picks: similar wording, similar vectors. */
function bagOfStems(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
    const digest = createHash("sha256").update(word.slice(0, 5)).digest();
    vector[digest.readUInt32BE(0) % dimensions]! += 1;
  }
  return vector;
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p: { text?: string }) => p?.text ?? "").join("");
  return "";
}

/** Text "audio" is transcribed as its lines; real binary audio gets a fixed sentence. */
function spokenLines(data: Buffer): string[] {
  const text = data.toString("utf8");
  const binary = text.includes("\u0000") || (text.match(/\uFFFD/g)?.length ?? 0) > text.length / 20;
  if (binary) return ["This is the fake transcription of a binary recording."];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// ---- answers built from the request ----

interface Segment {
  index: number;
  text: string;
}

function transcriptLines(prompt: string): Segment[] {
  const out: Segment[] = [];
  for (const m of prompt.matchAll(/^\[(\d+)\] (.*)$/gm)) out.push({ index: Number(m[1]), text: (m[2] ?? "").replace(/\[\[fake:[^\]]*\]\]/g, "").trim() || "…" });
  return out;
}

const words = (text: string, n: number) => text.split(/\s+/).filter(Boolean).slice(0, n).join(" ").replace(/[.,;:!?]+$/, "");

function sectionTitles(system: string): string[] {
  const line = system.split("\n").find((l) => /sections/i.test(l) && /"[^"]+"/.test(l));
  const titles = line ? [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string) : [];
  return titles.length ? titles : ["Key points"];
}

export function answer(name: string | null, schema: JsonSchema | undefined, system: string, user: string): unknown {
  const segments = transcriptLines(user);
  if (name === "study_material") return studyMaterial(segments, sectionTitles(system));
  if (name === "lecture_overview") {
    const parts = [...user.matchAll(/^Part \d+: (.*)$/gm)].map((m) => m[1] as string);
    return { overview: `The lecture moves through ${parts.length} parts. ${parts.join(" ")}`.trim() };
  }
  if (name === "thread_concepts") return threadConcepts(segments, user);
  return schema ? fromSchema(schema, schema, segments, 0) : {};
}

export function invalidAnswer(name: string | null, schema: JsonSchema | undefined, system: string, user: string): unknown {
  if (name === "study_material") {
    // Right shape, wrong content: what a strict-mode model can still get wrong.
    const good = studyMaterial(transcriptLines(user), sectionTitles(system));
    return { ...good, overview: "", sections: good.sections.map((s, i) => (i === 0 ? { ...s, bullets: ["   "] } : s)) };
  }
  if (name === "lecture_overview") return { overview: "" };
  if (name === "thread_concepts") return { new_concepts: "none" };
  return schema ? {} : null;
}

function studyMaterial(segments: Segment[], titles: string[]) {
  const seg = (i: number) => segments[i % Math.max(1, segments.length)] ?? { index: 0, text: "…" };
  const first = seg(0);
  const sections = titles
    .map((title, t) => {
      const mine = segments.filter((_, i) => i % titles.length === t).slice(0, 3);
      return { title, bullets: mine.map((s) => s.text), segmentIndexes: mine.map((s) => s.index) };
    })
    .filter((s) => s.bullets.length > 0);
  // A real model sometimes cites a marker that does not exist; the pipeline must drop it.
  if (sections[0]) sections[0].segmentIndexes.push(99_999);
  const groups: Segment[][] = [];
  for (let i = 0; i < segments.length; i += 3) groups.push(segments.slice(i, i + 3));
  const outline = groups.slice(0, 6).map((g) => ({
    title: words(g[0]!.text, 5),
    points: [g[0]!.text],
    children: g.length > 1 ? [{ title: words(g[1]!.text, 4), points: g.slice(1).map((s) => s.text), children: [{ title: "Detail", points: [g[g.length - 1]!.text] }] }] : null,
  }));
  const picked = segments.slice(0, 6);
  const seen = new Set<string>();
  const key_terms = picked
    .map((s) => ({ term: words(s.text, 2), definition: s.text, example: null, segmentIndexes: [s.index] }))
    .filter((t) => !seen.has(t.term.toLowerCase()) && seen.add(t.term.toLowerCase()));
  const flashcards = picked.map((s, i) => ({
    front: `What does the lecture say about ${words(s.text, 3)}?`,
    back: s.text,
    difficulty: i % 3 === 0 ? "easy" : i % 3 === 1 ? "medium" : "hard",
    tags: i % 2 === 0 ? ["lecture"] : null,
    segmentIndexes: [s.index],
  }));
  const choices = [first.text, "It is not mentioned in the lecture", "The opposite of what the lecture says"];
  const exam_questions = [
    { prompt: `Which statement matches the lecture's point about ${words(first.text, 3)}?`, type: "multiple-choice", answer: first.text, choices, correctChoiceIndex: 0, segmentIndexes: [first.index] },
    ...segments.slice(1, 3).map((s) => ({
      prompt: `Explain in your own words: ${words(s.text, 6)}.`,
      type: "short-answer",
      answer: s.text,
      choices: null,
      correctChoiceIndex: null,
      segmentIndexes: [s.index],
    })),
    { prompt: "Discuss how the ideas of this lecture connect.", type: "essay", answer: segments.map((s) => s.text).slice(0, 3).join(" "), choices: null, correctChoiceIndex: null, segmentIndexes: segments.slice(0, 3).map((s) => s.index) },
  ];
  return { overview: `This part of the lecture covers: ${first.text}`, sections, outline, key_terms, flashcards, exam_questions };
}

function threadConcepts(segments: Segment[], user: string) {
  const existing = [...(/Existing threads:\n([\s\S]*?)\n\n/.exec(user)?.[1] ?? "").matchAll(/^- ([^:]+):/gm)].map((m) => (m[1] as string).trim());
  const transcript = segments.map((s) => s.text).join(" ").toLowerCase();
  const where = (needle: string) => segments.find((s) => s.text.toLowerCase().includes(needle.toLowerCase())) ?? segments[0] ?? { index: 0, text: "" };
  const directiveNew = [...user.matchAll(/\[\[fake:new=([^|\]]+)(?:\|(\d+))?\]\]/g)];
  const directiveUpdate = [...user.matchAll(/\[\[fake:update=([^|\]]+)\|([a-z]+)(?:\|(\d+))?\]\]/g)];
  if (directiveNew.length || directiveUpdate.length) {
    return {
      new_concepts: directiveNew.map((m) => {
        const s = where(m[1] as string);
        return { title: m[1] as string, summary: `${m[1]} as introduced in this lecture.`, evidence: s.text, segment_index: s.index, complexity_level: Number(m[2] ?? 2) };
      }),
      concept_updates: directiveUpdate.map((m) => {
        const s = where(m[1] as string);
        return {
          title: m[1] as string,
          change_type: m[2] as string,
          summary: `${m[1]}, revisited.`,
          evidence: s.text,
          segment_index: s.index,
          new_complexity_level: m[3] ? Number(m[3]) : null,
        };
      }),
    };
  }
  // Default: existing threads the transcript names are refined; the first segments open new ones.
  const updates = existing
    .filter((t) => transcript.includes(t.toLowerCase()))
    .map((t) => {
      const s = where(t);
      return { title: t, change_type: "refinement", summary: `${t}, as this lecture develops it.`, evidence: s.text, segment_index: s.index, new_complexity_level: null };
    });
  const fresh = segments.slice(0, 2).map((s) => ({ title: words(s.text, 3), summary: s.text, evidence: s.text, segment_index: s.index, complexity_level: 1 }));
  return { new_concepts: fresh, concept_updates: updates };
}

// Any other schema: a value of the right shape, strings taken from the transcript.
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  $ref?: string;
  minItems?: number;
  minimum?: number;
  definitions?: Record<string, JsonSchema>;
  $defs?: Record<string, JsonSchema>;
};

function fromSchema(schema: JsonSchema, root: JsonSchema, segments: Segment[], depth: number): unknown {
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? "";
    const target = root.definitions?.[name] ?? root.$defs?.[name];
    return target && depth < 6 ? fromSchema(target, root, segments, depth + 1) : null;
  }
  if (schema.anyOf) return fromSchema(schema.anyOf.find((s) => s.type !== "null") ?? schema.anyOf[0]!, root, segments, depth);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, fromSchema(v, root, segments, depth + 1)]));
    case "array":
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => fromSchema(schema.items ?? {}, root, segments, depth + 1));
    case "string":
      return segments[depth % Math.max(1, segments.length)]?.text ?? "text";
    case "integer":
    case "number":
      return Math.max(schema.minimum ?? 0, segments[0]?.index ?? 0);
    case "boolean":
      return true;
    default:
      return null;
  }
}
