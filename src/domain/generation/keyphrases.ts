/**
 * Keyphrase ranking and key-term selection. Candidates are noun phrases found by a small English
 * heuristic (english.ts): runs of nouns and descriptive words, "of"-phrases like "law of demand",
 * never ending on a verb or function word. They are ranked by a C-value-like score (frequency
 * discounted by how often a phrase only occurs inside a longer accepted one), strongly boosted
 * when the lecture defines the phrase ("X is a ...", "X means", "... is called X"), and
 * penalised when they are a single vague word ("law", "quantity") or run through the whole
 * lecture without ever being defined. `selectKeyTerms` then picks a lecture's key terms from the
 * ranking. Finding a phrase's mentions is in phrase-matching.ts; scoring how well a sentence
 * defines it is in definitions.ts.
 */
import type { Analysis, Sentence } from "./analysis.ts";
import { bestDefinitionScore, definitionScore, invertedDefinitions } from "./definitions.ts";
import { candidatesIn, endsInParticiple, isVagueNoun, MODALS, OBJECT_WORDS, type Candidate } from "./english.ts";
import { containsPhrase, findOccurrences, keyWords, sentencesWith, type KeyPhrase } from "./phrase-matching.ts";
import { isAcronym, normalizeTerm, type Token } from "./text.ts";

export interface TopicRange {
  start: number;
  end: number;
}

export interface RankOptions {
  titleKey?: string;
  preferSimple?: boolean;
  /** The lecture's topics; a single word found in most of them is its subject, not a term. */
  topics?: TopicRange[];
}

const MAX_WORDS = 4;
/** Above this share of sentences a phrase is the lecture's subject rather than a term in it. */
const UBIQUITOUS_SHARE = 0.12;
/** A definition score from which a phrase counts as defined by the lecture. */
export const DEFINED = 4;
/** "X is a ...", "... is called X": the lecture plainly defines X. */
export const CLEARLY_DEFINED = 5;
/** "X is a ...", "X means ...": X is the subject of a defining verb. */
const SUBJECT_DEFINED = 6;

interface Tally {
  key: string;
  /** Mentions found as noun phrases. */
  chunkCount: number;
  forms: Map<string, { count: number; first: number }>;
  /** Where it was found as a noun phrase: sentence and candidate. */
  found: { si: number; c: Candidate }[];
  participle: boolean;
}

/** Every candidate phrase, best first (score, then count, then key). */
export function rankKeyphrases(analysis: Analysis, opts: RankOptions = {}): KeyPhrase[] {
  const tallies = new Map<string, Tally>();
  const verbs = verbLikeKeys(analysis);
  let order = 0;
  // Candidates grouped by the noun group they came from, to tell nested mentions apart.
  const byChunk = new Map<string, { c: Candidate; key: string }[]>();
  for (const sentence of analysis.sentences) {
    for (const c of candidatesIn(sentence, MAX_WORDS)) {
      const tokens = sentence.tokens.slice(c.start, c.end);
      const last = tokens[tokens.length - 1] as Token;
      if (tokens.length > 1 && verbs.has(last.key)) continue;
      const key = normalizeTerm(tokens.map((t) => t.text).join(" "));
      if (!key) continue;
      let tally = tallies.get(key);
      if (!tally) {
        tally = { key, chunkCount: 0, forms: new Map(), found: [], participle: endsInParticiple(sentence, c) };
        tallies.set(key, tally);
      }
      tally.chunkCount++;
      tally.found.push({ si: sentence.index, c });
      const form = displayForm(sentence, tokens);
      const seen = tally.forms.get(form);
      if (seen) seen.count++;
      else tally.forms.set(form, { count: 1, first: order++ });
      const group = `${sentence.index}:${c.chunk}`;
      const list = byChunk.get(group) ?? [];
      list.push({ c, key });
      byChunk.set(group, list);
    }
  }

  // What the lecture says about each candidate: all its mentions and how well it is defined.
  const info = new Map<string, { count: number; sentences: number[]; defined: number }>();
  for (const tally of tallies.values()) {
    const mentions = mentionsOf(analysis, tally.key);
    let defined = Math.max(0, ...mentions.scores);
    if (tally.key.split(" ").length === 2) defined = Math.max(defined, invertedDefinitions(analysis, tally.key)[0]?.score ?? 0);
    info.set(tally.key, { count: mentions.count, sentences: mentions.sentences, defined });
  }
  const acceptedCache = new Map<string, boolean>();
  const accepted = (key: string) => {
    let ok = acceptedCache.get(key);
    if (ok === undefined) {
      const tally = tallies.get(key) as Tally;
      ok = (!tally.participle || participleIsNominal(analysis, tally)) && (tally.chunkCount >= 2 || (info.get(key)?.defined ?? 0) >= DEFINED);
      acceptedCache.set(key, ok);
    }
    return ok;
  };

  // Independent mentions: those not inside an accepted longer candidate of the same noun group.
  const independent = new Map<string, number>();
  for (const list of byChunk.values()) {
    for (const { c, key } of list) {
      const inside = list.some(
        (o) => o.key !== key && o.c.start <= c.start && o.c.end >= c.end && o.c.end - o.c.start > c.end - c.start && accepted(o.key),
      );
      if (!inside) independent.set(key, (independent.get(key) ?? 0) + 1);
    }
  }

  const titleKey = opts.titleKey ? ` ${opts.titleKey} ` : "";
  const sentenceCount = analysis.sentences.length;
  const topics = opts.topics ?? [];
  const phrases: KeyPhrase[] = [];
  for (const tally of tallies.values()) {
    const { count, sentences, defined } = info.get(tally.key) as { count: number; sentences: number[]; defined: number };
    if (sentences.length === 0) continue;
    const words = tally.key.split(" ");
    const content = words.filter((w) => w !== "of").length;
    const vague = content === 1 && isVagueNoun(tally.key);
    let score = 0;
    if (!tally.participle || participleIsNominal(analysis, tally)) {
      // Sentence-level IDF: a word in every other sentence is the lecture's subject, not a term to
      // learn; a phrase concentrated in a few sentences is.
      const share = sentences.length / sentenceCount;
      const specificity = Math.log(1 + 1 / share) * (share > UBIQUITOUS_SHARE ? UBIQUITOUS_SHARE / share : 1);
      const support = Math.max(independent.get(tally.key) ?? 0, defined >= DEFINED ? 1 : 0);
      score = Math.log2(2 + content) * support * specificity;
      if (defined >= CLEARLY_DEFINED) score *= 4;
      else if (defined >= DEFINED) score *= 3;
      else if (defined >= 3) score *= 1.4;
      else if (content === 1) score *= 0.5;
      if (vague) score *= defined >= SUBJECT_DEFINED ? 0.5 : 0.1;
      if (content === 1 && defined < CLEARLY_DEFINED && topics.length >= 3) {
        // Document frequency across topics: a word every topic uses is background vocabulary.
        const spread = topics.filter((t) => sentences.some((si) => si >= t.start && si < t.end)).length / topics.length;
        if (spread >= 0.6) score *= 0.5;
      }
      if (titleKey.includes(` ${tally.key} `)) score *= 1.3;
      if (opts.preferSimple && averageWordLength(tally.key) > 9) score *= 0.7;
    }
    phrases.push({ key: tally.key, surface: bestForm(tally), words: words.length, count, sentences, score: round6(score), defined, vague });
  }
  return phrases.sort((a, b) => b.score - a.score || b.count - a.count || compare(a.key, b.key));
}

