/**
 * OpenAI behind the provider seam: the existing transcription and structured-output code,
 * unchanged, with the client pointed at an AI Gateway when one is configured.
 */
import type OpenAI from "openai";
import type { Config } from "../../config.ts";
import {
  createOpenAI,
  detectConceptsWithOpenAI,
  generateWithOpenAI,
  OPENAI_AUDIO_MAX_BYTES,
  transcribeAudio,
} from "../openai/index.ts";
import type { GenerationProvider, TranscriptionProvider } from "./types.ts";

/**
 * Where the SDK sends requests: OPENAI_BASE_URL when set, else the gateway's OpenAI endpoint
 * (`https://gateway.ai.cloudflare.com/v1/<account>/<gateway>/openai`), else OpenAI itself.
 */
export async function openAIBaseUrl(config: Config): Promise<string | undefined> {
  if (config.openai.baseUrl) return config.openai.baseUrl;
  const gateway = config.ai.gateway;
  if (!gateway) return undefined;
  if (gateway.accountId) return `https://gateway.ai.cloudflare.com/v1/${gateway.accountId}/${gateway.id}/openai`;
  // Without an account id the AI binding knows the gateway's URL (config.ts requires one or the other).
  return config.ai.workersAi?.gateway(gateway.id).getUrl("openai");
}

async function client(config: Config): Promise<OpenAI> {
  return createOpenAI({ apiKey: config.openai.apiKey ?? "", baseUrl: await openAIBaseUrl(config) });
}

export function openAITranscription(config: Config): TranscriptionProvider {
  return {
    name: "openai",
    model: "whisper-1",
    maxFileBytes: OPENAI_AUDIO_MAX_BYTES,
    tooLargeMessage: (size) =>
      `The recording is ${(size / 1024 / 1024).toFixed(1)} MB; OpenAI transcribes at most 25 MB per file. Record or convert to a compact format (e.g. mono Opus or AAC at 32 kbps), or upload a transcript.`,
    async transcribe(file, hints) {
      return transcribeAudio(await client(config), {
        bytes: file.bytes,
        filename: file.filename,
        contentType: file.contentType,
        model: hints.requestedModel ?? "base",
        durationSec: hints.durationSec,
        ...(hints.allowSilence ? { allowSilence: true } : {}),
        ...(hints.prompt ? { prompt: hints.prompt } : {}),
      });
    },
  };
}

export function openAIGeneration(config: Config, model: string): GenerationProvider {
  return {
    name: "openai",
    model,
    label: `openai:${model}`,
    generate: async (input) => generateWithOpenAI(await client(config), { ...input, model }),
    detectConcepts: async (input) => detectConceptsWithOpenAI(await client(config), { ...input, model }),
  };
}
