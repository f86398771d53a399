/**
 * Workers AI through the `AI` binding: Whisper large-v3 turbo for speech, an instruct model with
 * JSON-schema output for study material and threads. Billed on the Cloudflare account, no key.
 *
 * Shapes (developers.cloudflare.com/workers-ai/models/…):
 * - whisper-large-v3-turbo in: `{audio: base64, task, language, vad_filter, initial_prompt, prefix}`;
 *   out: `{text, segments: [{start, end, text, words: [{word, start, end}]}], transcription_info:
 *   {language, duration, …}, word_count, vtt}`.
 * - text generation in: `{messages, response_format: {type: "json_schema", json_schema}, max_tokens}`;
 *   out: `{response, usage}` where `response` is the parsed JSON object in JSON mode (a string otherwise).
 * - errors: the binding throws `InferenceUpstreamError("<code>: <description>")` (errors.ts).
 */
import { Buffer } from "node:buffer";
import type { Config } from "../../config.ts";
import type { TranscriptSegment, TranscriptWord } from "../../domain/transcript.ts";
import { parseTranscriptUpload } from "../../domain/transcripts/parse.ts";
import { workersAiJobError, PermanentJobError } from "../errors.ts";
import {
  DEFAULT_TRANSCRIPT_CHAR_BUDGET,
  detectConcepts,
  generateStudyMaterial,
  jsonSchemaOf,
  languageCode,
  type ChatAnswer,
  type StructuredChat,
} from "../openai/index.ts";
import type { GenerationProvider, TranscriptionProvider } from "./types.ts";

/**
 * Cloudflare publishes no byte limit for one Whisper request; too large a body fails with 3006
 * ("Request is too large"), and its own long-audio tutorial sends 1 MB pieces. 4 MiB (about 17
 * minutes of 32 kbps Opus, 5.6 MB once base64-encoded) keeps each request and its copy in the
 * Worker's memory small; longer recordings are cut into chunks of at most this size.
 */
export const WORKERS_AI_AUDIO_MAX_BYTES = 4 * 1024 * 1024;

/** Generation output cap per request: study material for one part fits in well under this. */
export const WORKERS_AI_MAX_OUTPUT_TOKENS = 6_000;

/** Context windows of the JSON-mode instruct models (tokens); unknown models get the smallest. */
const CONTEXT_TOKENS: Record<string, number> = {
  "@cf/meta/llama-3.3-70b-instruct-fp8-fast": 24_000,
  "@cf/meta/llama-4-scout-17b-16e-instruct": 131_000,
  "@cf/meta/llama-3.1-8b-instruct": 7_968,
};
const FALLBACK_CONTEXT_TOKENS = 24_000;
/** System prompt, instructions and the repair turn around the transcript. */
const PROMPT_OVERHEAD_TOKENS = 2_500;

/**
 * How much numbered transcript one request may carry: the context left after the prompt and the
 * answer, at a conservative 3 characters per token. Longer transcripts are generated per part
 * and merged (map-reduce), as on OpenAI.
 */
export function transcriptCharBudget(model: string): number {
  const context = CONTEXT_TOKENS[model] ?? FALLBACK_CONTEXT_TOKENS;
  const tokens = Math.max(1_000, context - WORKERS_AI_MAX_OUTPUT_TOKENS - PROMPT_OVERHEAD_TOKENS);
  return Math.min(DEFAULT_TRANSCRIPT_CHAR_BUDGET, tokens * 3);
}

/** The binding's untyped core: the generated types enumerate models, these calls pass any name. */
interface AiRunner {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

function runner(config: Config): AiRunner {
  const ai = config.ai.workersAi;
  if (!ai) throw new PermanentJobError("Workers AI is not configured: bind it in wrangler.toml ([ai] binding = \"AI\").");
  return ai as unknown as AiRunner;
}

/** Requests go through the AI Gateway when one is configured (caching, retries, cost logs). */
function runOptions(config: Config): Record<string, unknown> | undefined {
  return config.ai.gateway ? { gateway: { id: config.ai.gateway.id } } : undefined;
}

async function run(config: Config, model: string, inputs: Record<string, unknown>): Promise<unknown> {
  try {
    return await runner(config).run(model, inputs, runOptions(config));
  } catch (error) {
    throw workersAiJobError(error, model);
  }
}

// ---- transcription ----

interface WhisperWord {
  word?: string;
  start?: number;
  end?: number;
}
interface WhisperOutput {
  text?: string;
  segments?: { start?: number; end?: number; text?: string; words?: WhisperWord[] }[];
  transcription_info?: { language?: string; duration?: number };
}

const roundMs = (sec: number) => Math.round(sec * 1000) / 1000;
const finite = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);

