/**
 * One place that builds the OpenAI client for every pipeline stage.
 */
import OpenAI from "openai";

/** Long enough for a 25 MB recording to upload and be transcribed; also bounds generation calls. */
export const DEFAULT_OPENAI_TIMEOUT_MS = 10 * 60 * 1000;

export interface OpenAIConfig {
  apiKey: string;
  /** An OpenAI-compatible endpoint, e.g. a gateway or the local fake used in tests. */
  baseUrl?: string;
  timeoutMs?: number;
}

export function createOpenAI(config: OpenAIConfig): OpenAI {
  const baseURL = config.baseUrl?.trim();
  return new OpenAI({
    apiKey: config.apiKey,
    ...(baseURL ? { baseURL } : {}),
    // The job engine owns retries (with its own backoff and attempt counting); SDK retries would
    // multiply them and hide the real error from the job record.
    maxRetries: 0,
    timeout: config.timeoutMs ?? DEFAULT_OPENAI_TIMEOUT_MS,
  });
}
