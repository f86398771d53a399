/**
 * Keyphrase extraction: candidate noun-ish n-grams (1–3 words between stopwords, RAKE-style),
 * ranked by a C-value score (frequency discounted by how often the phrase only occurs nested in
 * a longer candidate), boosted when the lecture defines the phrase. Also finds the sentence that
 * defines a phrase and one that gives an example of it.
 */
import type { Analysis, Sentence } from "./analysis.ts";
import { canEndPhrase, isAcronym, isTermWord, normalizeTerm, singularize, type Token } from "./text.ts";

export interface KeyPhrase {
  /** Normalised words ("sodium potassium pump"); equal keys mean the same concept. */
  key: string;
  /** The most frequent written form, exactly as it appears in the transcript. */
  surface: string;
  /** Number of words in the key. */
  words: number;
  count: number;
  /** Sentences containing it, in order, without repeats. */
  sentences: number[];
  score: number;
}

export interface Occurrence {
  start: number;
  end: number;
}

const MAX_TOKENS = 3;
/** Above this share of sentences a phrase is the lecture's subject rather than a term in it. */
const UBIQUITOUS_SHARE = 0.12;

interface Tally {
  key: string;
  count: number;
  sentences: number[];
  forms: Map<string, { count: number; first: number }>;
}

/** Every candidate phrase, best first (score, then key). */
export function rankKeyphrases(analysis: Analysis, opts: { titleKey?: string; preferSimple?: boolean } = {}): KeyPhrase[] {
  const tallies = new Map<string, Tally>();
  const verbs = verbLikeKeys(analysis);
  let order = 0;
  for (const sentence of analysis.sentences) {
    for (const run of termRuns(sentence)) {
      for (let i = 0; i < run.length; i++) {
        for (let n = 1; n <= MAX_TOKENS && i + n <= run.length; n++) {
          const last = run[i + n - 1] as Token;
          if (!canEndPhrase(last) || (n > 1 && verbs.has(last.key))) continue;
          const tokens = run.slice(i, i + n);
          // Noun compounds take singular modifiers ("channel proteins"); a plural inside the
          // phrase means a verb follows it ("channels open", "cells pump ions").
          if (tokens.slice(0, -1).some((t) => !isAcronym(t.text) && singularize(t.text.toLowerCase()) !== t.text.toLowerCase())) continue;
          const key = tokens.map((t) => t.key).join(" ");
          let tally = tallies.get(key);
          if (!tally) {
            tally = { key, count: 0, sentences: [], forms: new Map() };
            tallies.set(key, tally);
          }
          tally.count++;
          if (tally.sentences[tally.sentences.length - 1] !== sentence.index) tally.sentences.push(sentence.index);
          const form = displayForm(sentence, tokens);
          const seen = tally.forms.get(form);
          if (seen) seen.count++;
          else tally.forms.set(form, { count: 1, first: order++ });
        }
      }
    }
  }

  // Nested frequency: how often each candidate occurs inside longer established candidates.
  const nestedIn = new Map<string, number>();
  for (const tally of tallies.values()) {
    const words = tally.key.split(" ");
    if (words.length < 2 || tally.count < 2) continue;
    for (const sub of subPhrases(words)) {
      if (tallies.has(sub)) nestedIn.set(sub, (nestedIn.get(sub) ?? 0) + tally.count);
    }
  }

  const titleKey = opts.titleKey ? ` ${opts.titleKey} ` : "";
  const sentenceCount = analysis.sentences.length;
  const phrases: KeyPhrase[] = [];
  for (const tally of tallies.values()) {
    const words = tally.key.split(" ").length;
    const independent = Math.max(0, tally.count - (nestedIn.get(tally.key) ?? 0));
    const defined = tally.sentences.some((si) => bestDefinitionScore(analysis.sentences[si] as Sentence, tally.key) >= 5);
    // Sentence-level IDF: a word in every other sentence is the lecture's subject, not a term to
    // learn; a phrase concentrated in a few sentences is.
    const share = tally.sentences.length / sentenceCount;
    const specificity = Math.log(1 + 1 / share) * (share > UBIQUITOUS_SHARE ? UBIQUITOUS_SHARE / share : 1);
    let score = Math.log2(1 + words) * independent * specificity;
    if (defined) score *= 2;
    else if (words === 1) score *= 0.7;
    if (titleKey.includes(` ${tally.key} `)) score *= 1.3;
    if (opts.preferSimple && averageWordLength(tally.key) > 9) score *= 0.7;
    phrases.push({ key: tally.key, surface: bestForm(tally), words, count: tally.count, sentences: tally.sentences, score: round6(score) });
  }
  return phrases.sort((a, b) => b.score - a.score || b.count - a.count || compare(a.key, b.key));
}

