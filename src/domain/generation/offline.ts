/**
 * The offline generator: all five study artifacts built from the transcript alone, with no model
 * and no network. Extractive by design: every bullet, definition, card and question is made of
 * the lecture's own sentences and phrases, and points back at the segments it came from.
 * Presets shape the output (section set, bullet length, counts, question mix, difficulty).
 */
import type {
  ExamQuestionsContent,
  FlashcardsContent,
  GeneratedContent,
  KeyTermsContent,
  OutlineContent,
  OutlineNode,
  SourceRef,
  SummaryContent,
} from "../artifacts.ts";
import type { Preset } from "../presets.ts";
import type { TranscriptSegment } from "../transcript.ts";
import { analyse, cosine, sourcesOf, type Analysis, type Sentence, type SparseVector } from "./analysis.ts";
import {
  bestDefinitionScore,
  containsPhrase,
  DEFINED,
  EXAMPLE_CUE,
  findDefinition,
  findExample,
  findOccurrences,
  rankKeyphrases,
  selectKeyTerms,
  type Definition,
  type KeyPhrase,
  type Occurrence,
} from "./keyphrases.ts";
import { capitalize, isAcronym, normalizeTerm, shortenSentence, stableHash, stripOpener, titleCase, wordCount } from "./text.ts";
import { lectureTopics, nameTopics, type Range, type TopicName } from "./topics.ts";

export interface OfflineInput {
  segments: TranscriptSegment[];
  preset: Preset;
  title?: string;
}

export class EmptyTranscriptError extends Error {
  override name = "EmptyTranscriptError";
  constructor() {
    super("The transcript has no text, so there is nothing to generate study material from.");
  }
}

export function generateOffline(input: OfflineInput): GeneratedContent {
  const analysis = analyse(input.segments);
  if (analysis.sentences.length === 0 || analysis.totalWords === 0) throw new EmptyTranscriptError();
  const style = styleFor(input.preset);
  const lecture = readLecture(analysis, style, input.title);
  const outline = buildOutline(lecture);
  const flashcards = buildFlashcards(lecture);
  const questions = buildQuestions(lecture);
  return {
    summary: buildSummary(lecture, questions, flashcards),
    outline,
    "key-terms": buildKeyTerms(lecture),
    flashcards,
    "exam-questions": questions,
  };
}

// ---- preset styles ----

type QuestionKind = "mc" | "define" | "tf" | "essay" | "evidence" | "relation";

interface Style {
  kind: string;
  /** Summary section keys, from the preset's outputProfile. */
  sections: string[];
  /** Longest bullet or outline point, in words. */
  bulletWords: number;
  /** Longest whole sentence used as an overview line, in words. */
  sentenceWords: number;
  /** Longest definition sentence, in words; one whose core is longer may reach definitionHardWords. */
  definitionWords: number;
  definitionHardWords: number;
  /** Longest cloze or multiple-choice stem, in words (kept around the blank). */
  stemWords: number;
  itemsPerSection: number;
  overviewSentences: number;
  outlinePoints: number;
  hierarchical: boolean;
  /** Definitions and answers are short glosses ("The diffusion of water ..."), not sentences. */
  shortBacks: boolean;
  allEasy: boolean;
  /** Only lecture sentences this short become true/false statements. */
  maxStatementWords: number;
  presetTags: string[];
  termsPer1000: number;
  /** How far past termsPer1000 the list may grow when the lecture defines that many terms. */
  definedTermsStretch: number;
  cardsPer1000: number;
  questionsPer1000: number;
  questionMix: [QuestionKind, number][];
  preferSimpleTerms: boolean;
}

type Chunking = Pick<Style, "bulletWords" | "itemsPerSection" | "outlinePoints">;
const MEDIUM: Chunking = { bulletWords: 32, itemsPerSection: 6, outlinePoints: 4 };
const CHUNKING: Record<string, Chunking> = {
  very_short: { bulletWords: 12, itemsPerSection: 3, outlinePoints: 2 },
  short: { bulletWords: 18, itemsPerSection: 4, outlinePoints: 3 },
  medium: MEDIUM,
  hierarchical: { bulletWords: 26, itemsPerSection: 5, outlinePoints: 2 },
};

/** How each preset kind departs from the defaults; an unknown kind (custom) keeps them. */
const KIND_STYLES: Record<string, Partial<Style>> = {
  exam: {
    presetTags: ["exam"],
    termsPer1000: 8,
    definedTermsStretch: 2.2,
    cardsPer1000: 13,
    questionsPer1000: 8,
    questionMix: [["mc", 0.4], ["define", 0.25], ["tf", 0.2], ["essay", 0.15]],
  },
  beginner: {
    overviewSentences: 2,
    sentenceWords: 20,
    definitionWords: 20,
    definitionHardWords: 24,
    stemWords: 24,
    maxStatementWords: 20,
    presetTags: ["basics"],
    termsPer1000: 5.5,
    cardsPer1000: 8,
    questionsPer1000: 4.5,
    preferSimpleTerms: true,
    definedTermsStretch: 1.3,
    questionMix: [["tf", 0.35], ["mc", 0.35], ["define", 0.3]],
  },
  neurodivergent: {
    overviewSentences: 2,
    sentenceWords: 12,
    definitionWords: 16,
    definitionHardWords: 20,
    stemWords: 16,
    maxStatementWords: 16,
    shortBacks: true,
    allEasy: true,
    presetTags: ["quick-check"],
    termsPer1000: 5.5,
    cardsPer1000: 8,
    questionsPer1000: 5,
    preferSimpleTerms: true,
    definedTermsStretch: 1.3,
    questionMix: [["tf", 0.4], ["mc", 0.3], ["define", 0.3]],
  },
  research: {
    overviewSentences: 2,
    presetTags: ["research"],
    termsPer1000: 6.5,
    cardsPer1000: 8,
    questionsPer1000: 7,
    questionMix: [["evidence", 0.35], ["essay", 0.25], ["mc", 0.2], ["define", 0.2]],
  },
  "concept-map": {
    overviewSentences: 2,
    presetTags: ["concept-map"],
    termsPer1000: 8,
    cardsPer1000: 9,
    questionsPer1000: 5,
    questionMix: [["relation", 0.35], ["essay", 0.25], ["mc", 0.25], ["tf", 0.15]],
  },
};

