/**
 * A local stand-in for Workers AI, at the level of the binding's wire protocol. The tests bind `AI`
 * exactly as production does (workerd's own `Ai` client, `cloudflare-internal:ai-api`), whose
 * requests miniflare forwards here the way it forwards remote bindings to Cloudflare: one POST per
 * `env.AI.run(model, inputs, options)`, with `MF-URL` (…/run?version=3, or …/ai-gateway/run when a
 * gateway is named), the model in `MF-Header-cf-consn-model-id` and the body `{inputs, options}`.
 * Answers carry the models' real output shapes; errors the service's `{internalCode, name,
 * description}` body, which the client turns into `InferenceUpstreamError("<code>: <description>")`.
 *
 * Models: `@cf/openai/whisper-large-v3-turbo` and any `@cf/meta/llama-*` instruct model. Others
 * are 5007 "No such model". Scenarios are chosen by the request itself (tests in workerd cannot
 * reach this process's memory):
 *   whisper (markers in the "audio", which is text bytes the fake hears one segment per line; it
 *   drops these markers from what it hears, and keeps the generation ones for the next stage):
 *     [[wai:capacity-twice]]   the first two requests for this audio get 3040 (out of capacity)
 *     [[wai:capacity-always]]  every request gets 3040
 *   generation (markers anywhere in the messages):
 *     [[wai:capacity-once]]    the first request of a conversation gets 3040
 *     [[wai:malformed-once]]   the first answer is a string that is not JSON
 *     [[wai:invalid-once]]     the first answer follows the schema's shape but fails validation
 *     [[wai:json-mode-once]]   the first request fails with "JSON Mode couldn't be met"
 * GET /__requests lists what was received (?contains= filters).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answer, invalidAnswer, type JsonSchema } from "./fake-openai.ts";

export const FAKE_WHISPER = "@cf/openai/whisper-large-v3-turbo";

/** Base64 audio above this is refused with 3006, like an oversized request to the service. */
const AUDIO_LIMIT_BASE64 = Math.ceil((8 * 1024 * 1024 * 4) / 3);

export interface RecordedAiRequest {
  seq: number;
  url: string;
  model: string;
  status: number;
  /** The inputs, with `audio` replaced by its decoded text (or its length for binary audio). */
  inputs: Record<string, unknown>;
  options: Record<string, unknown>;
}

export interface FakeWorkersAI {
  port: number;
  close(): Promise<void>;
}