const OBJECT_WORDS = new Set(["the", "a", "an", "their", "its", "them", "it", "his", "her", "our", "your", "these", "those", "this"]);
const MODALS = new Set(["can", "could", "will", "would", "must", "should", "cannot", "may", "might"]);

/**
 * Words the lecture uses as verbs: often followed by a determiner or object pronoun ("builds
 * these gradients"), or after a modal ("can bind"). Such a word may not end a multi-word phrase,
 * so "pump builds" never becomes a term. ("to" is no cue: "to water" is as common as "to bind".)
 */
function verbLikeKeys(analysis: Analysis): Set<string> {
  const verbish = new Map<string, number>();
  const total = new Map<string, number>();
  for (const sentence of analysis.sentences) {
    const words = sentence.tokens.map((t) => t.text.toLowerCase());
    sentence.tokens.forEach((token, i) => {
      total.set(token.key, (total.get(token.key) ?? 0) + 1);
      const before = words[i - 1] ?? "";
      const after = words[i + 1] ?? "";
      if (OBJECT_WORDS.has(after) || MODALS.has(before)) verbish.set(token.key, (verbish.get(token.key) ?? 0) + 1);
    });
  }
  const verbs = new Set<string>();
  for (const [key, n] of verbish) if (n >= 0.3 * (total.get(key) ?? 1)) verbs.add(key);
  return verbs;
}

/**
 * The key terms of a lecture: recurring phrases (or once-mentioned ones the lecture defines),
 * with a phrase nested in a better one kept only when it also stands on its own.
 */
export function selectKeyTerms(analysis: Analysis, ranked: KeyPhrase[], limit: number): KeyPhrase[] {
  const eligible = ranked.filter((p) => p.score > 0 && (p.count >= 2 || isDefinedAnywhere(analysis, p)));
  const pool = eligible.length > 0 ? eligible : ranked.filter((p) => p.score > 0).slice(0, limit);
  const selected: KeyPhrase[] = [];
  for (const phrase of pool) {
    if (selected.length >= limit) break;
    const containing = selected.filter((s) => containsPhrase(s.key, phrase.key));
    // "membrane" after "cell membrane" is the lecturer's shorthand for it, not a new term.
    if (containing.some((s) => s.key.endsWith(` ${phrase.key}`))) continue;
    if (containing.length > 0) {
      const standalone = phrase.count - containing.reduce((sum, s) => sum + s.count, 0);
      if (standalone < Math.max(3, phrase.count / 2)) continue;
    }
    if (selected.some((s) => s.key === phrase.key)) continue;
    selected.push(phrase);
  }
  return selected;
}

function isDefinedAnywhere(analysis: Analysis, phrase: KeyPhrase): boolean {
  return phrase.sentences.some((si) => bestDefinitionScore(analysis.sentences[si] as Sentence, phrase.key) >= 5);
}

/** True when `inner` is a contiguous word sequence of `outer` (and shorter). */
export function containsPhrase(outer: string, inner: string): boolean {
  return outer !== inner && ` ${outer} `.includes(` ${inner} `);
}

function subPhrases(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j <= words.length; j++) if (j - i < words.length) out.push(words.slice(i, j).join(" "));
  }
  return [...new Set(out)];
}

/** Runs of term words separated only by whitespace; punctuation and stopwords end a run. */
function termRuns(sentence: Sentence): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  let previous: Token | null = null;
  for (const token of sentence.tokens) {
    const adjacent = previous !== null && /^\s+$/.test(sentence.text.slice(previous.end, token.start));
    if (!isTermWord(token)) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      if (!adjacent && run.length) {
        runs.push(run);
        run = [];
      }
      run.push(token);
    }
    previous = token;
  }
  if (run.length) runs.push(run);
  return runs;
}

/** Lower case unless a word is an acronym or a proper noun (capitalised mid-sentence). */
function displayForm(sentence: Sentence, tokens: Token[]): string {
  const firstToken = sentence.tokens[0];
  return tokens
    .map((t) => {
      if (isAcronym(t.text)) return t.text;
      if (t !== firstToken && /^\p{Lu}\p{Ll}/u.test(t.text)) return t.text;
      return t.text.toLowerCase();
    })
    .join(" ");
}

