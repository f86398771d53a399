/**
 * Shared plumbing for the structured-output calls: the numbered transcript the model cites, the
 * chunker for transcripts over budget, and one request with exactly one repair attempt. The
 * request goes through a `StructuredChat`, so any provider with JSON-schema output can serve it;
 * OpenAI's is here, Workers AI's in ../providers/workers-ai.ts.
 */
import type OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { z } from "zod";
import type { TranscriptSegment } from "../../domain/transcript.ts";
import { PermanentJobError } from "../errors.ts";

/** About 50k tokens of transcript: fits every current chat model's context with room to answer. */
export const DEFAULT_TRANSCRIPT_CHAR_BUDGET = 200_000;

// ---- the transcript as the model sees it ----

/** One line per segment, prefixed with the marker `[n]` the model cites back. */
export function numberedLine(index: number, segment: TranscriptSegment): string {
  return `[${index}] ${segment.text.replace(/\s+/g, " ").trim()}`;
}

export function numberedTranscript(segments: readonly TranscriptSegment[], range: SegmentRange = { start: 0, end: segments.length }): string {
  const lines: string[] = [];
  for (let i = range.start; i < range.end; i++) lines.push(numberedLine(i, segments[i] as TranscriptSegment));
  return lines.join("\n");
}

/** Half-open range of segment indexes. */
export interface SegmentRange {
  start: number;
  end: number;
}

/**
 * Splits on segment boundaries so each chunk's numbered text stays within the budget (a single
 * segment longer than the budget becomes a chunk of its own rather than being cut). Chunks are
 * evened out so the last one is not a sliver.
 */
export function chunkSegments(segments: readonly TranscriptSegment[], budget: number): SegmentRange[] {
  const sizes = segments.map((s, i) => numberedLine(i, s).length + 1);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (segments.length === 0) return [];
  if (total <= budget) return [{ start: 0, end: segments.length }];
  const target = total / Math.ceil(total / budget);
  const ranges: SegmentRange[] = [];
  let start = 0;
  let size = 0;
  sizes.forEach((n, i) => {
    if (i > start && (size + n > budget || size >= target)) {
      ranges.push({ start, end: i });
      start = i;
      size = 0;
    }
    size += n;
  });
  ranges.push({ start, end: segments.length });
  return ranges;
}

// ---- text helpers ----

export function clean(text: string | null | undefined): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}

export interface IssueLike {
  path?: readonly PropertyKey[];
  message: string;
}

/** `key_terms[3].definition: Too small ...`, a form both a reader and the model can act on. */
export function formatIssue(issue: IssueLike, prefix: readonly PropertyKey[] = []): string {
  let where = "";
  for (const part of [...prefix, ...(issue.path ?? [])]) {
    if (typeof part === "number") where += `[${part}]`;
    else where += where ? `.${String(part)}` : String(part);
  }
  return where ? `${where}: ${issue.message}` : issue.message;
}

export function summariseIssues(issues: readonly string[], max = 5): string {
  const shown = issues.slice(0, max).join("; ");
  return issues.length > max ? `${shown}; and ${issues.length - max} more` : shown;
}

// ---- the provider seam ----

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  model: string;
  name: string;
  schema: z.ZodType;
  messages: ChatMessage[];
}

/** A provider's answer, before any checking: the raw JSON text and why generation stopped. */
export interface ChatAnswer {
  content: string | null;
  refusal?: string | null;
  /** `length`: cut off at the token limit; `content_filter`: blocked. */
  finishReason: string | null;
  /** Set when the provider itself rejected the output as not matching the schema; worth a repair. */
  invalid?: string;
}

/** One chat completion constrained to a JSON schema. */
export type StructuredChat = (request: ChatRequest) => Promise<ChatAnswer>;

/** The JSON schema a zod schema stands for, in the strict form OpenAI's structured outputs want. */
export function jsonSchemaOf(schema: z.ZodType, name: string): Record<string, unknown> {
  return zodResponseFormat(schema, name).json_schema.schema as Record<string, unknown>;
}

export function openAIChat(client: OpenAI): StructuredChat {
  return async (request) => {
    // zodResponseFormat turns the schema into a strict json_schema response format; the answer is
    // then checked by requestStructured with the same schema, so an invalid answer is kept for the repair prompt.
    const completion = await client.chat.completions.create({
      model: request.model,
      messages: request.messages,
      response_format: zodResponseFormat(request.schema, request.name),
    });
    const choice = completion.choices[0];
    const message = choice?.message;
    if (!message) return { content: null, finishReason: null, invalid: "The response had no message." };
    return { content: message.content ?? null, refusal: message.refusal ?? null, finishReason: choice.finish_reason ?? null };
  };
}

// ---- one structured request, repaired at most once ----

export type Acceptance<T> = { ok: true; value: T } | { ok: false; issues: string[] };

export interface StructuredRequest<M, T> {
  model: string;
  /** The response format's name (the model sees it; the local fake keys its answers on it). */
  name: string;
  schema: z.ZodType<M>;
  messages: ChatMessage[];
  /** Checks and converts what the model returned; issues trigger the single repair attempt. */
  accept: (parsed: M) => Acceptance<T>;
  /** What was being asked, for error messages: "generate study material". */
  task: string;
  /** Prefix of the permanent error when the repaired output is still invalid. */
  invalidLabel: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; issues: string[]; raw: string | undefined };

export async function requestStructured<M, T>(chat: StructuredChat, request: StructuredRequest<M, T>): Promise<T> {
  const first = await attempt(chat, request, request.messages);
  if (first.ok) return first.value;
  const repairMessages: ChatMessage[] = [
    ...request.messages,
    { role: "assistant", content: first.raw ?? "(no output)" },
    {
      role: "user",
      content: [
        "Your previous answer could not be used because it failed validation:",
        ...first.issues.slice(0, 25).map((issue) => `- ${issue}`),
        "Answer again with the complete JSON in the same schema, fixing these problems and keeping to the rules above.",
      ].join("\n"),
    },
  ];
  const second = await attempt(chat, request, repairMessages);
  if (second.ok) return second.value;
  throw new PermanentJobError(`${request.invalidLabel}: ${summariseIssues(second.issues)}`);
}

async function attempt<M, T>(chat: StructuredChat, request: StructuredRequest<M, T>, messages: ChatMessage[]): Promise<Outcome<T>> {
  const answer = await chat({ model: request.model, name: request.name, schema: request.schema as z.ZodType, messages });
  if (answer.refusal) throw new PermanentJobError(`The model refused to ${request.task}: ${clean(answer.refusal)}`);
  if (answer.finishReason === "length") {
    throw new PermanentJobError(
      `The model's output was truncated at the model's token limit while trying to ${request.task}. Use a model with a larger output limit or a smaller transcript budget.`,
    );
  }
  if (answer.finishReason === "content_filter") throw new PermanentJobError(`The provider's content filter blocked the attempt to ${request.task}.`);
  const raw = answer.content ?? undefined;
  if (answer.invalid) return { ok: false, issues: [answer.invalid], raw };
  if (!raw) return { ok: false, issues: ["The response had no JSON content."], raw };

  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, issues: [`The output was not valid JSON (${(error as Error).message}).`], raw };
  }
  const parsed = request.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => formatIssue(issue as IssueLike));
    return { ok: false, issues: issues.length ? issues : ["The output did not match the schema."], raw };
  }
  const accepted = request.accept(parsed.data);
  return accepted.ok ? accepted : { ok: false, issues: accepted.issues, raw };
}

