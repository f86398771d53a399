/**
 * Which provider runs each AI stage, as configured (config.ts chooses the defaults: an OpenAI key,
 * else the AI binding, else transcript uploads and the offline generator).
 */
import type { Config } from "../../config.ts";
import { generateOffline } from "../../domain/generation/offline.ts";
import { detectConceptsOffline } from "../../domain/threads/detect.ts";
import { openAIGeneration, openAITranscription } from "./openai.ts";
import type { GenerationProvider, TranscriptionProvider } from "./types.ts";
import { workersAIGeneration, workersAITranscription } from "./workers-ai.ts";

export type * from "./types.ts";
export { WORKERS_AI_AUDIO_MAX_BYTES } from "./workers-ai.ts";

/** Null when no provider is configured: only transcript uploads can be transcribed. */
export function transcriptionProvider(config: Config): TranscriptionProvider | null {
  switch (config.ai.transcription?.provider) {
    case "openai":
      return openAITranscription(config);
    case "workers-ai":
      return workersAITranscription(config);
    default:
      return null;
  }
}

export const offlineGeneration: GenerationProvider = {
  name: "offline",
  model: "offline",
  label: "offline",
  generate: async (input) => generateOffline(input),
  detectConcepts: async (input) => detectConceptsOffline(input),
};

/** `model` is the job's (chosen among the provider's allowed models when the job was started). */
export function generationProvider(config: Config, model: string): GenerationProvider {
  switch (config.ai.generation.provider) {
    case "openai":
      return openAIGeneration(config, model);
    case "workers-ai":
      return workersAIGeneration(config, model);
    default:
      return offlineGeneration;
  }
}
