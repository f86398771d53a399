/**
 * Offline thread detection: the concepts a lecture keeps returning to, matched against the
 * course's existing threads so a concept revisited in a later lecture extends its thread instead
 * of starting a new one. Used when no model is configured; pure and deterministic.
 */
import { analyse, type Analysis, type Sentence } from "../generation/analysis.ts";
import { findDefinition } from "../generation/definitions.ts";
import { rankKeyphrases, selectKeyTerms } from "../generation/keyphrases.ts";
import { containsPhrase, findOccurrences, type KeyPhrase } from "../generation/phrase-matching.ts";
import { isContentWord, normalizeTerm, roundTo, shortenSentence, titleCase, truncateChars } from "../generation/text.ts";
import type { TranscriptSegment } from "../transcript.ts";

export type ChangeType = "refinement" | "complexity" | "contradiction";

export interface DetectedConcept {
  title: string;
  titleKey: string;
  existingThreadId: string | null;
  summary: string;
  evidence: string;
  segmentIndex: number;
  confidence: number;
  complexityLevel: number;
  changeType: ChangeType | null;
}

export interface ExistingThread {
  id: string;
  title: string;
  titleKey: string;
}

export interface DetectInput {
  lectureId: string;
  segments: TranscriptSegment[];
  existing: ExistingThread[];
  maxConcepts?: number;
}

const DEFAULT_MAX_CONCEPTS = 8;
const EVIDENCE_CHARS = 180;
const SUMMARY_WORDS = 30;
/** Mentions of an existing thread's concept weigh this much more than a new phrase's. */
const CONTINUITY_BOOST = 1.5;

/**
 * The key two titles of one concept share: lowercase, no punctuation or diacritics, hyphen and
 * space alike, each word lightly singularised ("Cell-Membranes" → "cell membrane",
 * "Studies" → "study", "Analysis" unchanged).
 */
export function normalizeConceptTitle(title: string): string {
  return normalizeTerm(title);
}

const ADVANCED_CUE =
  /\b(?:in more detail|more advanced|advanced|more complex|go(?:es)? further|deeper|builds? on|building on|more precisely|full picture|half of the story|more sophisticated|in depth|closer look|more closely)\b/i;
const CONTRADICTION_CUE =
  /\b(?:contrary to what|contradicts?|not quite right|(?:was|were|is) wrong|turns out to be wrong|(?:isn't|is not|aren't|are not) actually true|correction)\b/i;