function styleFor(preset: Preset): Style {
  const { outputProfile } = preset;
  return {
    kind: preset.kind,
    sections: outputProfile.sections,
    ...(CHUNKING[outputProfile.chunking] ?? MEDIUM),
    sentenceWords: 40,
    definitionWords: 40,
    definitionHardWords: 45,
    stemWords: 45,
    overviewSentences: 3,
    hierarchical: outputProfile.chunking === "hierarchical",
    shortBacks: false,
    allEasy: false,
    maxStatementWords: 40,
    presetTags: [],
    termsPer1000: 7,
    definedTermsStretch: 1.5,
    cardsPer1000: 10,
    questionsPer1000: outputProfile.question_focus ? 7 : 5,
    questionMix: [["mc", 0.4], ["define", 0.3], ["tf", 0.2], ["essay", 0.1]],
    preferSimpleTerms: false,
    ...KIND_STYLES[preset.kind],
  };
}

/** Count for a lecture of `words` words, at `per1000` per thousand words, within [min, max]. */
function scaled(words: number, per1000: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round((words / 1000) * per1000)));
}

// ---- the lecture as read once for all artifacts ----

interface Term {
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

interface Topic extends Range {
  name: TopicName;
}

interface Lecture {
  analysis: Analysis;
  style: Style;
  terms: Term[];
  /** Every candidate phrase, best first: distractor and topic-name material. */
  phrases: KeyPhrase[];
  topics: Topic[];
  /** Sentence indexes by centrality, best first. */
  byCentrality: number[];
}

const META_TALK =
  /\b(?:good (?:morning|afternoon|evening)|welcome back|any questions|see you|next week|next time|last week|last time|by the end of this lecture|homework|office hours|problem set|take a break|in this lecture|today we|let's|let us|we will look|we'll look|before we finish)\b/i;

/** A sentence fit to stand alone as a study point. Misconceptions are kept for their own
 * section: out of context (or shortened) they would teach the mistake. */
function isInformative(sentence: Sentence): boolean {
  return (
    sentence.wordCount >= 6 &&
    sentence.wordCount <= 50 &&
    !sentence.text.trimEnd().endsWith("?") &&
    !META_TALK.test(sentence.text) &&
    !CUES.misconception.test(sentence.text)
  );
}

function readLecture(analysis: Analysis, style: Style, title: string | undefined): Lecture {
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

// A sentence opening with "That", "It", "These" leans on the one before; alone it reads poorly.
const LEANS_ON_CONTEXT = /^(?:that|this|these|those|it|its|they|their|such|here|there|which|therefore|however|thus|hence|also|but|and|or|instead|because of this)\b/i;
const SUMS_UP = /\b(?:to sum up|in summary|to summari[sz]e|the key (?:idea|point)|the main (?:idea|point)|in short)\b/i;

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
function articleFor(analysis: Analysis, phrase: KeyPhrase, definition: Definition | null): string {
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

/**
 * The most central informative sentences, skipping near-duplicates of ones already chosen
 * (maximal marginal relevance), returned in lecture order.
 */
function centralSentences(lecture: Lecture, count: number, filter: (s: Sentence) => boolean, exclude: ReadonlySet<number> = new Set()): number[] {
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

function sentenceText(lecture: Lecture, si: number): string {
  return (lecture.analysis.sentences[si] as Sentence).text;
}

function bullet(lecture: Lecture, si: number, maxWords = lecture.style.bulletWords): string {
  return shortenSentence(sentenceText(lecture, si), maxWords);
}

/**
 * Key terms the sentence mentions in their own right: "demand" inside "law of demand" is not a
 * mention of demand when "law of demand" is a key term too.
 */
function termsIn(lecture: Lecture, si: number): Term[] {
  const sentence = lecture.analysis.sentences[si] as Sentence;
  const present = lecture.terms.filter((t) => t.phrase.sentences.includes(si));
  const spans = new Map(present.map((t) => [t, findOccurrences(sentence, t.phrase.key)]));
  return present.filter((t) => {
    const own = spans.get(t) as Occurrence[];
    const others = present.filter((o) => o !== t && containsPhrase(o.phrase.key, t.phrase.key)).flatMap((o) => spans.get(o) as Occurrence[]);
    return own.some((x) => !others.some((y) => y.start <= x.start && y.end >= x.end));
  });
}

// ---- summary ----

const CUES = {
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

const SECTION_TITLES: Record<string, string> = {
  overview: "Overview",
  examinable_points: "Examinable points",
  definitions: "Definitions",
  likely_questions: "Likely questions",
  core_concepts: "Core concepts",
  relationships: "Relationships",
  dependencies: "Dependencies",
  misconceptions: "Misconceptions",
  key_ideas: "Key ideas",
  examples: "Examples",
  analogy_bank: "Analogy bank",
  micro_chunks: "Micro-chunks",
  key_terms: "Key terms",
  recall_prompts: "Recall prompts",
  claims: "Claims",
  arguments: "Arguments",
  evidence: "Evidence",
  open_questions: "Open questions",
};

interface Section {
  title: string;
  bullets: string[];
  sources: SourceRef[];
}

function buildSummary(lecture: Lecture, questions: ExamQuestionsContent, cards: FlashcardsContent): SummaryContent {
  const { analysis, style } = lecture;
  let overviewIdx = centralSentences(lecture, style.overviewSentences, isInformative);
  if (overviewIdx.length === 0) overviewIdx = centralSentences(lecture, 1, () => true);
  const overview = overviewIdx.map((si) => bullet(lecture, si, style.sentenceWords)).join(" ");

  const used = new Set<number>(overviewIdx);
  const sections: Section[] = [];
  for (const key of style.sections.length > 0 ? style.sections : ["key_ideas"]) {
    const section = buildSection(lecture, key, used, questions, cards);
    if (section && section.bullets.length > 0) sections.push(section);
  }
  if (sections.length === 0) {
    // Every preset section came up empty (a very short lecture): list what it does say.
    const picks = centralSentences(lecture, style.itemsPerSection, () => true);
    sections.push({ title: "Key points", bullets: picks.map((si) => bullet(lecture, si)), sources: sourcesOf(analysis, picks) });
  }
  return { overview, sections };
}

/** A bullet and every sentence it was made from. */
interface Rendered {
  text: string;
  sentences: number[];
}

function fromSentences(
  lecture: Lecture,
  title: string,
  picks: number[],
  used: Set<number>,
  render: (si: number) => Rendered = (si) => ({ text: bullet(lecture, si), sentences: [si] }),
): Section | null {
  if (picks.length === 0) return null;
  for (const si of picks) used.add(si);
  const all = [...picks].sort((a, b) => a - b).map(render);
  // A pick already shown as context of another bullet is not repeated on its own.
  const rendered = all.filter((r) => !all.some((o) => o !== r && o.sentences.length > r.sentences.length && r.sentences.every((si) => o.sentences.includes(si))));
  for (const r of rendered) for (const si of r.sentences) used.add(si);
  return { title, bullets: rendered.map((r) => r.text), sources: sourcesOf(lecture.analysis, rendered.flatMap((r) => r.sentences)) };
}

/** True when the sentence is some key term's definition. */
function definesTerm(lecture: Lecture, si: number): boolean {
  return lecture.terms.some((t) => t.definition?.sentence === si && t.defined);
}

/**
 * A question the lecture leaves open, as opposed to a rhetorical one it answers next: it sits
 * beside a sentence saying so ("we still do not know", "remains an active area").
 */
function isOpenQuestion(lecture: Lecture, sentence: Sentence): boolean {
  if (!sentence.text.trimEnd().endsWith("?")) return false;
  for (const d of [-2, -1, 1, 2]) {
    const near = lecture.analysis.sentences[sentence.index + d];
    if (near && CUES.open.test(near.text)) return true;
  }
  return false;
}

/** A conclusion ("Therefore ...", "That is why ...") reads with the sentence it follows from. */
function withPremise(lecture: Lecture, si: number): Rendered {
  const sentence = lecture.analysis.sentences[si] as Sentence;
  const previous = lecture.analysis.sentences[si - 1];
  if (!previous || !LEANS_ON_CONTEXT.test(sentence.text)) return { text: bullet(lecture, si), sentences: [si] };
  return { text: `${bullet(lecture, previous.index)} ${sentence.text}`, sentences: [previous.index, si] };
}

/** Central sentences carrying a cue; misconceptions only where asked for (see isInformative). */
function cueSentences(lecture: Lecture, cue: RegExp, used: ReadonlySet<number>, extra: (s: Sentence) => boolean = () => true): number[] {
  return centralSentences(
    lecture,
    lecture.style.itemsPerSection,
    (s) =>
      s.wordCount >= 6 &&
      s.wordCount <= 50 &&
      cue.test(s.text) &&
      !META_TALK.test(s.text) &&
      (cue === CUES.misconception || !CUES.misconception.test(s.text)) &&
      extra(s),
    used,
  );
}

function termSection(lecture: Lecture, title: string, render: (t: Term) => string | null): Section | null {
  const rendered = lecture.terms
    .filter((t) => t.defined)
    .map((t) => ({ t, text: render(t) }))
    .filter((r): r is { t: Term; text: string } => r.text !== null)
    .slice(0, lecture.style.itemsPerSection * 2);
  if (rendered.length === 0) return null;
  const sentenceIdx = rendered.flatMap((r) => r.t.definitionSentences);
  return { title, bullets: rendered.map((r) => r.text), sources: sourcesOf(lecture.analysis, sentenceIdx) };
}

/** "term: gloss" within maxWords, or the short definition when it fits; null when neither does. */
function labelled(label: string, term: Term, maxWords: number): string | null {
  const room = maxWords - wordCount(label);
  if (term.gloss && room >= 4) return `${label}: ${shortenSentence(term.gloss, room)}`;
  if (wordCount(term.shortBack) <= room) return `${label}: ${term.shortBack}`;
  return null;
}

function buildSection(lecture: Lecture, key: string, used: Set<number>, questions: ExamQuestionsContent, cards: FlashcardsContent): Section | null {
  const { style } = lecture;
  const title = SECTION_TITLES[key] ?? capitalize(key.replace(/_/g, " "));
  const n = style.itemsPerSection;
  const hasTerm = (s: Sentence) => termsIn(lecture, s.index).length > 0;
  switch (key) {
    case "overview":
      return null; // carried by the overview field itself
    case "examinable_points":
      return fromSentences(lecture, title, centralSentences(lecture, n, (s) => isInformative(s) && hasTerm(s), used), used);
    case "key_ideas":
    case "micro_chunks":
      return fromSentences(lecture, title, centralSentences(lecture, n, isInformative, used), used);
    case "definitions":
      return termSection(lecture, title, (t) => `${t.phrase.surface}: ${t.definitionText}`);
    case "core_concepts":
      return termSection(lecture, title, (t) =>
        t.gloss ? `${titleCase(t.phrase.surface)}: ${shortenSentence(t.gloss, style.definitionWords)}` : `${titleCase(t.phrase.surface)}: ${t.shortBack}`,
      );
    case "key_terms":
      return termSection(lecture, title, (t) => labelled(t.phrase.surface, t, style.bulletWords + 4));
    case "examples":
      return fromSentences(lecture, title, cueSentences(lecture, EXAMPLE_CUE, used), used);
    case "analogy_bank":
      return fromSentences(lecture, title, cueSentences(lecture, CUES.analogy, used), used);
    // Each sentence goes to its most specific section: open questions, then evidence, claims, arguments.
    case "claims":
      return fromSentences(lecture, title, cueSentences(lecture, CUES.claim, used, (s) => !CUES.open.test(s.text)), used);
    case "arguments":
      return fromSentences(
        lecture,
        title,
        cueSentences(lecture, CUES.argument, used, (s) => !CUES.open.test(s.text) && !CUES.claim.test(s.text) && !isEvidence(s)),
        used,
        (si) => withPremise(lecture, si),
      );
    case "evidence":
      return fromSentences(lecture, title, cueSentences(lecture, CUES.evidence, used, (s) => !CUES.open.test(s.text) && isEvidence(s)), used);
    case "relationships":
      return fromSentences(
        lecture,
        title,
        cueSentences(lecture, CUES.relation, used, (s) => termsIn(lecture, s.index).length >= 2 && !definesTerm(lecture, s.index)),
        used,
      );
    case "dependencies":
      return fromSentences(lecture, title, cueSentences(lecture, CUES.dependency, used, hasTerm), used);
    case "open_questions":
      return fromSentences(
        lecture,
        title,
        centralSentences(
          lecture,
          n,
          (s) => s.wordCount >= 6 && !META_TALK.test(s.text) && (CUES.open.test(s.text) || isOpenQuestion(lecture, s)),
          used,
        ),
        used,
        (si) => withPremise(lecture, si),
      );
    case "misconceptions": {
      const picks = cueSentences(lecture, CUES.misconception, used);
      // A misconception reads best with the lecturer's correction that follows it.
      return fromSentences(lecture, title, picks, used, (picked) => {
        // "Let me finish with a common misconception." announces one; the next sentence states it.
        const announced = ANNOUNCES_MISCONCEPTION.test(sentenceText(lecture, picked)) && lecture.analysis.sentences[picked + 1] !== undefined;
        const si = announced ? picked + 1 : picked;
        const next = lecture.analysis.sentences[si + 1];
        const head = bullet(lecture, si);
        if (!next || !CUES.correction.test(next.text)) return { text: head, sentences: [si] };
        return { text: `${head} ${bullet(lecture, next.index)}`, sentences: [si, next.index] };
      });
    }
    case "likely_questions":
    case "recall_prompts": {
      const items =
        key === "likely_questions"
          ? questions.questions.filter((q) => q.type === "short-answer" || q.type === "essay").map((q) => ({ text: q.prompt, sources: q.sources ?? [] }))
          : cards.cards.filter((c) => !c.front.includes("____")).map((c) => ({ text: c.front, sources: c.sources ?? [] }));
      const chosen = items.slice(0, n);
      if (chosen.length === 0) return null;
      return { title, bullets: chosen.map((i) => i.text), sources: mergeSources(chosen.map((i) => i.sources)) };
    }
    default:
      return fromSentences(lecture, title, centralSentences(lecture, n, isInformative, used), used);
  }
}

const ANNOUNCES_MISCONCEPTION = /\b(?:a|one|some|few)\s+(?:common\s+|last\s+|final\s+)?(?:misconceptions?|mistakes?)\.?$/i;

const STRONG_EVIDENCE = /\b(?:experiments?|measured|measurements?|observed|researchers|trials?|data|found that|showed that|showed)\b|\d/i;

/** Evidence proper: an observation or result, not a sentence that merely says "evidence". */
function isEvidence(sentence: Sentence): boolean {
  return STRONG_EVIDENCE.test(sentence.text) || (CUES.evidence.test(sentence.text) && sentence.wordCount >= 10);
}

function mergeSources(lists: SourceRef[][]): SourceRef[] {
  const byIndex = new Map<number, SourceRef>();
  for (const list of lists) for (const ref of list) byIndex.set(ref.segmentIndex, ref);
  return [...byIndex.values()].sort((a, b) => a.segmentIndex - b.segmentIndex);
}

// ---- outline ----

function buildOutline(lecture: Lecture): OutlineContent {
  const { style, analysis } = lecture;
  const inRange = (range: Range) => (s: Sentence) => s.index >= range.start && s.index < range.end;
  const pointsFor = (range: Range, count: number, exclude: ReadonlySet<number> = new Set()): number[] => {
    const picks = centralSentences(lecture, count, (s) => inRange(range)(s) && isInformative(s), exclude);
    return picks.length > 0 ? picks : centralSentences(lecture, 1, inRange(range), exclude);
  };
  const outline: OutlineNode[] = lecture.topics.map((topic) => {
    const node: OutlineNode = { title: topic.name.title };
    // Concept-map mode: each topic branches into the concepts it introduces, each with its
    // definition and, when the lecture gives one, how it relates to another concept.
    // A child repeating its parent's title adds nothing.
    const concepts = style.hierarchical
      ? lecture.terms.filter((t) => inRange(topic)(analysis.sentences[t.introduced] as Sentence) && topic.name.title !== titleCase(t.phrase.surface))
      : [];
    if (concepts.length > 0) {
      const used = new Set<number>();
      node.children = concepts
        .sort((a, b) => a.introduced - b.introduced)
        .map((term) => {
          used.add(term.introduced);
          const points = [term.defined ? term.shortBack : bullet(lecture, term.introduced)];
          const relation = relationSentence(lecture, term, topic, used);
          if (relation !== null) {
            used.add(relation);
            points.push(bullet(lecture, relation));
          }
          return { title: titleCase(term.phrase.surface), points };
        });
      node.points = pointsFor(topic, 1, used).map((si) => bullet(lecture, si));
    } else {
      node.points = pointsFor(topic, style.outlinePoints).map((si) => bullet(lecture, si));
    }
    if (node.points.length === 0) delete node.points;
    return node;
  });
  return { outline };
}

/** A sentence in the topic linking this term to another key term with a relation verb. */
function relationSentence(lecture: Lecture, term: Term, topic: Range, used: ReadonlySet<number>): number | null {
  for (const si of lecture.byCentrality) {
    if (si < topic.start || si >= topic.end || used.has(si)) continue;
    const sentence = lecture.analysis.sentences[si] as Sentence;
    if (!term.phrase.sentences.includes(si) || !CUES.relation.test(sentence.text) || !isInformative(sentence)) continue;
    if (termsIn(lecture, si).some((other) => other !== term)) return si;
  }
  return null;
}

// ---- key terms ----

function buildKeyTerms(lecture: Lecture): KeyTermsContent {
  const { analysis } = lecture;
  const ordered = [...lecture.terms].sort((a, b) => (a.phrase.sentences[0] ?? 0) - (b.phrase.sentences[0] ?? 0) || (a.phrase.key < b.phrase.key ? -1 : 1));
  return {
    terms: ordered.map((t) => {
      const used = [...t.definitionSentences, t.example].filter((s): s is number => s !== undefined && s !== null);
      const entry: KeyTermsContent["terms"][number] = { term: t.phrase.surface, definition: t.definitionText };
      if (t.example !== null) entry.example = bullet(lecture, t.example);
      entry.sources = sourcesOf(analysis, used.length > 0 ? used : t.phrase.sentences.slice(0, 1));
      return entry;
    }),
  };
}

// ---- flashcards ----

const BLANK = "____";

/** The sentence with every mention of the phrase blanked out; null if it does not occur. */
function blanked(sentence: Sentence, key: string): string | null {
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
function aroundBlank(text: string, maxWords: number): string {
  const words = text.split(/\s+/);
  if (words.length <= maxWords) return text;
  const at = Math.max(0, words.findIndex((w) => w.includes(BLANK)));
  const start = Math.max(0, Math.min(at - Math.floor(maxWords / 3), words.length - maxWords));
  const end = Math.min(words.length, start + maxWords);
  return `${start > 0 ? "… " : ""}${words.slice(start, end).join(" ")}${end < words.length ? " …" : ""}`;
}

function isPlural(surface: string): boolean {
  const last = surface.split(" ").pop() ?? "";
  return /[^s]s$/.test(last) && !/(?:is|us|ss)$/.test(last);
}

function whatIs(term: Term): string {
  return `What ${isPlural(term.phrase.surface) ? "are" : "is"} ${term.named}?`;
}

function difficulty(lecture: Lecture, sentence: Sentence, term: Term): "easy" | "medium" | "hard" {
  if (lecture.style.allEasy) return "easy";
  // Long sentences and rarely mentioned terms are harder to recall.
  let score = 0;
  if (sentence.wordCount >= 25) score += 1;
  else if (sentence.wordCount <= 14) score -= 1;
  if (term.phrase.count <= 2) score += 1;
  else if (term.phrase.count >= 8) score -= 1;
  if (term.phrase.words >= 2) score += 0.5;
  return score <= -1 ? "easy" : score >= 1 ? "hard" : "medium";
}

function buildFlashcards(lecture: Lecture): FlashcardsContent {
  const { analysis, style } = lecture;
  const limit = scaled(analysis.totalWords, style.cardsPer1000, 2, 40);
  const cards: FlashcardsContent["cards"] = [];
  const usedSentences = new Set<number>();

  for (const term of lecture.terms) {
    if (cards.length >= limit) break;
    if (!term.defined || !term.definition) continue;
    const si = term.definition.sentence;
    usedSentences.add(si);
    cards.push({
      front: whatIs(term),
      back: style.shortBacks ? term.shortBack : term.definitionText,
      difficulty: difficulty(lecture, analysis.sentences[si] as Sentence, term),
      tags: ["definition", ...style.presetTags],
      sources: sourcesOf(analysis, term.definitionSentences),
    });
  }

  // Cloze cards from the most central sentences that mention a key term.
  const perTerm = new Map<string, number>();
  for (const si of lecture.byCentrality) {
    if (cards.length >= limit) break;
    const sentence = analysis.sentences[si] as Sentence;
    if (usedSentences.has(si) || !isInformative(sentence)) continue;
    const term = termsIn(lecture, si).find((t) => (perTerm.get(t.phrase.key) ?? 0) < 2);
    if (!term) continue;
    const text = blanked(sentence, term.phrase.key);
    const occurrence = findOccurrences(sentence, term.phrase.key)[0];
    if (!text || !occurrence) continue;
    perTerm.set(term.phrase.key, (perTerm.get(term.phrase.key) ?? 0) + 1);
    usedSentences.add(si);
    cards.push({
      front: `Fill in the blank: ${aroundBlank(text, style.stemWords)}`,
      back: sentence.text.slice(occurrence.start, occurrence.end),
      difficulty: difficulty(lecture, sentence, term),
      tags: ["cloze", ...style.presetTags],
      sources: sourcesOf(analysis, [si]),
    });
  }

  if (cards.length === 0) {
    // Nothing defined or recurring: ask for the one term there is, answered by its sentence.
    const term = lecture.terms[0] as Term;
    const si = term.definition?.sentence ?? term.phrase.sentences[0] ?? 0;
    const sentence = analysis.sentences[si] as Sentence;
    const text = blanked(sentence, term.phrase.key);
    cards.push({
      front: text && text !== BLANK ? `Fill in the blank: ${aroundBlank(text, style.stemWords)}` : whatIs(term),
      back: text && text !== BLANK ? term.phrase.surface : shortenSentence(sentence.text, style.sentenceWords),
      difficulty: difficulty(lecture, sentence, term),
      tags: ["cloze", ...style.presetTags],
      sources: sourcesOf(analysis, [si]),
    });
  }
  return { cards };
}

// ---- exam questions ----

type Question = ExamQuestionsContent["questions"][number];

function buildQuestions(lecture: Lecture): ExamQuestionsContent {
  const { analysis, style } = lecture;
  const limit = scaled(analysis.totalWords, style.questionsPer1000, 2, 25);
  const pools: Record<QuestionKind, Question[]> = {
    mc: multipleChoice(lecture),
    define: definitionQuestions(lecture),
    tf: trueFalse(lecture),
    essay: essays(lecture),
    evidence: evidenceQuestions(lecture),
    relation: relationQuestions(lecture),
  };
  // Quotas from the preset's mix; any shortfall is filled from the other kinds in mix order.
  const quotas = style.questionMix.map(([kind, weight]) => ({ kind, quota: Math.max(1, Math.round(limit * weight)) }));
  const taken: Record<QuestionKind, number> = { mc: 0, define: 0, tf: 0, essay: 0, evidence: 0, relation: 0 };
  let total = 0;
  for (const { kind, quota } of quotas) {
    const n = Math.min(quota, pools[kind].length, limit - total);
    taken[kind] += n;
    total += n;
  }
  const fillOrder: QuestionKind[] = [...style.questionMix.map(([k]) => k), "define", "tf", "mc", "essay"];
  for (const kind of fillOrder) {
    if (total >= limit) break;
    const n = Math.min(pools[kind].length - taken[kind], limit - total);
    taken[kind] += n;
    total += n;
  }
  // Interleave the kinds so a student meets variety, in a fixed order.
  const chosen: Question[] = [];
  const kinds = [...new Set(fillOrder)];
  for (let round = 0; chosen.length < total; round++) {
    for (const kind of kinds) if (round < taken[kind]) chosen.push(pools[kind][round] as Question);
  }
  if (chosen.length === 0) chosen.push(fallbackQuestion(lecture));
  return { questions: dedupePrompts(chosen) };
}

function dedupePrompts(questions: Question[]): Question[] {
  const seen = new Set<string>();
  return questions.filter((q) => {
    if (seen.has(q.prompt)) return false;
    seen.add(q.prompt);
    return true;
  });
}

function fallbackQuestion(lecture: Lecture): Question {
  const si = lecture.byCentrality[0] ?? 0;
  return {
    prompt: `True or false: ${sentenceText(lecture, si)}`,
    type: "true-false",
    answer: "True",
    sources: sourcesOf(lecture.analysis, [si]),
  };
}

/** Other key terms to offer as wrong answers: none nested in the right one or named in the stem. */
function distractors(lecture: Lecture, term: Term, stem: string, count: number, writtenAs = term.phrase.surface): Term[] {
  const plural = isPlural(writtenAs);
  const stemKey = ` ${normalizeTerm(stem)} `;
  const options = lecture.terms.filter(
    (t) =>
      t !== term &&
      !containsPhrase(t.phrase.key, term.phrase.key) &&
      !containsPhrase(term.phrase.key, t.phrase.key) &&
      !stemKey.includes(` ${t.phrase.key} `),
  );
  // Plausible options first: same head word ("active"/"passive transport"), same number,
  // same length; then the lecture's own ranking.
  const rank = new Map(lecture.terms.map((t, i) => [t, i]));
  const head = (t: Term) => t.phrase.key.split(" ").pop();
  const sameHead = (t: Term) => (t.phrase.words > 1 && term.phrase.words > 1 && head(t) === head(term) ? 0 : 1);
  options.sort(
    (a, b) =>
      sameHead(a) - sameHead(b) ||
      Number(isPlural(a.phrase.surface) !== plural) - Number(isPlural(b.phrase.surface) !== plural) ||
      Math.abs(a.phrase.words - term.phrase.words) - Math.abs(b.phrase.words - term.phrase.words) ||
      (rank.get(a) as number) - (rank.get(b) as number),
  );
  return options.slice(0, count);
}

function multipleChoice(lecture: Lecture): Question[] {
  const out: Question[] = [];
  for (const term of lecture.terms) {
    if (!term.defined || !term.definition) continue;
    const sentence = lecture.analysis.sentences[term.definition.sentence] as Sentence;
    const stem = blanked(sentence, term.phrase.key);
    if (!stem) continue;
    // The right answer as the sentence writes it, so it fits the blank ("carrier proteins").
    const o = term.definition.occurrence;
    const writtenAs = sentence.text.slice(o.start, o.end);
    const answer = o.start === 0 && !isAcronym(writtenAs) && writtenAs.toLowerCase() === term.phrase.surface.toLowerCase() ? term.phrase.surface : writtenAs;
    const wrong = distractors(lecture, term, stem, 3, answer);
    if (wrong.length < 3) continue;
    const correctIndex = stableHash(term.phrase.key) % 4;
    const choices = wrong.map((t) => t.phrase.surface);
    choices.splice(correctIndex, 0, answer);
    out.push({
      prompt: `Which term completes the statement? "${aroundBlank(stem, lecture.style.stemWords)}"`,
      type: "multiple-choice",
      answer,
      choices,
      correctChoiceIndex: correctIndex,
      sources: sourcesOf(lecture.analysis, [sentence.index]),
    });
  }
  return out;
}

function definitionQuestions(lecture: Lecture): Question[] {
  const { style } = lecture;
  return lecture.terms
    .filter((t) => t.defined && t.definition)
    .map((t) => {
      const prompt =
        style.kind === "exam"
          ? `Define ${t.phrase.surface}.`
          : style.kind === "research"
            ? `How does the lecture define ${t.phrase.surface}?`
            : whatIs(t);
      return {
        prompt,
        type: "short-answer" as const,
        answer: style.shortBacks ? t.shortBack : t.fullDefinition,
        sources: sourcesOf(lecture.analysis, t.definitionSentences),
      };
    });
}

/**
 * Alternating true statements (lecture sentences as said) and false ones (a key term swapped
 * for another key term of the lecture), from central sentences short enough for the preset.
 */
function trueFalse(lecture: Lecture): Question[] {
  const { analysis, style } = lecture;
  const definitionSentences = new Set(lecture.terms.map((t) => t.definition?.sentence));
  const out: Question[] = [];
  const allText = new Set(analysis.sentences.map((s) => s.text.toLowerCase()));
  for (const si of lecture.byCentrality) {
    const sentence = analysis.sentences[si] as Sentence;
    if (!isInformative(sentence) || sentence.wordCount > style.maxStatementWords || definitionSentences.has(si)) continue;
    const present = termsIn(lecture, si);
    if (present.length === 0) continue;
    const makeFalse = out.length % 2 === 1;
    if (!makeFalse) {
      out.push({ prompt: `True or false: ${sentence.text}`, type: "true-false", answer: "True", sources: sourcesOf(analysis, [si]) });
      continue;
    }
    const original = present[0] as Term;
    const occurrence = findOccurrences(sentence, original.phrase.key)[0] as Occurrence;
    const swap = distractors(lecture, original, sentence.text, 1, sentence.text.slice(occurrence.start, occurrence.end))[0];
    if (!swap) continue;
    const replacement = occurrence.start === 0 ? capitalize(swap.phrase.surface) : swap.phrase.surface;
    const statement = sentence.text.slice(0, occurrence.start) + replacement + sentence.text.slice(occurrence.end);
    if (allText.has(statement.toLowerCase())) continue;
    out.push({
      prompt: `True or false: ${statement}`,
      type: "true-false",
      answer: `False. The correct term is ${original.phrase.surface}, not ${swap.phrase.surface}.`,
      sources: sourcesOf(analysis, [si]),
    });
  }
  return out;
}

function topicPoints(lecture: Lecture, range: Range, count: number): number[] {
  return centralSentences(lecture, count, (s) => s.index >= range.start && s.index < range.end && isInformative(s));
}

/** A topic's main phrase with the article the lecture gives it. */
function topicNamed(lecture: Lecture, topic: Topic): string {
  const phrase = lecture.phrases.find((p) => p.key === topic.name.keys[0]);
  return phrase ? `${articleFor(lecture.analysis, phrase, null)}${topic.name.phrase}` : topic.name.phrase;
}

function essays(lecture: Lecture): Question[] {
  const { topics, style } = lecture;
  const out: Question[] = [];
  const named = topics.filter((t) => t.name.keys.length > 0);
  if (style.kind === "research") {
    // One essay per topic that argues something: weigh its claims against its evidence.
    for (const topic of named) {
      const inTopic = (s: Sentence) => s.index >= topic.start && s.index < topic.end;
      const claims = centralSentences(lecture, 1, (s) => inTopic(s) && CUES.claim.test(s.text) && s.wordCount >= 6);
      const evidence = centralSentences(lecture, 1, (s) => inTopic(s) && isEvidence(s) && s.wordCount >= 10 && !CUES.open.test(s.text), new Set(claims));
      if (claims.length === 0 && evidence.length === 0) continue;
      const points = [...claims, ...evidence].sort((x, y) => x - y);
      out.push({
        prompt: `Evaluate what the lecture claims about ${topicNamed(lecture, topic)} and the evidence it gives for it.`,
        type: "essay",
        answer: `Points to cover: ${points.map((si) => bullet(lecture, si, 40)).join(" ")}`,
        sources: sourcesOf(lecture.analysis, points),
      });
    }
    if (out.length > 0) return out;
  }
  for (let i = 0; i + 1 < named.length; i++) {
    const a = named[i] as Topic;
    const b = named[i + 1] as Topic;
    const points = [...topicPoints(lecture, a, 1), ...topicPoints(lecture, b, 1)];
    if (points.length === 0) continue;
    const prompt =
      style.kind === "research"
        ? `Assess the lecture's argument about ${topicNamed(lecture, a)} and ${topicNamed(lecture, b)}: what is claimed, and what supports it?`
        : `Explain how ${topicNamed(lecture, a)} ${isPlural(a.name.phrase) ? "relate" : "relates"} to ${topicNamed(lecture, b)}.`;
    out.push({ prompt, type: "essay", answer: `Points to cover: ${points.map((si) => bullet(lecture, si, 30)).join(" ")}`, sources: sourcesOf(lecture.analysis, points) });
  }
  if (out.length === 0 && named.length === 1) {
    const only = named[0] as Topic;
    const points = topicPoints(lecture, only, 2);
    if (points.length > 0) {
      out.push({
        prompt: `Explain ${topicNamed(lecture, only)} in your own words, using the lecture's examples.`,
        type: "essay",
        answer: `Points to cover: ${points.map((si) => bullet(lecture, si, 30)).join(" ")}`,
        sources: sourcesOf(lecture.analysis, points),
      });
    }
  }
  return out;
}

/** Research mode: a claim from the lecture, answered by the nearest evidence sentence. */
function evidenceQuestions(lecture: Lecture): Question[] {
  const { analysis } = lecture;
  const out: Question[] = [];
  const used = new Set<number>();
  for (const sentence of analysis.sentences) {
    if (!CUES.claim.test(sentence.text) || !isInformative(sentence)) continue;
    let evidence: number | null = null;
    for (const d of [1, -1, 2, -2, 3, -3]) {
      const other = analysis.sentences[sentence.index + d];
      if (other && !used.has(other.index) && other.wordCount >= 10 && isEvidence(other) && !CUES.claim.test(other.text)) {
        evidence = other.index;
        break;
      }
    }
    if (evidence === null) continue;
    used.add(evidence);
    out.push({
      prompt: `What evidence from the lecture supports this claim? "${bullet(lecture, sentence.index, 40)}"`,
      type: "short-answer",
      answer: sentenceText(lecture, evidence),
      sources: sourcesOf(analysis, [Math.min(sentence.index, evidence), Math.max(sentence.index, evidence)]),
    });
  }
  return out;
}

/** Concept-map mode: sentences relating two key terms become "how does A relate to B". */
function relationQuestions(lecture: Lecture): Question[] {
  const { analysis } = lecture;
  const out: Question[] = [];
  const pairs = new Set<string>();
  for (const sentence of analysis.sentences) {
    if (!CUES.relation.test(sentence.text) || !isInformative(sentence)) continue;
    const present = termsIn(lecture, sentence.index)
      .map((t) => ({ t, at: findOccurrences(sentence, t.phrase.key)[0]?.start ?? 0 }))
      .filter(({ t }, _, all) => !all.some((o) => o.t !== t && containsPhrase(o.t.phrase.key, t.phrase.key)))
      .sort((x, y) => x.at - y.at);
    if (present.length < 2) continue;
    const a = (present[0] as { t: Term }).t;
    const b = (present[1] as { t: Term }).t;
    const pair = `${a.phrase.key}|${b.phrase.key}`;
    if (pairs.has(pair)) continue;
    pairs.add(pair);
    out.push({
      prompt: `How does ${a.named} relate to ${b.named}?`,
      type: "short-answer",
      answer: sentence.text,
      sources: sourcesOf(analysis, [sentence.index]),
    });
  }
  return out;
}
