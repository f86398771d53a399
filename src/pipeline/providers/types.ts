/**
 * The seam between the AI stages and whoever runs the models. Transcription and generation each
 * pick one provider from the configuration (./index.ts); the stages only see these interfaces.
 */
import type { GeneratedContent } from "../../domain/artifacts.ts";
import type { Preset } from "../../domain/presets.ts";
import type { TranscriptSegment } from "../../domain/transcript.ts";
import type { ParsedTranscript } from "../../domain/transcripts/parse.ts";
import type { DetectConceptsInput, DetectedConcept } from "../openai/index.ts";

/** One recording (or one chunk of it) as the provider receives it. */
export interface AudioFile {
  bytes: ArrayBuffer | Uint8Array;
  filename: string;
  contentType?: string;
  size: number;
}

export interface TranscriptionHints {
  /** ISO 639-1 code when known; the provider detects the language otherwise. */
  language?: string;
  /** Words the recording likely contains (course title, thread terms), to steer spelling. */
  prompt?: string;
  /** The recording's length, used to place sentence times when the provider returns none. */
  durationSec?: number;
  /** The model a client asked for (the transcribe route's `model`); a provider may ignore it. */
  requestedModel?: string;
  /** A chunk of a longer recording may be silent: no speech is then an empty result, not an error. */
  allowSilence?: boolean;
}

export interface ProviderTranscript extends ParsedTranscript {
  /** The length of the audio as the provider measured it. */
  durationSec?: number;
  /** The provider model actually used. */
  model: string;
}

export interface TranscriptionProvider {
  name: "openai" | "workers-ai";
  model: string;
  /** Largest file one request may carry; longer recordings must be cut into chunks below it. */
  maxFileBytes: number;
  /** What a student is told when a recording is over `maxFileBytes`. */
  tooLargeMessage(size: number): string;
  transcribe(file: AudioFile, hints: TranscriptionHints): Promise<ProviderTranscript>;
}

export interface GenerationInput {
  segments: TranscriptSegment[];
  preset: Preset;
  title?: string;
}

export interface GenerationProvider {
  name: "openai" | "workers-ai" | "offline";
  model: string;
  /** Recorded on the job's result, e.g. `openai:gpt-4o-mini`, `offline`. */
  label: string;
  generate(input: GenerationInput): Promise<GeneratedContent>;
  detectConcepts(input: Omit<DetectConceptsInput, "model">): Promise<{ concepts: DetectedConcept[] }>;
}