export function detectConceptsOffline(input: DetectInput): { concepts: DetectedConcept[] } {
  const analysis = analyse(input.segments);
  if (analysis.sentences.length === 0) return { concepts: [] };
  const max = input.maxConcepts ?? DEFAULT_MAX_CONCEPTS;
  if (max <= 0) return { concepts: [] };

  const ranked = rankKeyphrases(analysis);
  const byKey = new Map(ranked.map((p) => [p.key, p]));
  const existingByKey = new Map<string, ExistingThread>();
  for (const thread of input.existing) {
    for (const key of [thread.titleKey, normalizeConceptTitle(thread.title)]) if (key && !existingByKey.has(key)) existingByKey.set(key, thread);
  }

  // Existing threads this lecture mentions at least twice compete with a boost, found by their
  // key even when the lecture's own ranking nested them inside a longer phrase.
  const candidates = new Map<string, KeyPhrase>();
  for (const phrase of ranked) if (phrase.count >= 2 && phrase.score > 0) candidates.set(phrase.key, phrase);
  for (const [key, thread] of existingByKey) {
    const mention = mentionsOf(analysis, key);
    if (mention.count < 2) continue;
    const own = byKey.get(key);
    // On the scale of rankKeyphrases for a defined phrase: continuity counts every mention,
    // nested ones included ("active transport" inside "secondary active transport").
    const base = Math.max(own?.score ?? 0, 4 * Math.log2(2 + mention.words) * mention.count);
    candidates.set(key, {
      key,
      surface: own?.surface ?? thread.title,
      words: mention.words,
      count: mention.count,
      sentences: mention.sentences,
      score: roundTo(base * CONTINUITY_BOOST, 6),
      defined: own?.defined ?? 0,
      vague: false,
    });
  }
  const ordered = [...candidates.values()].sort((a, b) => b.score - a.score || compare(a.key, b.key));
  // A course thread is one concept: "diffusion" beside "facilitated diffusion" is not a second
  // thread, but a thread the course already has is never dropped for nesting.
  const protect = new Set([...existingByKey.keys()].filter((k) => candidates.has(k)));
  const chosen = selectKeyTerms(analysis, ordered, max, { definedFirst: false, strictNesting: true, protect });

  const related = ranked.filter((p) => p.count >= 2).slice(0, 25);
  const concepts = chosen
    .map((phrase) => ({ score: phrase.score, concept: describe(analysis, phrase, existingByKey.get(phrase.key) ?? null, related) }))
    .sort((a, b) => b.score - a.score || compare(a.concept.title, b.concept.title))
    .map(({ concept }) => concept);
  return { concepts };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mentionsOf(analysis: Analysis, key: string): { count: number; sentences: number[]; words: number } {
  let count = 0;
  const sentences: number[] = [];
  for (const sentence of analysis.sentences) {
    const n = findOccurrences(sentence, key).length;
    if (n === 0) continue;
    count += n;
    sentences.push(sentence.index);
  }
  return { count, sentences, words: key.split(" ").length };
}

function describe(analysis: Analysis, phrase: KeyPhrase, thread: ExistingThread | null, related: KeyPhrase[]): DetectedConcept {
  const first = analysis.sentences[phrase.sentences[0] ?? 0] as Sentence;
  const definition = findDefinition(analysis, phrase);
  const summarySentence = analysis.sentences[definition?.sentence ?? first.index] as Sentence;
  const context = definition?.context != null ? (analysis.sentences[definition.context] as Sentence) : null;
  const mentions = phrase.sentences.map((si) => analysis.sentences[si] as Sentence);
  const level = complexityOf(phrase, mentions, related);
  const title = thread ? thread.title : titleCase(phrase.surface);
  return {
    title,
    titleKey: thread ? thread.titleKey : normalizeConceptTitle(title),
    existingThreadId: thread ? thread.id : null,
    summary: summaryOf(summarySentence, context),
    evidence: evidenceText(first, phrase.key),
    segmentIndex: first.segmentIndexes[0] ?? 0,
    confidence: roundTo(Math.min(0.95, 0.5 + phrase.count / 10), 2),
    complexityLevel: level,
    changeType: thread ? changeTypeOf(mentions, level) : null,
  };
}

/**
 * The defining sentence within SUMMARY_WORDS; with the sentence before it when the definition
 * leans on it ("The price at that point is called ..."), as long as both fit.
 */
function summaryOf(sentence: Sentence, context: Sentence | null): string {
  if (context && context.wordCount < SUMMARY_WORDS - 6) {
    const rest = SUMMARY_WORDS - context.wordCount;
    const main = shortenSentence(sentence.text, rest);
    // Only a clean cut keeps the two sentences one contiguous quotation of the lecture.
    if (!main.endsWith("…") && !main.includes("…")) return `${context.text} ${main}`;
  }
  return shortenSentence(sentence.text, SUMMARY_WORDS);
}

/**
 * The sentence as evidence, within EVIDENCE_CHARS. When the concept comes late in a long
 * sentence, the cut keeps the end so the evidence still names the concept.
 */
function evidenceText(sentence: Sentence, key: string): string {
  const text = sentence.text;
  if (text.length <= EVIDENCE_CHARS) return text;
  const at = findOccurrences(sentence, key)[0];
  if (!at || at.end <= EVIDENCE_CHARS - 1) return truncateChars(text, EVIDENCE_CHARS);
  const from = text.length - (EVIDENCE_CHARS - 1);
  const space = text.indexOf(" ", from);
  const start = space >= 0 && space < at.start ? space + 1 : Math.min(from, at.start);
  return `…${truncateChars(text.slice(start), EVIDENCE_CHARS - 1)}`;
}

/**
 * 1 to 5 from how the lecture treats the concept: how many other recurring concepts it is
 * discussed with, how technical the surrounding vocabulary is, and explicit "advanced" cues.
 */
function complexityOf(phrase: KeyPhrase, mentions: Sentence[], related: KeyPhrase[]): number {
  const inMentions = new Set(mentions.map((s) => s.index));
  const companions = related.filter(
    (p) => p.key !== phrase.key && !containsPhrase(p.key, phrase.key) && !containsPhrase(phrase.key, p.key) && p.sentences.some((si) => inMentions.has(si)),
  ).length;
  const words = mentions.flatMap((s) => s.tokens.filter(isContentWord));
  const technical = words.length > 0 ? words.filter((t) => t.text.length >= 9).length / words.length : 0;
  let level = 1;
  if (companions >= 4) level++;
  if (companions >= 8) level++;
  if (technical >= 0.25) level++;
  if (mentions.some((s) => ADVANCED_CUE.test(s.text))) level++;
  return Math.max(1, Math.min(5, level));
}

function changeTypeOf(mentions: Sentence[], level: number): ChangeType {
  if (mentions.some((s) => CONTRADICTION_CUE.test(s.text))) return "contradiction";
  if (level >= 4 || mentions.some((s) => ADVANCED_CUE.test(s.text))) return "complexity";
  return "refinement";
}
