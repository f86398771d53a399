/**
 * Search and grounded answers over a course (or one lecture). Without an OpenAI key: full-text
 * ranking and extractive answers. With one: the query is embedded, the semantic ranking is fused
 * with the full-text one (reciprocal rank fusion), and a model writes the answer from the
 * retrieved passages, citing them. Either way one database round trip per request.
 */
import { searchPassages, type SearchScope } from "../db/search.ts";
import { extractiveAnswer, notCovered, type GroundedAnswer } from "../domain/search/answer.ts";
import { momentLink } from "../domain/search/links.ts";
import type { Passage, PassageKind } from "../domain/search/passages.ts";
import type { Services } from "../services.ts";
import { answerWithOpenAI } from "./openai/answer.ts";
import { createOpenAI } from "./openai/client.ts";
import { embedTexts } from "./openai/embeddings.ts";

export type Ranking = "fulltext" | "hybrid";

/**
 * How deep each ranking goes before fusion: a fixed depth, so every page cuts the same order;
 * results past it are not served.
 */
export const HYBRID_DEPTH = 300;
/** Passages an answer is written from, and how deep its rankings go before fusion. */
export const ASK_PASSAGES = 8;
const ASK_DEPTH = 50;
/** A question or search should not wait long on the embedding: past this, full-text alone answers. */
const EMBED_TIMEOUT_MS = 10_000;
const ANSWER_TIMEOUT_MS = 60_000;

export interface SearchHit {
  lectureId: string;
  lectureTitle: string;
  kind: PassageKind;
  artifactType: string | null;
  segmentIndex: number | null;
  startSec: number | null;
  endSec: number | null;
  snippet: string;
  score: number;
  link: string | null;
}

function openaiOf(services: Services) {
  const { apiKey, baseUrl } = services.config.openai;
  return apiKey ? createOpenAI({ apiKey, baseUrl, timeoutMs: EMBED_TIMEOUT_MS }) : null;
}

/** The query's embedding, or null (no key, or the provider failed: full-text still answers). */
async function queryEmbedding(services: Services, query: string): Promise<number[] | null> {
  const client = openaiOf(services);
  if (!client) return null;
  try {
    const [vector] = await embedTexts(client, services.config.openai.embeddingModel, [query]);
    return vector ?? null;
  } catch (error) {
    console.log(JSON.stringify({ level: "warn", msg: "query embedding failed; full-text ranking only", error: String((error as Error)?.message ?? error) }));
    return null;
  }
}

export const hitOf = (p: Passage): SearchHit => ({
  lectureId: p.lectureId,
  lectureTitle: p.lectureTitle,
  kind: p.kind,
  artifactType: p.artifactType,
  segmentIndex: p.segmentIndex,
  startSec: p.startSec,
  endSec: p.endSec,
  snippet: p.snippet,
  score: Math.round(p.score * 1e6) / 1e6,
  link: p.startSec === null ? null : momentLink(p.lectureId, p.startSec, p.endSec),
});

export interface SearchOutcome {
  found: boolean;
  hits: SearchHit[];
  total: number;
  ranking: Ranking;
}

export async function search(
  services: Services,
  scope: SearchScope,
  request: { query: string; kinds: readonly PassageKind[]; limit: number; offset: number },
): Promise<SearchOutcome> {
  // A blank query (the caller only checks the scope exists) matches nothing and needs no embedding.
  const embedding = request.kinds.includes("transcript") && request.query ? await queryEmbedding(services, request.query) : null;
  const result = await searchPassages(services.db, {
    scope,
    query: request.query,
    match: "all",
    kinds: request.kinds,
    limit: request.limit,
    offset: request.offset,
    ...(embedding ? { semantic: { embedding, depth: HYBRID_DEPTH } } : {}),
  });
  return { found: result.found, hits: result.passages.map(hitOf), total: result.total, ranking: result.ranking };
}

export interface AskOutcome {
  found: boolean;
  answer: GroundedAnswer;
  ranking: Ranking;
}

export async function ask(services: Services, scope: SearchScope, question: string): Promise<AskOutcome> {
  const embedding = question ? await queryEmbedding(services, question) : null;
  const result = await searchPassages(services.db, {
    scope,
    query: question,
    match: "any",
    kinds: ["transcript"],
    limit: ASK_PASSAGES,
    offset: 0,
    ...(embedding ? { semantic: { embedding, depth: ASK_DEPTH } } : {}),
  });
  const { ranking, passages } = result;
  if (!result.found || !question) return { found: result.found, answer: notCovered(), ranking };
  const { apiKey, baseUrl, model } = services.config.openai;
  if (!apiKey) return { found: true, answer: extractiveAnswer(question, passages), ranking };
  try {
    const client = createOpenAI({ apiKey, baseUrl, timeoutMs: ANSWER_TIMEOUT_MS });
    return { found: true, answer: await answerWithOpenAI(client, { model, question, passages }), ranking };
  } catch (error) {
    // The provider is down or slow: the extractive answer is still grounded, and better than a 5xx.
    console.log(JSON.stringify({ level: "warn", msg: "model answer failed; extractive answer instead", error: String((error as Error)?.message ?? error) }));
    return { found: true, answer: extractiveAnswer(question, passages), ranking };
  }
}