/**
 * "quantity demanded" is a noun phrase when the lecture treats it as one: it recurs, usually
 * after an article or at the start of a sentence ("the quantity demanded falls").
 */
function participleIsNominal(analysis: Analysis, tally: Tally): boolean {
  if (tally.chunkCount < 2) return false;
  let nominal = 0;
  for (const { si, c } of tally.found) {
    const sentence = analysis.sentences[si] as Sentence;
    const before = c.start > 0 ? (sentence.tokens[c.start - 1] as Token).text.toLowerCase() : "";
    if (before === "" || before === "the" || before === "a" || before === "an" || before === "in" || before === "of") nominal++;
  }
  return nominal * 2 >= tally.found.length;
}

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

/** Every whole-word mention of a key in the lecture: how many, in which sentences, and how well each defines it. */
function mentionsOf(analysis: Analysis, key: string): { count: number; sentences: number[]; scores: number[] } {
  let count = 0;
  const sentences: number[] = [];
  const scores: number[] = [];
  const words = keyWords(key);
  const rarest = words.reduce((best, w) => (sentencesWith(analysis, w).length < sentencesWith(analysis, best).length ? w : best), words[0] ?? "");
  for (const si of sentencesWith(analysis, rarest)) {
    const sentence = analysis.sentences[si] as Sentence;
    const found = findOccurrences(sentence, key);
    if (found.length === 0) continue;
    count += found.length;
    sentences.push(sentence.index);
    for (const o of found) scores.push(definitionScore(sentence, o));
  }
  return { count, sentences, scores };
}

/**
 * The key terms of a lecture: recurring phrases or ones the lecture defines, the maximal phrase
 * preferred ("law of demand", not "law"), a phrase nested in a selected one kept only when it
 * also stands on its own or is defined in its own right.
 */
export interface SelectOptions {
  /** Defined terms before recurring undefined ones (key terms); off for plain score order (threads). */
  definedFirst?: boolean;
  /** Keys kept whatever their nesting (a course's existing threads). */
  protect?: ReadonlySet<string>;
  /** A phrase nested in a selected longer one is dropped even when defined ("diffusion" beside "facilitated diffusion"). */
  strictNesting?: boolean;
  /** The lecture's topics: when not every defined term fits, each topic first gets the best term it introduces. */
  topics?: TopicRange[];
}