export function workersAITranscription(config: Config): TranscriptionProvider {
  const model = config.ai.transcription?.model ?? "@cf/openai/whisper-large-v3-turbo";
  return {
    name: "workers-ai",
    model,
    maxFileBytes: WORKERS_AI_AUDIO_MAX_BYTES,
    tooLargeMessage: (size) =>
      `The recording is ${(size / 1024 / 1024).toFixed(1)} MB; one Workers AI transcription request takes at most ${WORKERS_AI_AUDIO_MAX_BYTES / 1024 / 1024} MB. Record or convert to a compact format (e.g. mono Opus at 24 kbps), or upload a transcript.`,
    async transcribe(file, hints) {
      const bytes = file.bytes instanceof Uint8Array ? file.bytes : new Uint8Array(file.bytes);
      if (bytes.byteLength === 0) throw new PermanentJobError("The audio file is empty.");
      const output = (await run(config, model, {
        audio: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
        task: "transcribe",
        // Silence makes Whisper invent text; voice activity detection drops it (times stay those of the recording).
        vad_filter: true,
        ...(hints.language ? { language: hints.language } : {}),
        ...(hints.prompt ? { initial_prompt: hints.prompt } : {}),
      })) as WhisperOutput | null;
      return fromWhisper(output ?? {}, model, hints.durationSec, hints.allowSilence);
    },
  };
}

export function fromWhisper(output: WhisperOutput, model: string, durationSec?: number, allowSilence = false) {
  const language = languageCode(output.transcription_info?.language);
  const measured = finite(output.transcription_info?.duration) ? output.transcription_info.duration : undefined;
  const segments: TranscriptSegment[] = [];
  const words: TranscriptWord[] = [];
  for (const s of output.segments ?? []) {
    const text = (s.text ?? "").trim();
    if (!text || !finite(s.start)) continue;
    const startSec = roundMs(Math.max(0, s.start));
    segments.push({ startSec, endSec: roundMs(Math.max(startSec, finite(s.end) ? s.end : startSec)), text });
    for (const w of s.words ?? []) {
      const word = (w.word ?? "").trim();
      if (word && finite(w.start)) words.push({ word, startSec: roundMs(Math.max(0, w.start)), endSec: roundMs(Math.max(w.start, finite(w.end) ? w.end : w.start)) });
    }
  }
  const base = { language, model, ...(measured !== undefined ? { durationSec: measured } : {}), ...(words.length ? { words } : {}) };
  if (segments.length > 0) return { ...base, text: segments.map((s) => s.text).join(" "), segments };
  // Text without segments: sentences with times spread over the recording, as for OpenAI's text-only models.
  const text = (output.text ?? "").trim();
  if (!text && allowSilence) return { ...base, text: "", segments: [] };
  if (!text) throw new PermanentJobError("No speech was recognised in the recording: the transcription came back empty.");
  const length = durationSec ?? measured;
  const parsed = parseTranscriptUpload("txt", text, length !== undefined ? { durationSec: length } : {});
  return { ...base, text: parsed.text, segments: parsed.segments };
}

// ---- generation ----

interface TextGenerationOutput {
  response?: unknown;
  usage?: { completion_tokens?: number };
  // Some newer models answer in OpenAI's chat-completion shape.
  choices?: { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string | null }[];
}

/** Structured output through `response_format: {type: "json_schema", json_schema}`. */
export function workersAIChat(config: Config): StructuredChat {
  return async (request) => {
    let output: TextGenerationOutput | null;
    try {
      output = (await runner(config).run(
        request.model,
        {
          messages: request.messages,
          // Workers AI takes the bare JSON schema (OpenAI wraps it with a name); the same strict schema both ways.
          response_format: { type: "json_schema", json_schema: jsonSchemaOf(request.schema, request.name) },
          max_tokens: WORKERS_AI_MAX_OUTPUT_TOKENS,
          temperature: 0.2,
        },
        runOptions(config),
      )) as TextGenerationOutput | null;
    } catch (error) {
      // The model could not be held to the schema: an invalid answer, which earns the repair attempt.
      if (/JSON Mode couldn't be met/i.test(String((error as Error)?.message))) {
        return { content: null, finishReason: null, invalid: "The output did not follow the JSON schema." };
      }
      throw workersAiJobError(error, request.model);
    }
    return answerOf(output ?? {});
  };
}

function answerOf(output: TextGenerationOutput): ChatAnswer {
  if (Array.isArray(output.choices)) {
    const choice = output.choices[0];
    return { content: choice?.message?.content ?? null, refusal: choice?.message?.refusal ?? null, finishReason: choice?.finish_reason ?? null };
  }
  const response = output.response;
  if (typeof response === "string") {
    // A string that stops at the token cap is a cut-off answer, not merely a malformed one.
    const capped = (output.usage?.completion_tokens ?? 0) >= WORKERS_AI_MAX_OUTPUT_TOKENS && !parses(response);
    return { content: response, finishReason: capped ? "length" : "stop" };
  }
  return { content: response === undefined || response === null ? null : JSON.stringify(response), finishReason: "stop" };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function workersAIGeneration(config: Config, model: string): GenerationProvider {
  const chat = workersAIChat(config);
  const charBudget = transcriptCharBudget(model);
  return {
    name: "workers-ai",
    model,
    label: `workers-ai:${model}`,
    generate: (input) => generateStudyMaterial(chat, { ...input, model, charBudget }),
    detectConcepts: (input) => detectConcepts(chat, { ...input, model, charBudget }),
  };
}