export async function startFakeWorkersAI(port = 0): Promise<FakeWorkersAI> {
  const recorded: RecordedAiRequest[] = [];
  const counters = new Map<string, number>();
  const bump = (key: string) => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, { internalCode: 3000, name: "InternalError", description: `fake server error: ${String(error)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && url.pathname === "/__requests") {
      const contains = url.searchParams.get("contains");
      return sendJson(res, 200, contains ? recorded.filter((r) => JSON.stringify(r).includes(contains)) : recorded);
    }
    const target = String(req.headers["mf-url"] ?? "");
    const model = String(req.headers["mf-header-cf-consn-model-id"] ?? "");
    const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as { inputs?: Record<string, unknown>; options?: Record<string, unknown> };
    const inputs = body.inputs ?? {};
    const record: RecordedAiRequest = { seq: recorded.length + 1, url: target, model, status: 0, inputs: { ...inputs }, options: body.options ?? {} };
    recorded.push(record);
    const reply = (status: number, value: unknown) => {
      record.status = status;
      return status === 200 ? sendJson(res, 200, value) : sendError(res, status, value as AiError);
    };

    if (req.method !== "POST" || !/^https?:\/\/workers-binding\.ai\/(ai-gateway\/)?run\b/.test(target))
      return reply(400, { internalCode: 3003, name: "IncompleteRequest", description: `Request is missing headers or body: ${target || "url"}` });
    if (model === FAKE_WHISPER) return whisper(inputs, record, reply);
    if (/^@cf\/meta\/llama-/.test(model)) return generate(model, inputs, reply);
    return reply(400, { internalCode: 5007, name: "NoSuchModel", description: `No such model ${model} or task` });
  }

  type Reply = (status: number, value: unknown) => void;

  function whisper(inputs: Record<string, unknown>, record: RecordedAiRequest, reply: Reply) {
    const audio = inputs.audio;
    if (typeof audio !== "string" || audio === "") return reply(400, { internalCode: 5004, name: "InvalidData", description: `Invalid data type for base64 input: ${typeof audio}` });
    if (audio.length > AUDIO_LIMIT_BASE64) return reply(413, { internalCode: 3006, name: "RequestTooLarge", description: "Request is too large" });
    const data = Buffer.from(audio, "base64");
    const text = data.toString("utf8");
    const binary = text.includes("\u0000") || (text.match(/\uFFFD/g)?.length ?? 0) > text.length / 20;
    record.inputs.audio = binary ? `(binary, ${data.length} bytes)` : text;
    const key = hash(audio);
    if (text.includes("[[wai:capacity-always]]") || (text.includes("[[wai:capacity-twice]]") && bump(`audio:${key}`) <= 2))
      return reply(429, { internalCode: 3040, name: "OutOfCapacity", description: "No more data centers to forward the request to" });

    const lines = binary
      ? ["This is the fake transcription of a binary recording."]
      : text.replace(/\r\n?/g, "\n").split("\n").map((l) => l.replace(/\[\[wai:capacity-[a-z]+\]\]/g, "").trim()).filter(Boolean);
    let clock = 0.4;
    const segments = lines.map((line) => {
      const start = clock;
      const words = line.split(/\s+/).map((word) => {
        const wStart = clock;
        clock = round(clock + 0.12 + word.length * 0.05);
        return { word: ` ${word}`, start: round(wStart), end: clock };
      });
      clock = round(clock + 0.3);
      return { start: round(start), end: words.at(-1)!.end, text: ` ${line}`, temperature: 0, avg_logprob: -0.21, compression_ratio: 1.4, no_speech_prob: 0.02, words };
    });
    const vtt = ["WEBVTT", "", ...segments.flatMap((s) => [`${stamp(s.start)} --> ${stamp(s.end)}`, s.text.trim(), ""])].join("\n");
    reply(200, {
      transcription_info: { language: typeof inputs.language === "string" ? inputs.language : "en", language_probability: 0.97, duration: clock, duration_after_vad: round(clock - 0.4) },
      text: lines.join(" "),
      word_count: lines.join(" ").split(/\s+/).length,
      segments,
      vtt,
    });
  }

  function generate(model: string, inputs: Record<string, unknown>, reply: Reply) {
    const messages = (inputs.messages ?? []) as { role: string; content: string }[];
    const format = inputs.response_format as { type?: string; json_schema?: JsonSchema } | undefined;
    if (!Array.isArray(messages) || messages.length === 0) return reply(400, { internalCode: 5004, name: "InvalidInput", description: "messages: expected an array" });
    const all = messages.map((m) => m.content).join("\n");
    const firstUser = messages.find((m) => m.role === "user")?.content ?? "";
    const conversation = hash(`${model}|${firstUser}`);
    const once = (marker: string) => all.includes(`[[wai:${marker}]]`) && bump(`${marker}:${conversation}`) === 1;

    if (once("capacity-once")) return reply(429, { internalCode: 3040, name: "OutOfCapacity", description: "No more data centers to forward the request to" });
    // The service's wording; its code is not documented, so this one is only a stand-in.
    if (once("json-mode-once")) return reply(400, { internalCode: 3030, name: "JsonModeError", description: "JSON Mode couldn't be met" });

    const schema = format?.type === "json_schema" ? format.json_schema : undefined;
    const strip = (text: string) => text.replace(/\[\[wai:[^\]]*\]\]/g, "");
    const system = strip(messages.filter((m) => m.role === "system").map((m) => m.content).join("\n"));
    const name = schemaName(schema);
    let response: unknown;
    if (once("malformed-once")) response = "Here is the study material you asked for: {";
    else if (once("invalid-once")) response = invalidAnswer(name, schema, system, strip(firstUser));
    else response = answer(name, schema, system, strip(firstUser));
    const promptTokens = Math.ceil(all.length / 4);
    const completionTokens = Math.ceil(JSON.stringify(response).length / 4);
    reply(200, { response, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Workers AI gets the bare schema, with no name: recognise the pipeline's three by their fields. */
function schemaName(schema: JsonSchema | undefined): string | null {
  const properties = Object.keys((schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
  if (properties.includes("sections")) return "study_material";
  if (properties.includes("new_concepts")) return "thread_concepts";
  if (properties.length === 1 && properties[0] === "overview") return "lecture_overview";
  return null;
}

interface AiError {
  internalCode: number;
  name: string;
  description: string;
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cf-ai-req-id": `req-fake-${Date.now()}` });
  res.end(JSON.stringify(value));
}

function sendError(res: ServerResponse, status: number, error: AiError) {
  sendJson(res, status, { ...error, message: error.description });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const round = (n: number) => Math.round(n * 100) / 100;
const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

function stamp(sec: number): string {
  const ms = Math.round(sec * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}
