/**
 * Grounded answers over retrieved transcript passages. Offline: the best matching sentences, in
 * lecture order, each citing its segment. With a model: the model's sentences are kept only with
 * citations of passages that were actually retrieved; anything else is reported for a repair.
 */
import { splitSentences } from "../transcripts/sentences.ts";
import { momentLink } from "./links.ts";
import { byLectureOrder, type Passage } from "./passages.ts";
import { overlap, stems } from "./terms.ts";

export interface Citation {
  lectureId: string;
  segmentIndex: number;
  startSec: number;
  endSec: number;
  quote: string;
  link: string;
}

export interface GroundedAnswer {
  answer: string;
  citations: Citation[];
  grounded: boolean;
}

export const NOT_COVERED = "The lectures do not cover this question.";
export const NOT_GROUNDED = "No answer grounded in the lectures could be written for this question.";

export const notCovered = (answer = NOT_COVERED): GroundedAnswer => ({ answer, citations: [], grounded: false });

/** How many sentences an extractive answer quotes at most. */
export const EXTRACTIVE_SENTENCES = 3;

/** Transcript passages that can be cited (they have a segment and its times). */
export function citable(passages: readonly Passage[]): (Passage & { segmentIndex: number; startSec: number; endSec: number })[] {
  return passages.filter(
    (p): p is Passage & { segmentIndex: number; startSec: number; endSec: number } =>
      p.kind === "transcript" && p.segmentIndex !== null && p.startSec !== null && p.endSec !== null,
  );
}

function citationOf(p: Passage & { segmentIndex: number; startSec: number; endSec: number }, quote: string): Citation {
  return { lectureId: p.lectureId, segmentIndex: p.segmentIndex, startSec: p.startSec, endSec: p.endSec, quote, link: momentLink(p.lectureId, p.startSec, p.endSec) };
}

/**
 * The sentences of the retrieved passages that best match the question, weighting each question
 * word by how rare it is among those sentences (so "collision" counts for more than "hash" in a
 * lecture about hash tables). A sentence must match at least half of the question's words (one
 * when it has one or two) and score at least RELATIVE_CUT of the best one; the chosen ones are
 * put back in lecture order so the answer reads as the course told it.
 */
export function extractiveAnswer(question: string, passages: readonly Passage[], maxSentences = EXTRACTIVE_SENTENCES): GroundedAnswer {
  const query = new Set(stems(question));
  if (query.size === 0) return notCovered();
  const needed = query.size >= 3 ? Math.ceil(query.size / 2) : 1;
  const sentences = citable(passages).flatMap((passage, rank) =>
    splitSentences(passage.text).map((sentence, position) => {
      const words = new Set(stems(sentence).filter((stem) => query.has(stem)));
      return { passage, sentence: sentence.trim(), position, rank, words };
    }),
  );
  const frequency = new Map<string, number>();
  for (const { words } of sentences) for (const w of words) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const weight = (w: string) => Math.log(1 + sentences.length / (frequency.get(w) ?? 1));
  const candidates = sentences
    .filter((s) => s.words.size >= needed)
    .map((s) => ({ ...s, score: [...s.words].reduce((sum, w) => sum + weight(w), 0) }));
  if (candidates.length === 0) return notCovered();
  const best = Math.max(...candidates.map((c) => c.score));
  const chosen = candidates
    .filter((c) => c.score >= best * RELATIVE_CUT)
    .sort((a, b) => b.score - a.score || a.rank - b.rank || a.position - b.position)
    .filter((c, i, all) => all.findIndex((o) => o.sentence === c.sentence) === i)
    .slice(0, maxSentences)
    .sort((a, b) => byLectureOrder(a.passage, b.passage) || a.position - b.position);
  return {
    answer: chosen.map((c) => c.sentence).join(" "),
    citations: chosen.map((c) => citationOf(c.passage, c.sentence)),
    grounded: true,
  };
}

/** Sentences scoring below this share of the best one are left out of an extractive answer. */
const RELATIVE_CUT = 0.75;

/** What the model answers: sentences, each citing retrieved passages by their `[n]` marker. */
export interface ModelAnswer {
  covered: boolean;
  sentences: { text: string; citations: number[] }[];
}

export type CheckedAnswer = { ok: true; value: GroundedAnswer } | { ok: false; issues: string[] };

/** The sentence of a passage that shares the most words with the claim citing it. */
function quoteFor(passageText: string, claim: string): string {
  const query = new Set(stems(claim));
  let best = passageText.trim();
  let bestScore = -1;
  for (const sentence of splitSentences(passageText)) {
    const score = overlap(query, sentence);
    if (score > bestScore) [best, bestScore] = [sentence.trim(), score];
  }
  return best;
}

/**
 * Every sentence must cite at least one passage, and only passages that were retrieved (markers
 * 0..n-1 of `retrieved`). A model that says the lectures do not cover the question gets the
 * not-covered answer, whatever else it wrote.
 */
export function checkModelAnswer(answer: ModelAnswer, retrieved: readonly Passage[]): CheckedAnswer {
  if (!answer.covered) return { ok: true, value: notCovered() };
  const sources = citable(retrieved);
  const issues: string[] = [];
  const sentences = answer.sentences.filter((s) => s.text.trim());
  if (sentences.length === 0) issues.push("sentences: the answer is empty although `covered` is true.");
  const citations: Citation[] = [];
  const seen = new Set<string>();
  sentences.forEach((sentence, i) => {
    const invented = sentence.citations.filter((n) => !Number.isInteger(n) || n < 0 || n >= sources.length);
    if (invented.length) issues.push(`sentences[${i}].citations: [${invented.join(", ")}] ${invented.length === 1 ? "is" : "are"} not among the numbered passages.`);
    if (sentence.citations.length === 0) issues.push(`sentences[${i}].citations: every sentence must cite at least one passage.`);
    for (const n of sentence.citations) {
      const source = sources[n];
      if (!source) continue;
      const key = `${source.lectureId}|${source.segmentIndex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      citations.push(citationOf(source, quoteFor(source.text, sentence.text)));
    }
  });
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { answer: sentences.map((s) => s.text.trim()).join(" "), citations, grounded: true } };
}