function bestForm(tally: Tally): string {
  let best = "";
  let bestCount = -1;
  let bestFirst = Number.POSITIVE_INFINITY;
  for (const [form, { count, first }] of tally.forms) {
    if (count > bestCount || (count === bestCount && first < bestFirst)) {
      best = form;
      bestCount = count;
      bestFirst = first;
    }
  }
  return best;
}

function averageWordLength(key: string): number {
  const words = key.split(" ");
  return words.reduce((sum, w) => sum + w.length, 0) / words.length;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- finding a phrase in a sentence ----

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

/** Character spans in sentence.text where the phrase with this key occurs (whole words only). */
export function findOccurrences(sentence: Sentence, key: string): Occurrence[] {
  const words = normalizeTerm(key).split(" ").filter(Boolean);
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

// ---- definitions and examples ----

// "X is a/the ..." defines X; "X is called Y" names Y, so "called" belongs to NAMED_BEFORE only.
const DEFINES_AFTER =
  /^\s+(?:(?:is|are)\s+(?:(?:a|an|the)\s+(?!same\b|case\b|reason\b|way\b|first\b|last\b|main\b|most\b|best\b|only\b|opposite\b)|any\b|what\b|how\b|when\b|where\b|made\b|simply\b|essentially\b|basically\b)|(?:refers?|referring)\s+to\b|means?\b|stands?\s+for\b|describes?\b|(?:is|are)\s+(?:defined|known)\s+as\b)/;
const NAMED_BEFORE = /\b(?:called|known as|term for|we call|referred to as|named)\s+(?:an?\s+|the\s+)?$/;
const IDENTIFIED_BEFORE = /\b(?:is|are)\s+(?:an?\s+|the\s+)$/;
const APPOSITIVE_AFTER = /^\s*,\s*(?:which|meaning|or|that is|i\.e\.)\b/;
const VERB_AFTER = /^\s+(?:is|are|was|were)\b/;
const MISTAKE_CUE = /\b(?:misconceptions?|mistakes?|myths?|wrongly|is not true)\b/i;

/** How clearly a sentence defines the phrase at this occurrence: 5 is "X is a ...", 0 is a mention. */
export function definitionScore(sentence: Sentence, occurrence: Occurrence): number {
  const lower = sentence.text.toLowerCase();
  const after = lower.slice(occurrence.end);
  const before = lower.slice(0, occurrence.start);
  let score = 0;
  if (isNested(sentence, occurrence)) {
    // "membrane" inside "the cell membrane is ..." is not what that sentence defines.
    score = /\b(?:is|are|means)\b/.test(lower) ? 1 : 0;
  } else if (NAMED_BEFORE.test(before)) score = 5;
  else if (DEFINES_AFTER.test(after)) score = isSubject(before) ? 5 : 2;
  else if (APPOSITIVE_AFTER.test(after)) score = 3;
  // "The pump is a carrier protein" names an instance of the term; it does not define it.
  else if (IDENTIFIED_BEFORE.test(before)) score = 1;
  else if (VERB_AFTER.test(after)) score = isSubject(before) ? 2 : 1;
  // The subject of what the lecture says it does ("carrier proteins bind a molecule ...").
  else if (isSubject(before) && /^\s+\p{L}/u.test(after)) score = 2;
  else if (/\b(?:is|are|means)\b/.test(lower)) score = 1;
  if (sentence.wordCount > 40 || sentence.wordCount < 5) score -= 1;
  if (sentence.text.trimEnd().endsWith("?")) score -= 3;
  // A sentence stating a misconception would teach the mistake as the definition.
  if (MISTAKE_CUE.test(sentence.text)) score -= 3;
  return score;
}

/** True when the text before an occurrence leaves it as the subject of its clause. */
function isSubject(before: string): boolean {
  const lead = before.replace(LEAD_IN, "").trim();
  if (lead === "" || /^(?:the|an?)$/.test(lead)) return true;
  return /(?:[,;:]\s*(?:and|but|while|whereas)?|\bthat|\bwhich)\s*(?:the\s+|an?\s+)?$/.test(before);
}
const LEAD_IN = /^(?:\s*(?:so|now|okay|well|and|but|remember|in fact|of course|to sum up)\b,?)+/;
const SPOKEN_LEAD_IN = /^(?:\s*(?:so|now|okay|well|and|but|remember|in fact|of course|to sum up)\b,?)+/i;

/** True when a term word directly precedes or follows the occurrence, making it part of a longer phrase. */
function isNested(sentence: Sentence, occurrence: Occurrence): boolean {
  for (const token of sentence.tokens) {
    if (token.end <= occurrence.start && /^\s+$/.test(sentence.text.slice(token.end, occurrence.start)) && isTermWord(token)) return true;
    if (token.start >= occurrence.end && /^\s+$/.test(sentence.text.slice(occurrence.end, token.start)) && isTermWord(token)) return true;
  }
  return false;
}

export function bestDefinitionScore(sentence: Sentence, key: string): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const occurrence of findOccurrences(sentence, key)) best = Math.max(best, definitionScore(sentence, occurrence));
  return best;
}

