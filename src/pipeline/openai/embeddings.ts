/**
 * Embeddings for semantic search: transcript segments when a lecture's material is generated, and
 * the query when a course is searched. Vectors are shortened to EMBEDDING_DIMENSIONS by the API
 * (text-embedding-3 models keep most of their quality at 256) and normalised to unit length, so
 * similarity in SQL is a dot product.
 */
import type OpenAI from "openai";

export const EMBEDDING_DIMENSIONS = 256;
/** Inputs per request: far below the API's 2,048, so one request stays small and quick. */
const BATCH = 128;
/** Characters of one input: well inside the models' 8,192-token window. */
const MAX_INPUT_CHARS = 8000;

function unit(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm > 0 ? vector.map((x) => x / norm) : vector.map(() => 0);
}

export async function embedTexts(client: OpenAI, model: string, texts: readonly string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    const input = texts.slice(i, i + BATCH).map((t) => t.replace(/\s+/g, " ").trim().slice(0, MAX_INPUT_CHARS) || "-");
    const response = await client.embeddings.create({ model, input, dimensions: EMBEDDING_DIMENSIONS, encoding_format: "float" });
    const ordered = [...response.data].sort((a, b) => a.index - b.index);
    if (ordered.length !== input.length) throw new Error(`The embeddings response has ${ordered.length} vectors for ${input.length} inputs.`);
    for (const item of ordered) out.push(unit(item.embedding));
  }
  return out;
}
