/**
 * The lecture as read once for all five artifacts: its key terms with their definitions, its
 * topics and its sentences by centrality, plus the sentence cues and phrasing helpers the
 * artifact builders share.
 */
import { cosine, type Analysis, type Sentence, type SparseVector } from "./analysis.ts";
import { bestDefinitionScore, findDefinition, findExample, type Definition } from "./definitions.ts";
import { DEFINED, rankKeyphrases, selectKeyTerms } from "./keyphrases.ts";
import { containsPhrase, findOccurrences, type KeyPhrase, type Occurrence } from "./phrase-matching.ts";
import { scaled, type Style } from "./style.ts";
import { isAcronym, normalizeTerm, shortenSentence, stripOpener, wordCount } from "./text.ts";
import { lectureTopics, nameTopics, type Range, type TopicName } from "./topics.ts";

export interface Term {
  phrase: KeyPhrase;
  definition: Definition | null;
  /** Definition text as the preset presents it (with the sentence it leans on, if any). */
  definitionText: string;
  /** The defining sentence(s) in full, for answers. */
  fullDefinition: string;
  /** The shortest faithful answer to "What is X?": subject and predicate kept. */
  shortBack: string;
  /** Sentences the definition is made of, in order. */
  definitionSentences: number[];
  /** What the definition says of the term, for a "term: gloss" line ("the diffusion of water ..."); null when it has no such part. */
  gloss: string | null;
  example: number | null;
  /** True when the lecture actually defines the term (not merely mentions it). */
  defined: boolean;
  /** The term as a question would name it: "the cell membrane", "a phospholipid", "osmosis". */
  named: string;
  /** Where the lecture introduces it: the first defining sentence, else the first mention. */
  introduced: number;
}

export interface Topic extends Range {
  name: TopicName;
}

export interface Lecture {
  analysis: Analysis;
  style: Style;
  terms: Term[];
  /** Every candidate phrase, best first: distractor and topic-name material. */
  phrases: KeyPhrase[];
  topics: Topic[];
  /** Sentence indexes by centrality, best first. */
  byCentrality: number[];
}

// ---- how lecture sentences read ----

export const META_TALK =
  /\b(?:good (?:morning|afternoon|evening)|welcome back|any questions|see you|next week|next time|last week|last time|by the end of this lecture|homework|office hours|problem set|take a break|in this lecture|today we|let's|let us|we will look|we'll look|before we finish)\b/i;

