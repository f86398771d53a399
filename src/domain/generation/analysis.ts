/**
 * The shared reading of a transcript: sentences mapped back to the segments they came from,
 * TF-IDF vectors over sentences, and TextRank centrality. Everything downstream (summary,
 * outline, key terms, cards, questions, threads) works from this.
 */
import type { SourceRef } from "../artifacts.ts";
import type { TranscriptSegment } from "../transcript.ts";
import { sentenceSpans } from "../transcripts/sentences.ts";
import { isContentWord, tokenize, type Token } from "./text.ts";

export interface Sentence {
  index: number;
  text: string;
  /** Indexes into the input segments this sentence spans (usually one). */
  segmentIndexes: number[];
  tokens: Token[];
  /** Content-word keys, in order, for similarity. */
  contentKeys: string[];
  wordCount: number;
}

export interface Analysis {
  segments: TranscriptSegment[];
  sentences: Sentence[];
  totalWords: number;
  vectors: SparseVector[];
  /** TextRank score per sentence, same order as sentences. */
  centrality: number[];
}

export type SparseVector = Map<string, number>;

/**
 * Sentences are cut from the whole transcript, not per segment, because caption cues routinely
 * break a sentence in two; each sentence remembers every segment it overlaps.
 */
export function splitIntoSentences(segments: TranscriptSegment[]): Sentence[] {
  const starts: number[] = [];
  const hasText: boolean[] = [];
  let stream = "";
  segments.forEach((segment, i) => {
    const text = segment.text.replace(/\s+/g, " ").trim();
    hasText[i] = text.length > 0;
    if (stream && text) stream += " ";
    starts[i] = stream.length;
    stream += text;
  });
  const ends = segments.map((_, i) => (i + 1 < segments.length ? (starts[i + 1] as number) : stream.length));
  const sentences: Sentence[] = [];
  let first = 0;
  for (const span of sentenceSpans(stream)) {
    while (first < segments.length - 1 && (ends[first] as number) <= span.start) first++;
    const segmentIndexes: number[] = [];
    for (let i = first; i < segments.length && (starts[i] as number) < span.end; i++) {
      if (hasText[i] && (ends[i] as number) > span.start) segmentIndexes.push(i);
    }
    const text = stream.slice(span.start, span.end);
    const tokens = tokenize(text);
    sentences.push({
      index: sentences.length,
      text,
      segmentIndexes: segmentIndexes.length > 0 ? segmentIndexes : [first],
      tokens,
      contentKeys: tokens.filter(isContentWord).flatMap((t) => t.key.split(" ")),
      wordCount: tokens.length,
    });
  }
  return sentences;
}

export function analyse(segments: TranscriptSegment[]): Analysis {
  const sentences = splitIntoSentences(segments);
  const vectors = tfidfVectors(sentences.map((s) => s.contentKeys));
  return {
    segments,
    sentences,
    totalWords: sentences.reduce((sum, s) => sum + s.wordCount, 0),
    vectors,
    centrality: textRank(vectors),
  };
}

/** Unit-length TF-IDF vectors, each sentence treated as a document. */
export function tfidfVectors(documents: string[][]): SparseVector[] {
  const df = new Map<string, number>();
  for (const doc of documents) for (const key of new Set(doc)) df.set(key, (df.get(key) ?? 0) + 1);
  const n = documents.length;
  return documents.map((doc) => {
    const tf = new Map<string, number>();
    for (const key of doc) tf.set(key, (tf.get(key) ?? 0) + 1);
    const vector: SparseVector = new Map();
    let norm = 0;
    for (const [key, count] of tf) {
      const weight = (1 + Math.log(count)) * (Math.log((1 + n) / (1 + (df.get(key) ?? 0))) + 1);
      vector.set(key, weight);
      norm += weight * weight;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [key, weight] of vector) vector.set(key, weight / norm);
    return vector;
  });
}

export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [key, weight] of small) {
    const other = large.get(key);
    if (other !== undefined) dot += weight * other;
  }
  return dot;
}

const DAMPING = 0.85;
const ITERATIONS = 40;

/**
 * TextRank: PageRank over the sentence-similarity graph. A sentence is central when it shares
 * vocabulary with many other sentences that are themselves central. A fixed iteration count keeps
 * the result reproducible to the last bit.
 */
export function textRank(vectors: SparseVector[]): number[] {
  const n = vectors.length;
  if (n === 0) return [];
  const edges: { to: number; weight: number }[][] = vectors.map(() => []);
  const outWeight = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const w = cosine(vectors[i] as SparseVector, vectors[j] as SparseVector);
      if (w <= 0.01) continue;
      edges[i]!.push({ to: j, weight: w });
      edges[j]!.push({ to: i, weight: w });
      outWeight[i]! += w;
      outWeight[j]! += w;
    }
  }
  let scores = new Array<number>(n).fill(1 / n);
  for (let iter = 0; iter < ITERATIONS; iter++) {
    const next = new Array<number>(n).fill((1 - DAMPING) / n);
    for (let i = 0; i < n; i++) {
      const out = outWeight[i] as number;
      if (out === 0) continue;
      const share = (DAMPING * (scores[i] as number)) / out;
      for (const edge of edges[i] as { to: number; weight: number }[]) next[edge.to]! += share * edge.weight;
    }
    scores = next;
  }
  return scores;
}

/** The grounding for a set of sentences: their segments, deduplicated, in transcript order. */
export function sourcesOf(analysis: Analysis, sentenceIndexes: Iterable<number>): SourceRef[] {
  const indexes = new Set<number>();
  for (const si of sentenceIndexes) for (const seg of analysis.sentences[si]?.segmentIndexes ?? []) indexes.add(seg);
  return [...indexes]
    .sort((a, b) => a - b)
    .map((segmentIndex) => {
      const segment = analysis.segments[segmentIndex] as TranscriptSegment;
      return { segmentIndex, startSec: segment.startSec, endSec: segment.endSec };
    });
}
