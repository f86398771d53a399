/**
 * Finding a phrase in a sentence: the spans where a normalised key occurs as whole words, which
 * sentences of a lecture contain a word, and whether one key contains another. A token may stand
 * for several words ("sodium-potassium" is "sodium potassium"), so matching runs over the words
 * of each token's key. The word lists of each sentence and key, and each lecture's word index,
 * are cached. Also holds the `KeyPhrase` record that ranking (keyphrases.ts) produces and
 * definitions.ts reads, so that neither has to import the other for it.
 */
import type { Analysis, Sentence } from "./analysis.ts";
import { normalizeTerm } from "./text.ts";

export interface KeyPhrase {
  /** Normalised words ("sodium potassium pump", "law of demand"); equal keys mean the same concept. */
  key: string;
  /** The most frequent written form, exactly as it appears in the transcript. */
  surface: string;
  /** Number of words in the key. */
  words: number;
  /** Mentions of the key anywhere in the lecture (whole words). */
  count: number;
  /** Sentences mentioning it, in order, without repeats. */
  sentences: number[];
  score: number;
  /** How clearly the lecture defines it: the best definition score over its mentions (5+ is "X is a ..."). */
  defined: number;
  /** A single vague word ("law", "quantity", "effect"): a term only when the lecture defines it. */
  vague: boolean;
}

export interface Occurrence {
  start: number;
  end: number;
}

/** True when `inner` is a contiguous word sequence of `outer` (and shorter). */
export function containsPhrase(outer: string, inner: string): boolean {
  return outer !== inner && ` ${outer} `.includes(` ${inner} `);
}

interface FlatWord {
  key: string;
  token: number;
  first: boolean;
  last: boolean;
}
const flatCache = new WeakMap<Sentence, FlatWord[]>();

function flatWords(sentence: Sentence): FlatWord[] {
  let flat = flatCache.get(sentence);
  if (!flat) {
    flat = sentence.tokens.flatMap((t, token) => {
      const parts = t.key.split(" ").filter(Boolean);
      return parts.map((key, j) => ({ key, token, first: j === 0, last: j === parts.length - 1 }));
    });
    flatCache.set(sentence, flat);
  }
  return flat;
}

const keyWordsCache = new Map<string, string[]>();

export function keyWords(key: string): string[] {
  let words = keyWordsCache.get(key);
  if (!words) {
    if (keyWordsCache.size > 20000) keyWordsCache.clear();
    words = normalizeTerm(key).split(" ").filter(Boolean);
    keyWordsCache.set(key, words);
  }
  return words;
}

const wordIndexCache = new WeakMap<Analysis, Map<string, number[]>>();

/** Sentences containing each normalised word, in order: where to look for a phrase. */
export function sentencesWith(analysis: Analysis, word: string): number[] {
  let index = wordIndexCache.get(analysis);
  if (!index) {
    index = new Map();
    for (const sentence of analysis.sentences) {
      for (const w of new Set(flatWords(sentence).map((f) => f.key))) {
        const list = index.get(w) ?? [];
        list.push(sentence.index);
        index.set(w, list);
      }
    }
    wordIndexCache.set(analysis, index);
  }
  return index.get(word) ?? [];
}

/** Character spans in sentence.text where the phrase with this key occurs (whole words only). */
export function findOccurrences(sentence: Sentence, key: string): Occurrence[] {
  const words = keyWords(key);
  if (words.length === 0) return [];
  const flat = flatWords(sentence);
  const found: Occurrence[] = [];
  for (let i = 0; i + words.length <= flat.length; i++) {
    let match = flat[i]!.first && flat[i + words.length - 1]!.last;
    for (let j = 0; match && j < words.length; j++) match = flat[i + j]!.key === words[j];
    if (!match) continue;
    const start = sentence.tokens[flat[i]!.token]!.start;
    const end = sentence.tokens[flat[i + words.length - 1]!.token]!.end;
    found.push({ start, end });
    i += words.length - 1;
  }
  return found;
}