/** Cue phrases marking what a sentence does (claims, relates, corrects ...), for sections and questions. */
export const CUES = {
  claim:
    /\b(?:shows? that|showed that|suggests?|suggested|demonstrates?|demonstrated|indicates?|concluded?|proposed|argues?|argued|claims?|hypothes[ie]s|we now know|it turns out|the accepted (?:view|description|model)|is thought|are thought|model says)\b/i,
  argument: /\b(?:because|therefore|thus|hence|so that|which means|this means|as a result|consequently|that is why|this is why|for this reason)\b/i,
  evidence:
    /\b(?:experiments?|evidence|data|measured|measurements?|observed|observations?|researchers|stud(?:y|ies)|trials?|results?|found that|showed|percent)\b|\d/i,
  open: /\b(?:open questions?|remains? (?:unclear|unknown|an active)|still (?:do not|don't) (?:fully )?(?:know|understand)|not (?:yet|fully) (?:known|understood)|debate|debated|controvers\w*|unresolved|still working out)\b/i,
  relation:
    /\b(?:depends? on|leads? to|causes?|caused by|results? in|drives?|allows?|enables?|requires?|produces?|controls?|regulates?|increases?|decreases?|affects?|determines?|relies on|is part of|consists? of|made of|composed of|couples?|builds?|maintains?|reuses?)\b/i,
  dependency: /\b(?:depends? on|depend|requires?|required|needs?|relies on|rely on|without|only (?:if|when)|unless|necessary|prerequisite)\b/i,
  misconception:
    /\b(?:misconceptions?|common mistake|another mistake|mistake is|students (?:also )?(?:often|sometimes) (?:say|think)|people often think|is not true|don't confuse|do not confuse|contrary to|myth)\b/i,
  correction: /^(?:in fact|actually|but|however|it is not|it isn't|they are not|they aren't|no[,.]|not so)\b/i,
  analogy:
    /\b(?:think of|imagine|like an? |similar to|just as|just like|as if|analogy|compared? (?:it )?to|works like|acts like|behaves (?:more )?like)\b/i,
};

// A sentence opening with "That", "It", "These" leans on the one before; alone it reads poorly.
export const LEANS_ON_CONTEXT = /^(?:that|this|these|those|it|its|they|their|such|here|there|which|therefore|however|thus|hence|also|but|and|or|instead|because of this)\b/i;
const SUMS_UP = /\b(?:to sum up|in summary|to summari[sz]e|the key (?:idea|point)|the main (?:idea|point)|in short)\b/i;

const STRONG_EVIDENCE = /\b(?:experiments?|measured|measurements?|observed|researchers|trials?|data|found that|showed that|showed)\b|\d/i;

/** Evidence proper: an observation or result, not a sentence that merely says "evidence". */
export function isEvidence(sentence: Sentence): boolean {
  return STRONG_EVIDENCE.test(sentence.text) || (CUES.evidence.test(sentence.text) && sentence.wordCount >= 10);
}

/** A sentence fit to stand alone as a study point. Misconceptions are kept for their own
 * section: out of context (or shortened) they would teach the mistake. */
export function isInformative(sentence: Sentence): boolean {
  return (
    sentence.wordCount >= 6 &&
    sentence.wordCount <= 50 &&
    !sentence.text.trimEnd().endsWith("?") &&
    !META_TALK.test(sentence.text) &&
    !CUES.misconception.test(sentence.text)
  );
}

// ---- reading the lecture ----

export function readLecture(analysis: Analysis, style: Style, title: string | undefined): Lecture {
  const words = analysis.totalWords;
  const ranges = lectureTopics(analysis);
  const phrases = rankKeyphrases(analysis, {
    titleKey: title ? normalizeTerm(title) : undefined,
    preferSimple: style.preferSimpleTerms,
    topics: ranges,
  });
  // A lecture that defines more terms than the usual count gets them all, within a stretch.
  const base = scaled(words, style.termsPer1000, 3, 25);
  const definedCount = selectKeyTerms(analysis, phrases, 25).filter((p) => p.defined >= DEFINED).length;
  const termLimit = Math.min(25, Math.round(base * style.definedTermsStretch), Math.max(base, definedCount + Math.round(base / 4)));
  const taken = new Set<number>();
  const terms: Term[] = [];
  for (const phrase of selectKeyTerms(analysis, phrases, termLimit, { topics: ranges })) {
    const definition = findDefinition(analysis, phrase, taken);
    if (definition) taken.add(definition.sentence);
    terms.push(describeTerm(analysis, style, phrase, definition));
  }
  if (terms.length === 0) terms.push(fallbackTerm(analysis, style));

  const salience = analysis.sentences.map((s) => salienceOf(analysis, s));
  const byCentrality = analysis.sentences
    .map((s) => s.index)
    .sort((a, b) => (salience[b] as number) - (salience[a] as number) || a - b);

  const lecture: Lecture = { analysis, style, terms, phrases, topics: [], byCentrality };
  lecture.topics = findTopics(lecture, ranges);
  return lecture;
}

/** TextRank centrality, adjusted for what makes a good stand-alone study sentence. */
function salienceOf(analysis: Analysis, sentence: Sentence): number {
  let score = analysis.centrality[sentence.index] as number;
  score *= Math.min(1, sentence.wordCount / 12);
  if (LEANS_ON_CONTEXT.test(sentence.text)) score *= 0.6;
  if (SUMS_UP.test(sentence.text)) score *= 1.2;
  return score;
}

function describeTerm(analysis: Analysis, style: Style, phrase: KeyPhrase, definition: Definition | null): Term {
  const sentence = definition ? (analysis.sentences[definition.sentence] as Sentence) : null;
  const context = definition?.context != null ? (analysis.sentences[definition.context] as Sentence) : null;
  const keepWords = sentence && definition ? coreWords(sentence, definition) : undefined;
  const shorten = (text: string, max: number, hard: number, keep?: number) => shortenSentence(text, max, { hardMax: hard, keepWords: keep });
  const render = (max: number, hard: number) => {
    if (!sentence) return phrase.surface;
    const main = shorten(sentence.text, max, hard, keepWords);
    return context ? `${shorten(context.text, max, hard)} ${main}` : main;
  };
  const fullDefinition = sentence ? (context ? `${context.text} ${sentence.text}` : sentence.text) : phrase.surface;
  const shortBack = render(SHORT_BACK_WORDS, SHORT_BACK_HARD_WORDS);
  const definitionText = style.shortBacks ? shortBack : render(style.definitionWords, style.definitionHardWords);
  const defined = (definition?.score ?? 0) >= DEFINED;
  return {
    phrase,
    definition,
    definitionText,
    fullDefinition,
    shortBack,
    definitionSentences: definition ? [definition.context, definition.sentence].filter((s): s is number => s !== null) : [],
    gloss: sentence && definition && defined && !context ? glossOf(sentence, definition) : null,
    example: findExample(analysis, phrase, definition?.sentence ?? null),
    defined,
    named: `${articleFor(analysis, phrase, definition)}${phrase.surface}`,
    introduced:
      phrase.sentences.find((si) => bestDefinitionScore(analysis.sentences[si] as Sentence, phrase.key) >= DEFINED) ??
      (defined ? definition?.sentence : undefined) ??
      phrase.sentences[0] ??
      definition?.sentence ??
      0,
  };
}

/**
 * The defining part of "X is a Y ..." ("a Y ...") when the sentence opens with the term, or the
 * description in "<description> is called X"; the words are still the lecture's.
 */
function glossOf(sentence: Sentence, definition: Definition): string | null {
  if (definition.inverted) return null;
  const lead = /^(?:\s*(?:so|now|okay|well|and|but|remember|in fact|of course|to sum up)\b,?)+/i;
  const before = sentence.text.slice(0, definition.occurrence.start);
  const named = /^(.*?)\s+(?:is|are)\s+(?:also\s+)?(?:called|known as|referred to as)\s+(?:an?\s+|the\s+)?$/i.exec(before);
  if (named?.[1]) {
    const description = named[1].replace(lead, "").trim();
    if (wordCount(description) >= 3 && !/\b(?:this|that|these|those|it|they)\b/i.test(description)) return description;
    return null;
  }
  if (before.replace(lead, "").replace(/^\s*(?:the|an?)\s+/i, "").trim() !== "") return null;
  const m = /^\s+(?:is|are|refers to|means|is defined as|are defined as|is known as)\s+(?:that\s+)?(.+?)[.!]?$/i.exec(sentence.text.slice(definition.occurrence.end));
  if (!m?.[1] || wordCount(m[1]) < 3) return null;
  return m[1].trim();
}

/** A short answer or neurodivergent-mode definition: about this long, longer only to keep its predicate. */
const SHORT_BACK_WORDS = 16;
const SHORT_BACK_HARD_WORDS = 20;

/**
 * How many words of the defining sentence a shortened definition must keep: the term, its
 * defining verb and the first words of what it says ("Demand is the relationship ..."); for
 * "The first is the substitution effect: when ...", the explanation after the colon too.
 */
function coreWords(sentence: Sentence, definition: Definition): number {
  const text = sentence.text;
  const dropped = wordCount(text) - wordCount(stripOpener(text));
  const after = text.slice(definition.occurrence.end);
  const through = wordCount(text.slice(0, definition.occurrence.end));
  if (/^\s*[:—–]/.test(after) || /^\s*,\s*(?:which|that|meaning|or|i\.e\.)\b/i.test(after)) return Math.max(0, through - dropped) + 5;
  if (/^\s*(?:[.,;!?]|$)/.test(after)) return Math.max(0, through - dropped);
  return Math.max(0, through - dropped) + 3;
}

/**
 * The article the lecturer uses with a term: "a"/"an" as in its definition ("A phospholipid is"),
 * else "the" when most mentions take it; plurals and mass nouns go bare.
 */
export function articleFor(analysis: Analysis, phrase: KeyPhrase, definition: Definition | null): string {
  if (isPlural(phrase.surface) || isAcronym(phrase.surface)) return "";
  const preceding = (sentence: Sentence, at: number) => /\b(the|an?)\s+$/i.exec(sentence.text.slice(Math.max(0, at - 5), at))?.[1]?.toLowerCase();
  if (definition) {
    const word = preceding(analysis.sentences[definition.sentence] as Sentence, definition.occurrence.start);
    if (word === "a" || word === "an") return `${word} `;
  }
  let the = 0;
  let total = 0;
  for (const si of phrase.sentences) {
    const sentence = analysis.sentences[si] as Sentence;
    for (const o of findOccurrences(sentence, phrase.key)) {
      total++;
      if (preceding(sentence, o.start) === "the") the++;
    }
  }
  return total > 0 && the * 2 >= total ? "the " : "";
}

/** A lecture with no recurring or defined phrase: its longest word still names something it says. */
function fallbackTerm(analysis: Analysis, style: Style): Term {
  let best: { sentence: Sentence; start: number; end: number; text: string } | null = null;
  for (const sentence of analysis.sentences) {
    for (const t of sentence.tokens) if (!best || t.text.length > best.text.length) best = { sentence, start: t.start, end: t.end, text: t.text };
  }
  const pick = best as { sentence: Sentence; start: number; end: number; text: string };
  const phrase: KeyPhrase = {
    key: normalizeTerm(pick.text),
    surface: pick.text,
    words: 1,
    count: 1,
    sentences: [pick.sentence.index],
    score: 0,
    defined: 0,
    vague: false,
  };
  return describeTerm(analysis, style, phrase, { sentence: pick.sentence.index, occurrence: { start: pick.start, end: pick.end }, score: 0, context: null });
}

function findTopics(lecture: Lecture, ranges: Range[]): Topic[] {
  const keyTerms = new Set(lecture.terms.map((t) => t.phrase.key));
  const introduced = new Map(lecture.terms.filter((t) => t.defined).map((t) => [t.phrase.key, t.introduced]));
  const names = nameTopics(lecture.analysis, ranges, lecture.phrases, { keyTerms, introduced });
  return ranges.map((range, i) => ({ ...range, name: names[i] as TopicName }));
}

// ---- helpers shared by the artifacts ----

/**
 * The most central informative sentences, skipping near-duplicates of ones already chosen
 * (maximal marginal relevance), returned in lecture order.
 */
export function centralSentences(lecture: Lecture, count: number, filter: (s: Sentence) => boolean, exclude: ReadonlySet<number> = new Set()): number[] {
  const { analysis } = lecture;
  const picked: number[] = [];
  for (const si of lecture.byCentrality) {
    if (picked.length >= count) break;
    const sentence = analysis.sentences[si] as Sentence;
    if (exclude.has(si) || !filter(sentence)) continue;
    const vector = analysis.vectors[si] as SparseVector;
    if (picked.some((p) => cosine(vector, analysis.vectors[p] as SparseVector) > 0.5)) continue;
    picked.push(si);
  }
  return picked.sort((a, b) => a - b);
}

export function sentenceText(lecture: Lecture, si: number): string {
  return (lecture.analysis.sentences[si] as Sentence).text;
}

export function bullet(lecture: Lecture, si: number, maxWords = lecture.style.bulletWords): string {
  return shortenSentence(sentenceText(lecture, si), maxWords);
}

/**
 * Key terms the sentence mentions in their own right: "demand" inside "law of demand" is not a
 * mention of demand when "law of demand" is a key term too.
 */
export function termsIn(lecture: Lecture, si: number): Term[] {
  const sentence = lecture.analysis.sentences[si] as Sentence;
  const present = lecture.terms.filter((t) => t.phrase.sentences.includes(si));
  const spans = new Map(present.map((t) => [t, findOccurrences(sentence, t.phrase.key)]));
  return present.filter((t) => {
    const own = spans.get(t) as Occurrence[];
    const others = present.filter((o) => o !== t && containsPhrase(o.phrase.key, t.phrase.key)).flatMap((o) => spans.get(o) as Occurrence[]);
    return own.some((x) => !others.some((y) => y.start <= x.start && y.end >= x.end));
  });
}

// ---- cloze stems and "What is X?" prompts, for flashcards and exam questions ----

export const BLANK = "____";

/** The sentence with every mention of the phrase blanked out; null if it does not occur. */
export function blanked(sentence: Sentence, key: string): string | null {
  const occurrences = findOccurrences(sentence, key);
  if (occurrences.length === 0) return null;
  let text = "";
  let at = 0;
  for (const o of occurrences) {
    text += sentence.text.slice(at, o.start) + BLANK;
    at = o.end;
  }
  return stripOpener(text + sentence.text.slice(at));
}

/** Keeps the words around the blank when a cloze sentence is too long for the preset. */
export function aroundBlank(text: string, maxWords: number): string {
  const words = text.split(/\s+/);
  if (words.length <= maxWords) return text;
  const at = Math.max(0, words.findIndex((w) => w.includes(BLANK)));
  const start = Math.max(0, Math.min(at - Math.floor(maxWords / 3), words.length - maxWords));
  const end = Math.min(words.length, start + maxWords);
  return `${start > 0 ? "… " : ""}${words.slice(start, end).join(" ")}${end < words.length ? " …" : ""}`;
}

export function isPlural(surface: string): boolean {
  const last = surface.split(" ").pop() ?? "";
  return /[^s]s$/.test(last) && !/(?:is|us|ss)$/.test(last);
}

export function whatIs(term: Term): string {
  return `What ${isPlural(term.phrase.surface) ? "are" : "is"} ${term.named}?`;
}
