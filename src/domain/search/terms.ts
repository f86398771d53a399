/**
 * Query terms for the offline paths (extractive answers, grounding by overlap): content words
 * reduced to a crude stem (their first six letters), so "elasticity" meets "elastic" and
 * "demanded" meets "demand" without a stemmer's tables in the bundle.
 */
import { isContentWord, tokenize } from "../generation/text.ts";

const STEM_LENGTH = 6;

export function stems(text: string): string[] {
  return tokenize(text)
    .filter(isContentWord)
    .map((t) => t.key.replace(/\s+/g, "").slice(0, STEM_LENGTH));
}

/** How much of `query` the text covers: the number of distinct query stems it contains. */
export function overlap(query: ReadonlySet<string>, text: string): number {
  let hits = 0;
  for (const stem of new Set(stems(text))) if (query.has(stem)) hits++;
  return hits;
}
