/**
 * The OpenAI-backed pipeline stages. Pure of storage and database: each function takes a client
 * and plain data.
 */
export { createOpenAI, DEFAULT_OPENAI_TIMEOUT_MS, type OpenAIConfig } from "./client.ts";
export {
  languageCode,
  OPENAI_AUDIO_MAX_BYTES,
  providerModelFor,
  transcribeAudio,
  WHISPER_MODEL,
  type TranscribeInput,
  type TranscribeResult,
} from "./transcribe.ts";
export {
  DEFAULT_TRANSCRIPT_CHAR_BUDGET,
  generateStudyMaterial,
  generateWithOpenAI,
  LECTURE_OVERVIEW_FORMAT,
  MERGE_CAPS,
  STUDY_MATERIAL_FORMAT,
  StudyMaterialModelSchema,
  type GenerateInput,
} from "./generate.ts";
export { jsonSchemaOf, openAIChat, type ChatAnswer, type ChatMessage, type ChatRequest, type StructuredChat } from "./structured.ts";
export {
  detectConcepts,
  detectConceptsWithOpenAI,
  THREAD_CONCEPTS_FORMAT,
  ThreadConceptsModelSchema,
  type DetectConceptsInput,
  type DetectedConcept,
  type ExistingThread,
} from "./threads.ts";