export interface Definition {
  sentence: number;
  occurrence: Occurrence;
  score: number;
}

/**
 * The sentence that best defines a phrase. Prefers a sentence no other term already uses when
 * it defines nearly as well, so two terms rarely share one definition.
 */
export function findDefinition(analysis: Analysis, phrase: KeyPhrase, taken: ReadonlySet<number> = new Set()): Definition | null {
  const options: Definition[] = [];
  for (const si of phrase.sentences) {
    const sentence = analysis.sentences[si] as Sentence;
    for (const occurrence of findOccurrences(sentence, phrase.key)) {
      options.push({ sentence: si, occurrence, score: definitionScore(sentence, occurrence) });
    }
  }
  if (options.length === 0) return null;
  // Among equally good definitions, the more central sentence wins, then the earlier one.
  const rank = (d: Definition) => d.score + (analysis.centrality[d.sentence] ?? 0);
  options.sort((a, b) => rank(b) - rank(a) || a.sentence - b.sentence);
  const best = options[0] as Definition;
  if (taken.has(best.sentence)) {
    const alternative = options.find((d) => !taken.has(d.sentence) && d.score >= best.score - 1 && d.score >= 3);
    if (alternative) return alternative;
  }
  return best;
}

/**
 * The defining part of "X is a Y ..." — "a Y ..." — when the sentence opens with the term; the
 * words are still the lecture's. Null when the sentence is not of that shape.
 */
export function definitionGloss(sentence: Sentence, occurrence: Occurrence): string | null {
  const before = sentence.text.slice(0, occurrence.start);
  // "<description> is called <term>": the description is the gloss.
  const named = /^(.*?)\s+(?:is|are)\s+(?:called|known as|referred to as)\s+(?:an?\s+|the\s+)?$/i.exec(before);
  if (named?.[1]) {
    const description = named[1].replace(SPOKEN_LEAD_IN, "").trim();
    if (description.split(/\s+/).length >= 4 && !/^(?:this|that|these|those|it|they)\b/i.test(description)) return withPeriod(description);
  }
  // Otherwise "<term> is <gloss>", allowing a short lead-in ("To sum up, the").
  if (before.replace(SPOKEN_LEAD_IN, "").replace(/^\s*(?:the|an?)\s+/i, "").trim() !== "") return null;
  const after = sentence.text.slice(occurrence.end);
  const m = /^\s+(?:is|are|refers to|means|is defined as|are defined as|is known as)\s+(?:that\s+)?(.+)$/i.exec(after);
  if (!m?.[1] || m[1].split(/\s+/).length < 3) return null;
  return withPeriod(m[1].trim());
}

function withPeriod(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

export const EXAMPLE_CUE = /\b(?:for example|for instance|such as|e\.g\.|an example|a good example|is an example|examples? (?:of|include)|the best known example)\b/i;
const EXAMPLE_OPENER =
  /^(?:so,?\s+)?(?:for example|for instance|e\.g\.|(?:the|a|one|another)\s+(?:best[- ]known\s+|good\s+|classic\s+|common\s+|simple\s+)?example\b)/i;

/** A sentence that gives an example of the phrase: one naming it with an example cue, or an
 * "For example, ..." sentence right after its definition. */
export function findExample(analysis: Analysis, phrase: KeyPhrase, definitionSentence: number | null): number | null {
  for (const si of phrase.sentences) {
    if (si === definitionSentence) continue;
    const sentence = analysis.sentences[si] as Sentence;
    const cue = EXAMPLE_CUE.exec(sentence.text);
    if (!cue) continue;
    // "X, such as Y" or "For example, X ..." illustrate X; in "the best example is X",
    // X is the example of something else.
    const at = findOccurrences(sentence, phrase.key)[0]?.start ?? 0;
    if (cue.index > at || EXAMPLE_OPENER.test(sentence.text)) return si;
  }
  if (definitionSentence !== null) {
    for (let si = definitionSentence + 1; si <= definitionSentence + 2 && si < analysis.sentences.length; si++) {
      if (EXAMPLE_OPENER.test((analysis.sentences[si] as Sentence).text)) return si;
    }
  }
  return null;
}
