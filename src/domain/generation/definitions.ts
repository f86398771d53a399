/**
 * Definitions and examples. Scores how clearly a sentence defines a phrase at one of its
 * occurrences ("X is a ...", "X means ...", "... is called X", down to a plain mention), finds
 * the sentence that best defines a phrase, with the sentence before it when the definition leans
 * on it ("The price at that point is called ..."), and finds a sentence that gives an example.
 */
import type { Analysis, Sentence } from "./analysis.ts";
import { isVagueAdjective, tagSentence, VERBS } from "./english.ts";
import { findOccurrences, sentencesWith, type KeyPhrase, type Occurrence } from "./phrase-matching.ts";
import { normalizeTerm, STOPWORDS, type Token } from "./text.ts";

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
export function invertedDefinitions(analysis: Analysis, key: string): Definition[] {
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
