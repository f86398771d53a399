/**
 * Keyphrase extraction. Candidates are noun phrases found by a small English heuristic
 * (english.ts): runs of nouns and descriptive words, "of"-phrases like "law of demand", never
 * ending on a verb or function word. They are ranked by a C-value-like score (frequency
 * discounted by how often a phrase only occurs inside a longer accepted one), strongly boosted
 * when the lecture defines the phrase ("X is a ...", "X means", "... is called X"), and
 * penalised when they are a single vague word ("law", "quantity") or run through the whole
 * lecture without ever being defined. Also finds the sentence that defines a phrase, with the
 * sentence before it when the definition leans on it ("The price at that point is called ..."),
 * and one that gives an example.
 */
import type { Analysis, Sentence } from "./analysis.ts";
import { candidatesIn, endsInParticiple, isVagueAdjective, isVagueNoun, MODALS, OBJECT_WORDS, tagSentence, VERBS, type Candidate } from "./english.ts";
import { isAcronym, normalizeTerm, STOPWORDS, type Token } from "./text.ts";

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

/** True when `inner` is a contiguous word sequence of `outer` (and shorter). */
export function containsPhrase(outer: string, inner: string): boolean {
  return outer !== inner && ` ${outer} `.includes(` ${inner} `);
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

const keyWordsCache = new Map<string, string[]>();

function keyWords(key: string): string[] {
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
function sentencesWith(analysis: Analysis, word: string): number[] {
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

// ---- definitions and examples ----

const NOT_DEFINING_AFTER_ARTICLE =
  "same|case|reason|way|first|second|third|fourth|last|next|main|most|best|only|opposite|classic|typical|simplest|easiest|hardest|key|other|result|answer|one|trick|biggest|largest|smallest|central|real|whole|point of|higher|lower|larger|smaller|bigger|greater|better|worse|more|less|new|old|same";
/** "X is a/the ...": X is being defined (not "X is the same ...", "X is the first ..."). */
const DEFINES_WITH_ARTICLE = new RegExp(
  String.raw`^\s+(?:is|are)\s+(?:(?:a|an|the)\s+(?!(?:${NOT_DEFINING_AFTER_ARTICLE})\b)|any\b|simply\b|essentially\b|basically\b|just\b)`,
);
/** Spoken definitions: "Osmosis is when water ...", only with the term opening the sentence. */
const DEFINES_SPOKEN = /^\s+(?:is|are)\s+(?:how|when|where|whenever)\b/;
/** "Secondary active transport uses the energy ...": what the subject does, said of it as a whole. */
const DESCRIBING_VERB =
  /^\s+(?:uses|consists?\s+of|(?:is|are)\s+made\s+(?:up\s+)?of|(?:is|are)\s+composed\s+of|occurs\s+when|happens\s+when|works\s+by|forms?\s+(?!and\b|or\b|but\b|so\b|when\b|if\b)\p{L})/u;
/** "X means / refers to / measures / says that ...". */
const DEFINING_VERB =
  /^\s+(?:(?:refers?|referring)\s+to\b|means?\b|measures?\b|says?\s+that\b|states?\s+that\b|describes?\b|(?:is|are)\s+(?:defined|known)\s+as\b|stands?\s+for\b|represents?\b|captures?\b|tells?\s+(?:us\s+)?(?:how|what|whether|which)\b|(?:is|are)\s+(?:designed|used)\s+(?:to|so that|for)\b)/;
/** "Substitutes are goods used ...", "Total revenue is price times quantity": a bare noun predicate. */
const BARE_PREDICATE = /^\s+(?:is|are)\s+([\p{L}][\p{L}'’-]*)\s+[\p{L}]/u;
const NAMED_BEFORE =
  /\b(?:called|known as|termed|referred to as|named|we call(?:\s+(?:this|it|that|these|them))?|the term for|the name for)\s+(?:an?\s+|the\s+)?$/;
/** After a named term the clause ends: "..., is called the equilibrium price, and ...". */
const CLAUSE_END = /^\s*(?:$|[.,;:!?)…]|[—–]|\s-\s)/;
const IDENTIFIED_BEFORE = /\b(?:is|are)\s+(?:an?\s+|the\s+)$/;
const EXISTENTIAL_BEFORE =
  /\b(?:we have|we get|you get|you have|there is|there's|there are|this is|that is|it is|gives? us|we end up with|leaves? us with)\s+(?:an?\s+)?$/;
/** "... give us a demand curve that slopes downward": the term with a description of it. */
const DESCRIBED_AFTER = /^\s+(?:that|which|whose|where)\s+\p{L}/u;
/** An aside between the term and its verb: "A cryptographic hash function, such as SHA-256, is ...". */
const EXAMPLE_ASIDE = /^\s*,\s*(?:such as|like|e\.g\.|for example|for instance)\b[^,]*,/;
const APPOSITIVE_DEFINES = /^\s*,\s*(?:which|that)\s+(?:is|are|means|refers)\b|^\s*,\s*(?:meaning|i\.e\.)\b/;
const APPOSITIVE_AFTER = /^\s*,\s*(?:which|or|that is)\b/;
const MISTAKE_CUE =
  /\b(?:misconceptions?|mistakes?|myths?|wrongly|is not true|mix(?:ing)? (?:them|these) up|students (?:also )?(?:often |sometimes )?(?:say|think)|(?:many )?people (?:often )?think)\b/i;
const LEAD_IN = /^(?:\s*(?:so|now|okay|ok|well|and|but|remember|in fact|of course|to sum up|first|second|third|finally|next|also|again)\b,?)+/;
const SPOKEN_LEAD_IN = /^(?:\s*(?:so|now|okay|ok|well|and|but|remember|in fact|of course|to sum up)\b,?)+/i;

/**
 * How clearly a sentence defines the phrase at this occurrence:
 * 6 "X is a ...", "X means ..."; 5 "... is called X", "The first is X: ..."; 4 "X, which is ...",
 * "For a X, ...", "... and we have a X."; 3 "X is <adjective>"; 2 the subject of something the
 * lecture says; 1 or 0 a mention.
 */
export function definitionScore(sentence: Sentence, occurrence: Occurrence): number {
  const lower = sentence.text.toLowerCase().replace(/’/g, "'");
  const after = lower.slice(occurrence.end).replace(EXAMPLE_ASIDE, "");
  const before = lower.slice(0, occurrence.start);
  const key = normalizeTerm(sentence.text.slice(occurrence.start, occurrence.end));
  const atStart = isSubject(before);
  let score = 0;
  if (isNested(sentence, occurrence)) {
    // "membrane" inside "the cell membrane is ...", "law" inside "the law of demand says ...".
    score = /\b(?:is|are|means)\b/.test(lower) ? 1 : 0;
  } else if (NAMED_BEFORE.test(before) && CLAUSE_END.test(after)) score = 5;
  else if (IDENTIFIED_BEFORE.test(before) && /^\s*[:—–]/.test(after)) score = 5;
  else if (namesHead(before, key) && CLAUSE_END.test(after)) score = 5;
  else if (DEFINING_VERB.test(after)) score = atStart ? 6 : clauseSubject(before) ? 4 : 1;
  else if (DEFINES_WITH_ARTICLE.test(after) && !predicateRepeats(after, key) && !predicateIsBareTerm(sentence, occurrence)) {
    score = atStart ? 6 : clauseSubject(before) ? 4 : 1;
  } else if (DEFINES_SPOKEN.test(after) && atStart) score = 5;
  else if (DESCRIBING_VERB.test(after) && atStart) score = 4;
  else if (isBarePredicate(after) && !predicateRepeats(after, key) && !predicateIsBareTerm(sentence, occurrence)) {
    score = atStart ? 5 : clauseSubject(before) ? 4 : 1;
  }
  else if (APPOSITIVE_DEFINES.test(after)) score = 4;
  // "The simplest probe sequence is linear probing, which checks the next slot ...".
  else if (/\b(?:is|are)\s+(?:an?\s+|the\s+)?$/.test(before) && APPOSITIVE_AFTER.test(after) && !/^\s*,\s*or\b/.test(after)) score = 4;
  else if (/^(?:\s*(?:so|and|but|now)\b,?)*\s*for\s+an?\s+$/.test(before) && /^\s*,/.test(after)) score = 4;
  else if (EXISTENTIAL_BEFORE.test(before) && CLAUSE_END.test(after)) score = 4;
  else if (EXISTENTIAL_BEFORE.test(before) && DESCRIBED_AFTER.test(after)) score = 3;
  // "... form the glycocalyx, which helps cells recognise each other": introduced, then described.
  else if (/\b(?:the|an?)\s+$/.test(before) && !/\b(?:like|as|in|on|of|to|with|from|by|for|than|into|through|about|at)\s+(?:the|an?)\s+$/.test(before) && /^\s*,\s*which\s+\p{L}/u.test(after)) {
    score = 4;
  }
  else if (APPOSITIVE_AFTER.test(after)) score = 3;
  // "In endocytosis the membrane folds inward ...": a sentence about what happens in X.
  else if (/^(?:\s*(?:so|and|but|now)\b,?)*\s*in\s+(?:an?\s+)?$/.test(before) && /^\s+(?:the|an?|each|every|this)\s+\p{L}/u.test(after)) score = 3;
  // "The pump is a carrier protein" names an instance of the term; it does not define it.
  else if (IDENTIFIED_BEFORE.test(before)) score = 1;
  else if (/^\s+(?:is|are)\b/.test(after)) score = atStart ? 3 : 1;
  // The subject of what the lecture says it does ("carrier proteins bind a molecule ...").
  else if ((atStart || clauseSubject(before)) && /^\s+\p{L}/u.test(after)) score = 2;
  else if (/\b(?:is|are|means)\b/.test(lower)) score = 1;
  if (score <= 0) return score;
  // "that firmness is what ...": a demonstrative points back to something already introduced.
  if (/\b(?:this|that|these|those)\s+$/.test(before) && !NAMED_BEFORE.test(before)) score = Math.min(score, 2);
  if (sentence.wordCount > 45 || sentence.wordCount < 4) score -= 1;
  if (sentence.text.trimEnd().endsWith("?")) score -= 3;
  // A sentence stating a misconception would teach the mistake as the definition.
  if (MISTAKE_CUE.test(sentence.text)) score -= 3;
  // "Insulin is a classic example of inelastic demand" illustrates the term; it does not define it.
  const cue = EXAMPLE_CUE.exec(lower);
  if (cue && cue.index < occurrence.start) score -= 2;
  return score;
}

/** True when the text before an occurrence leaves it as the subject of the sentence. */
function isSubject(before: string): boolean {
  const lead = before.replace(LEAD_IN, "").trim();
  return lead === "" || /^(?:the|an?)$/.test(lead);
}

/** True when the occurrence opens a later clause ("..., and osmosis is ..."). */
function clauseSubject(before: string): boolean {
  return /(?:[,;:]\s*(?:and|but|while|whereas|so)?|\b(?:that|which|while|whereas))\s*(?:the\s+|an?\s+)?$/.test(before);
}

/** "the quantity is the equilibrium quantity": the predicate names a kind of the subject. */
function namesHead(before: string, key: string): boolean {
  const m = /\b(?:the|an?)\s+([\p{L}-]+)\s+(?:is|are)\s+(?:the|an?)\s+$/u.exec(before);
  if (!m?.[1]) return false;
  const head = key.split(" ").pop();
  return key.includes(" ") && normalizeTerm(m[1]) === head;
}

/** "X is the Y X ...": the predicate repeats the term, so it names something else. */
function predicateRepeats(after: string, key: string): boolean {
  const predicate = after.replace(/^\s+(?:is|are)\s+/, "").split(/[,.;:!?]/)[0] ?? "";
  return ` ${normalizeTerm(predicate)} `.includes(` ${key} `);
}

function isBarePredicate(after: string): boolean {
  const m = BARE_PREDICATE.exec(after);
  const word = m?.[1]?.toLowerCase();
  if (!word) return false;
  if (STOPWORDS.has(word) || VERBS.has(word) || isVagueAdjective(word) || word.endsWith("ly") || word.endsWith("ed") || word.endsWith("ing")) return false;
  return !/^(?:not|also|still|always|often|usually|never|very|more|less|so|too|now|then|there|here|only|just|about|called|known|similar|different|important|true|false|due|able|likely|responsible)$/.test(word);
}

/**
 * "The simplest probe sequence is linear probing, ...": the predicate is just another noun
 * phrase closing the clause, so the sentence identifies rather than defines.
 */
function predicateIsBareTerm(sentence: Sentence, occurrence: Occurrence): boolean {
  const { chunkOf, chunks } = tagSentence(sentence);
  const tokens = sentence.tokens;
  const verb = tokens.findIndex((t) => t.start >= occurrence.end);
  let first = verb + 1;
  while (first < tokens.length && /^(?:the|an?)$/i.test((tokens[first] as Token).text)) first++;
  if (verb < 0 || first >= tokens.length || chunkOf[first] === undefined || (chunkOf[first] as number) < 0) return false;
  const chunk = chunks[chunkOf[first] as number] as { start: number; end: number };
  if (chunk.start !== first) return false;
  return /^\s*(?:$|[.;:!?)…]|,\s+(?:which|who|that|and|but|so|or|proposed|named|called|developed|discovered|introduced|described)\b)/i.test(
    sentence.text.slice((tokens[chunk.end - 1] as Token).end),
  );
}

/** True when a term word directly precedes or follows the occurrence in the same noun group. */
function isNested(sentence: Sentence, occurrence: Occurrence): boolean {
  const { chunkOf, chunks } = tagSentence(sentence);
  const tokens = sentence.tokens;
  const first = tokens.findIndex((t) => t.start === occurrence.start);
  let last = -1;
  for (let i = tokens.length - 1; i >= 0; i--) {
    if ((tokens[i] as Token).end === occurrence.end) {
      last = i;
      break;
    }
  }
  if (first < 0 || last < 0) return false;
  const ci = chunkOf[first] as number;
  if (ci < 0) {
    // Not a noun group at all (a verb use): a mention, not what the sentence defines.
    return chunkOf[last] !== -1;
  }
  const chunk = chunks[ci] as { start: number; end: number };
  return chunk.start < first || chunk.end > last + 1;
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
  /** The sentence before, when the definition leans on it ("The price at that point is called ..."). */
  context: number | null;
  /** "demand is elastic" defining "elastic demand": the term itself is not written in the sentence. */
  inverted?: boolean;
}

const ADVERB_GAP = String.raw`(?:(?:very|more|less|fairly|highly|relatively|perfectly|usually|often|generally|quite|then|also|still)\s+)?`;

/**
 * "demand is elastic" defines "elastic demand": the two words of the term in copular order,
 * closing a clause.
 */
function invertedDefinitions(analysis: Analysis, key: string): Definition[] {
  const [modifier, head] = key.split(" ") as [string, string];
  if (STOPWORDS.has(modifier) || STOPWORDS.has(head)) return [];
  const out: Definition[] = [];
  for (const si of sentencesWith(analysis, head)) {
    const sentence = analysis.sentences[si] as Sentence;
    const flat = sentence.tokens;
    for (let i = 0; i + 2 < flat.length; i++) {
      if ((flat[i] as Token).key !== head) continue;
      const gap = sentence.text.slice((flat[i] as Token).end);
      const m = new RegExp(String.raw`^\s+(?:is|are|becomes?|tends to be)\s+${ADVERB_GAP}([\p{L}-]+)`, "iu").exec(gap);
      if (!m?.[1] || normalizeTerm(m[1]) !== modifier) continue;
      const end = (flat[i] as Token).end + m[0].length;
      if (!CLAUSE_END.test(sentence.text.slice(end))) continue;
      // "If demand is elastic, ..." states a condition; "..., demand is elastic: buyers ..." defines.
      const lead = sentence.text.slice(0, (flat[i] as Token).start).toLowerCase();
      let score = /\b(?:if|when|whenever|because|since|although|unless|while)\s+$/.test(lead) ? 2 : 4;
      if (score === 4 && /^\s*[:—–]/.test(sentence.text.slice(end))) score = 5;
      if (sentence.text.trimEnd().endsWith("?")) score -= 3;
      out.push({ sentence: sentence.index, occurrence: { start: (flat[i] as Token).start, end }, score, context: null, inverted: true });
    }
  }
  return out;
}

const ANAPHORIC_OPENER =
  /^(?:this|that|these|those|it|its|they|their|them|such|then|at that point|at this point|in this case|in that case|in both cases)\b/i;
const ANAPHOR = /\b(?:this|these|those|it|they|them)\b|\bthat\s+([\p{L}]+)/iu;
const MAX_CONTEXT_WORDS = 35;
const SUMS_UP = /\b(?:to sum up|in summary|to summari[sz]e|in short|to recap|recap)\b/i;

/**
 * True when the defining sentence leans on the one before: it opens with "This", "That",
 * "It" ..., or the words naming the term point back ("The price at that point is called X").
 */
function needsContext(sentence: Sentence, occurrence: Occurrence, score: number): boolean {
  const text = sentence.text.replace(SPOKEN_LEAD_IN, "").trim();
  if (ANAPHORIC_OPENER.test(text) && !/^that is why\b/i.test(text)) return true;
  if (score >= 6) return false;
  // A pronoun in the sentence's first clause, or in the clause that names the term, points back.
  const before = sentence.text.slice(0, occurrence.start);
  const firstClause = before.split(/[,;:]/)[0] ?? "";
  const namingClause = before.split(/[,;:]|\b(?:and|but|so|because)\b/).pop() ?? "";
  return pointsBack(firstClause) || pointsBack(namingClause);
}

function pointsBack(clause: string): boolean {
  for (const m of clause.matchAll(new RegExp(ANAPHOR.source, "giu"))) {
    // "that" is a pointer only as a determiner ("at that point"), not in "a structure that does".
    const next = m[1]?.toLowerCase();
    if (next === undefined || (!VERBS.has(next) && !STOPWORDS.has(next))) return true;
  }
  return false;
}

/**
 * The sentence that best defines a phrase: where it is the subject of a defining verb, then
 * where the lecture names it ("is called X"), then weaker patterns; a mere mention only when
 * nothing defines it. Among equals a self-contained sentence wins over one that needs the
 * sentence before, and one no other term already uses wins when it defines nearly as well.
 */
export function findDefinition(analysis: Analysis, phrase: KeyPhrase, taken: ReadonlySet<number> = new Set()): Definition | null {
  const options: Definition[] = [];
  for (const si of phrase.sentences) {
    const sentence = analysis.sentences[si] as Sentence;
    for (const occurrence of findOccurrences(sentence, phrase.key)) {
      options.push({ sentence: si, occurrence, score: definitionScore(sentence, occurrence), context: null });
    }
  }
  if (phrase.key.split(" ").length === 2) options.push(...invertedDefinitions(analysis, phrase.key));
  if (options.length === 0) return null;
  const leans = (d: Definition) => needsContext(analysis.sentences[d.sentence] as Sentence, d.occurrence, d.score);
  // Among equally good definitions, the self-contained one, then the more central, then the earlier.
  // A recap restates; the lecture's own introduction of the term defines it.
  const recap = (d: Definition) => SUMS_UP.test((analysis.sentences[d.sentence] as Sentence).text);
  const rank = (d: Definition) => d.score - (leans(d) ? 0.5 : 0) - (recap(d) ? 0.25 : 0) + (analysis.centrality[d.sentence] ?? 0);
  options.sort((a, b) => rank(b) - rank(a) || a.sentence - b.sentence);
  let best = options[0] as Definition;
  if (taken.has(best.sentence)) {
    const alternative = options.find((d) => !taken.has(d.sentence) && d.score >= best.score - 1 && (d.score >= 3 || best.score < 3));
    if (alternative) best = alternative;
  }
  return { ...best, context: best.score >= 3 ? contextFor(analysis, best) : null };
}

function contextFor(analysis: Analysis, d: Definition): number | null {
  const sentence = analysis.sentences[d.sentence] as Sentence;
  const previous = analysis.sentences[d.sentence - 1];
  if (!previous || !needsContext(sentence, d.occurrence, d.score)) return null;
  if (previous.wordCount > MAX_CONTEXT_WORDS || previous.wordCount < 3) return null;
  return previous.index;
}

export const EXAMPLE_CUE =
  /\b(?:for example|for instance|such as|e\.g\.|an example|a good example|is an example|examples? (?:of|include)|the best known example|classic example|typical example)\b/i;
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
    // "X, such as Y" or "For example, X ..." illustrate X; "Y is a classic example of X" too.
    const at = findOccurrences(sentence, phrase.key)[0]?.start ?? 0;
    if (cue.index > at || EXAMPLE_OPENER.test(sentence.text) || /\bexample of\b/i.test(cue[0] + sentence.text.slice(cue.index + cue[0].length, at))) return si;
  }
  if (definitionSentence !== null) {
    for (let si = definitionSentence + 1; si <= definitionSentence + 2 && si < analysis.sentences.length; si++) {
      if (EXAMPLE_OPENER.test((analysis.sentences[si] as Sentence).text)) return si;
    }
  }
  return null;
}