export function selectKeyTerms(analysis: Analysis, ranked: KeyPhrase[], limit: number, opts: SelectOptions = {}): KeyPhrase[] {
  const { definedFirst: definedFirstOrder = true, protect = new Set<string>(), strictNesting = false } = opts;
  const eligible = ranked.filter((p) => p.score > 0 && !p.vague && (p.count >= 2 || p.defined >= DEFINED));
  // Terms the lecture defines come first; recurring undefined phrases fill the remaining places.
  const definedFirst = definedFirstOrder
    ? [...eligible.filter((p) => p.defined >= DEFINED), ...eligible.filter((p) => p.defined < DEFINED)]
    : eligible;
  // With nothing recurring or defined, the best phrases there are; never a vague word.
  const pool =
    definedFirst.length > 0 ? coverTopics(analysis, definedFirst, limit, opts.topics ?? []) : ranked.filter((p) => p.score > 0 && !p.vague).slice(0, limit);
  const selected: KeyPhrase[] = [];
  // Shorthand of a longer term: "membrane" for "cell membrane", "law" for "law of demand".
  const isShorthand = (phrase: KeyPhrase, longer: KeyPhrase) =>
    (strictNesting || phrase.defined < CLEARLY_DEFINED) && containsPhrase(longer.key, phrase.key) && (headOf(longer.key) === phrase.key || headOf(longer.key).endsWith(` ${phrase.key}`));
  const standsAlone = (phrase: KeyPhrase, others: KeyPhrase[]) => {
    const containing = others.filter((s) => containsPhrase(s.key, phrase.key));
    if (containing.length === 0 || protect.has(phrase.key) || (!strictNesting && phrase.defined >= CLEARLY_DEFINED)) return true;
    if (containing.some((s) => isShorthand(phrase, s))) return false;
    return standaloneMentions(analysis, phrase, containing) >= Math.max(3, phrase.count / 2);
  };
  for (const phrase of pool) {
    if (selected.length >= limit) break;
    if (selected.some((s) => s.key === phrase.key) || !standsAlone(phrase, selected)) continue;
    // A shorter phrase picked before its longer form gives way to it.
    for (let i = selected.length - 1; i >= 0; i--) {
      const s = selected[i] as KeyPhrase;
      if (containsPhrase(phrase.key, s.key) && !standsAlone(s, [...selected.filter((x) => x !== s), phrase])) selected.splice(i, 1);
    }
    selected.push(phrase);
  }
  return selected;
}

/**
 * When the list is too short for every defined term, the first term each topic introduces goes
 * first, so a short list still spans the lecture rather than its most repeated part.
 */
function coverTopics(analysis: Analysis, pool: KeyPhrase[], limit: number, topics: TopicRange[]): KeyPhrase[] {
  const defined = pool.filter((p) => p.defined >= DEFINED);
  if (topics.length < 2 || defined.length <= limit) return pool;
  const introducedAt = (p: KeyPhrase) =>
    p.sentences.find((si) => bestDefinitionScore(analysis.sentences[si] as Sentence, p.key) >= DEFINED) ?? p.sentences[0] ?? -1;
  // A topic is about the first term it introduces ("Let's turn to supply. Supply is ...").
  const seeds: KeyPhrase[] = [];
  const at = new Map(defined.map((p) => [p, introducedAt(p)]));
  for (const topic of topics) {
    const here = defined.filter((p) => (at.get(p) as number) >= topic.start && (at.get(p) as number) < topic.end && !seeds.includes(p));
    here.sort((a, b) => (at.get(a) as number) - (at.get(b) as number) || b.score - a.score);
    if (here[0]) seeds.push(here[0]);
  }
  const order = new Map(pool.map((p, i) => [p, i]));
  seeds.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
  return [...seeds, ...pool.filter((p) => !seeds.includes(p))];
}

/** The part of a phrase that names what it is: before "of" ("law of demand" → "law"), else all of it. */
function headOf(key: string): string {
  const at = key.indexOf(" of ");
  return at >= 0 ? key.slice(0, at) : key;
}

function standaloneMentions(analysis: Analysis, phrase: KeyPhrase, containing: KeyPhrase[]): number {
  let n = 0;
  for (const si of phrase.sentences) {
    const sentence = analysis.sentences[si] as Sentence;
    const outer = containing.flatMap((c) => findOccurrences(sentence, c.key));
    for (const o of findOccurrences(sentence, phrase.key)) if (!outer.some((x) => x.start <= o.start && x.end >= o.end)) n++;
  }
  return n;
}

/**
 * Lower case unless a word is an acronym or a proper noun (capitalised mid-sentence); a final
 * possessive goes ("the cell's ATP" → "cell").
 */
function displayForm(sentence: Sentence, tokens: Token[]): string {
  const firstToken = sentence.tokens[0];
  return tokens
    .map((t, i) => {
      const text = i === tokens.length - 1 ? t.text.replace(/['’]s$/, "") : t.text;
      if (isAcronym(text)) return text;
      if (t !== firstToken && /^\p{Lu}\p{Ll}/u.test(text)) return text;
      return text.toLowerCase();
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
