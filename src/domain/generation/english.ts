/**
 * A small English heuristic for finding noun phrases without a tagger or a dictionary: word
 * lists for verbs, vague nouns and adjectives, plus context rules for the ambiguous "-ing" and
 * "-ed" forms. Good enough to tell "quantity demanded" (a term) from "quantity demanded equals"
 * (a fragment) and "law of demand" from "law". Pure and deterministic.
 */
import type { Sentence } from "./analysis.ts";
import { isAcronym, isContentWord, singularize, STOPWORDS, type Token } from "./text.ts";

/**
 * How a token may take part in a term.
 * - N: noun or descriptive adjective
 * - H: vague noun that may head a compound ("income effect", "normal good") but names nothing alone
 * - G: participle or gerund in noun use ("facilitated diffusion", "linear probing")
 * - O: "of", joining two noun groups ("law of demand")
 * - X: anything that breaks a phrase: function words, verbs, adverbs, filler, numbers, vague adjectives
 */
export type Tag = "N" | "H" | "G" | "O" | "X";

function words(list: string): Set<string> {
  return new Set(list.split(/\s+/).filter(Boolean));
}

/** Verbs and auxiliaries in the forms lectures use; none of them is ever the end of a term. */
export const VERBS = words(`
  matters mattered
  is are was were be been being am isn't aren't wasn't weren't do does did done doing don't doesn't didn't has have
  had having can could will would shall should may might must cannot can't won't wouldn't say says said saying tell
  tells told mean means meant know knows knew known think thinks thought want wants wanted wanting need needs needed
  seem seems seemed become becomes became tend tends tended make makes made making give gives gave given giving take
  takes took taken taking go goes went gone going get gets got getting come comes came coming let lets keep keeps
  kept keeping put puts see sees saw seen look looks looked looking find finds found call calls called calling try
  tries tried happen happens happened depend depends depended involve involves involved include includes included
  including contain contains contained require requires required consist consists consisted remain remains remained
  appear appears appeared occur occurs occurred allow allows allowed enable enables enabled prevent prevents
  prevented create creates created reduce reduces reduced increase increases increased decrease decreases decreased
  raise raises raised lower lowers lowered rise rises rose risen fall falls fell fallen equal equals equalled equaled
  explain explains explained describe describes described show shows showed shown suggest suggests suggested lead
  leads led produce produces produced buy buys bought sell sells sold pay pays paid spend spends spent decide decides
  decided compare compares compared imagine imagines imagined suppose supposes supposed notice notices noticed
  remember remembers remembered consider considers considered assume assumes assumed compute computes computed draw
  draws drew drawn bring brings brought hold holds held learn learns learned learnt begin begins began begun build
  builds built move moves moved moving sit sits sat stick sticks stuck detect detects detected bind binds spans
  spanned attach attaches attached regulate regulates regulated avoid avoids avoided attract attracts attracted
  expose exposes exposed disrupt disrupts disrupted interact interacts interacted assemble assembles assembled reseal
  reseals resealed close closes cross crosses crossed blocks blocked swell swells swelled swollen shrink shrinks
  shrank shrunk enter enters entered leave leaves left wrap wraps wrapped fold folds folded pinch pinches pinched
  fuse fuses fused releases released stop stops stopped continue continues continued follow follows followed organise
  organises organised organize organizes organized gather gathers gathered realise realises realised realize realizes
  realized respond responds responded sloped switched works worked help helps helped ask asks asked start starts
  started turn turns turned use uses used using write writes wrote written read reads discuss discusses discussed
  cover covers covered mention mentions mentioned cause causes caused offer offers offered form forms formed faces
  faced pile piles piled push pushes pushed pull pulls pulled destroy destroys destroyed improve improves improved
  reports reported adjust adjusts adjusted cook cooks cooked graduate graduates graduated earn earns earned dropped
  exceed exceeds exceeded approach approaches approached touch touches touched stored insert inserts inserted delete
  deletes deleted remove removes removed walk walks walked checks checked maps mapped choose chooses chose chosen
  breaks broke ships shipped grow grows grew grown double doubles doubled stay stays stayed spreads lands landed mix
  mixes recover recovers recovered implement implements implemented sets runs ran running
`);

/** Auxiliaries and pronouns before which an "-ing" or "-ed" form is a verb ("is moving", "they pumped"). */
const VERB_CONTEXT_BEFORE = words(`
  is are was were be been being am has have had having get gets got will would can could may might must should shall
  it they we you i he she who that which keep keeps kept start starts started stop stops stopped to
`);

/** A determiner or object pronoun after a word makes that word a verb ("moving the ions", "hashing it"). */
export const OBJECT_WORDS = words("the a an their its them it his her our your these those this him us me my");

/** After a noun, a word followed by one of these is its verb ("elasticity measures how ..."). */
const VERB_OBJECT_AFTER = words("the a an their its them it his her our your these those this him us me my how what whether why");

/** Adverbs that sit before verbs, not nouns ("goods also shift demand"). */
const PRE_VERB_ADVERBS = words("also often still only just never always usually rarely sometimes simply directly slowly quickly all both");

const NOUN_SUFFIX = /(?:ion|ions|ment|ments|ness|ity|ities|ance|ances|ence|ences|ism|isms|ist|ists|ure|ures|ogy)$/;

export const MODALS = words("can could will would must should cannot may might shall");

/** Adjectives and quantifiers that describe rather than name: never part of a term. */
const VAGUE_ADJECTIVES = words(`
  important different small smaller smallest large larger largest big bigger biggest bad worse worst new old main simple
  whole certain several same various specific particular able possible true real easy hard right left quick quicker
  high higher highest low lower lowest more most less least few fewer first second third fourth last next previous final
  basic general common major minor key entire huge tiny little long longer short shorter great greater likely unlikely
  similar due overall useful interesting obvious clear another other others much many half classic typical famous
  better best fast faster slow slower strong stronger weak weaker sure own such nice fine whole far further
  simplest simpler easiest easier hardest harder biggest smallest largest highest lowest fastest slowest strongest weakest
  worst latest earliest closest closer greatest longest shortest cheapest cheaper
  extra single double original individual actual exact average central secret free full empty deep steep
  quite enough
`);

/** Nouns that never name a concept: classroom talk, vague placeholders. */
const NEVER_TERMS = words(`
  thing things way ways kind kinds sort sorts bit bits lot lots example examples instance instances idea ideas
  question questions answer answers lecture lectures week weeks time times people person class course minute minutes
  second seconds slide slides picture pictures case cases fact facts word words term terms sense reason reasons
  end ends piece pieces aspect aspects topic topics reading chapter chapters textbook student students year years
  day days hour hours rest job jobs name names story detail details consequence consequences couple regard respect
  result results outcome outcomes
  midterm exam exams homework trick tricks everyone's today's number numbers amount amounts share half part parts
  point points side sides direction directions combination combinations others lab labs symbol symbols
`);

/**
 * Vague nouns: they head real compounds ("income effect", "normal good", "law of demand",
 * "load factor") but alone name nothing a student would look up.
 */
export const VAGUE_NOUNS = words(`
  effect effects good goods problem problems role roles version versions order orders
  level levels type types form forms group groups area areas step steps value values rate rates change changes
  model models method methods process processes system systems structure structures function functions
  factor factors theory theories concept concepts principle principles property properties state states
  unit units item items element elements feature features measure measures law laws quantity quantities
  price prices market markets curve curves cost costs difference differences size sizes position positions
  period periods approach approaches technique techniques operation operations action actions activity
  activities pattern patterns condition conditions region regions space spaces surface surfaces line lines
  graph graphs diagram diagrams figure figures axis relationship relationships movement movements
  response responses shift shifts increase increases decrease decreases rise rises fall falls output outputs
  input inputs information data set sets list lists table tables sequence sequences collection collections
  range ranges version structure weakness strength strategy strategies distinction distinctions version
  guarantee guarantees place places slot slots version rule rules half marker markers
`);

const ING_NOUNS = words(
  "thing things nothing something anything everything string strings morning evening during ceiling king ring rings spring building buildings meaning meanings feeling feelings setting settings",
);
const ED_NOUNS = words("need speed seed feed bed red hundred shed breed creed greed deed weed sacred kindred");
const LY_NOUNS = words("assembly family supply anomaly monopoly oligopoly jelly butterfly italy july rally ally");

function lowerOf(token: Token): string {
  return token.text.toLowerCase().replace(/’/g, "'");
}

function isPluralWord(token: Token): boolean {
  const lower = lowerOf(token);
  if (isAcronym(token.text) || lower.includes("'") || lower.includes("-")) return false;
  return singularize(lower) !== lower;
}

function isIng(lower: string): boolean {
  return lower.length > 5 && lower.endsWith("ing") && !ING_NOUNS.has(lower);
}

function isEd(lower: string): boolean {
  return lower.length > 4 && lower.endsWith("ed") && !ED_NOUNS.has(lower);
}

/** The tag of token i of a sentence, from the word itself and its neighbours. */
function tagOf(tokens: Token[], i: number, text: string): Tag {
  const token = tokens[i] as Token;
  const lower = lowerOf(token);
  if (lower === "of") return "O";
  if (!isContentWord(token)) return "X";
  if (isAcronym(token.text)) return "N";
  if (VERBS.has(lower) || NEVER_TERMS.has(lower) || VAGUE_ADJECTIVES.has(lower)) return "X";
  if (lower.includes("'") && !lower.endsWith("'s")) return "X";
  if (lower.length < 3) return "X";
  if (lower.length > 4 && lower.endsWith("ly") && !LY_NOUNS.has(lower)) return "X";
  const prevToken = tokens[i - 1];
  const nextToken = tokens[i + 1];
  const prev = prevToken && /^\s*$/.test(text.slice(prevToken.end, token.start)) ? lowerOf(prevToken) : "";
  const next = nextToken && /^\s*$/.test(text.slice(token.end, nextToken.start)) ? lowerOf(nextToken) : "";
  const clauseEnds = !nextToken || /^\s*[.,;:!?)…]/.test(text.slice(token.end));
  if (isIng(lower) || isEd(lower)) {
    // "is moving the ions" is a verb; "Its weakness is clustering." a gerund.
    if (VERB_CONTEXT_BEFORE.has(prev) && !(isIng(lower) && clauseEnds)) return "X";
    if (OBJECT_WORDS.has(next)) return "X";
    if (i === 0 && isIng(lower) && (OBJECT_WORDS.has(next) || next === "")) return "X";
    return "G";
  }
  const afterNoun = prevToken !== undefined && prev !== "" && isContentWord(prevToken) && !VERBS.has(prev) && !STOPWORDS.has(prev);
  if (afterNoun && VERB_OBJECT_AFTER.has(next)) return "X";
  if (PRE_VERB_ADVERBS.has(prev) && !NOUN_SUFFIX.test(lower)) return "X";
  if (lower === "good" || lower === "goods") {
    // "a normal good", "related goods" name things; "a good hash function" describes one.
    return nextToken && /^\s+$/.test(text.slice(token.end, nextToken.start)) && isContentWord(nextToken) && !VERBS.has(next) ? "X" : "H";
  }
  if (VAGUE_NOUNS.has(lower)) return "H";
  return "N";
}

export interface Chunk {
  /** Token indexes [start, end) of the noun group; may contain one "of". */
  start: number;
  end: number;
}

export interface TaggedSentence {
  tags: Tag[];
  chunks: Chunk[];
  /** Chunk index per token, or -1 outside every chunk. */
  chunkOf: number[];
}

const tagCache = new WeakMap<Sentence, TaggedSentence>();

/**
 * Noun groups: maximal runs of N/H/G tokens separated only by spaces, broken after a plural
 * ("cells pump ions") or a possessive, optionally joined by one "of" to a following run
 * ("price elasticity of demand").
 */
export function tagSentence(sentence: Sentence): TaggedSentence {
  const cached = tagCache.get(sentence);
  if (cached) return cached;
  const { tokens, text } = sentence;
  const tags = tokens.map((_, i) => tagOf(tokens, i, text));
  const adjacent = (i: number) => i > 0 && /^\s+$/.test(text.slice((tokens[i - 1] as Token).end, (tokens[i] as Token).start));
  const isWord = (i: number) => tags[i] === "N" || tags[i] === "H" || tags[i] === "G";
  const runs: Chunk[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (!isWord(i)) {
      i++;
      continue;
    }
    const start = i;
    i++;
    while (i < tokens.length && isWord(i) && adjacent(i)) {
      const before = tokens[i - 1] as Token;
      if (isPluralWord(before) || lowerOf(before).endsWith("'s")) break;
      i++;
    }
    runs.push({ start, end: i });
  }
  // Join "A of B" when "of" sits directly between two runs.
  const chunks: Chunk[] = [];
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r] as Chunk;
    const next = runs[r + 1];
    const ofAt = run.end;
    if (
      next &&
      tags[ofAt] === "O" &&
      next.start === ofAt + 1 &&
      adjacent(ofAt) &&
      adjacent(ofAt + 1) &&
      !lowerOf(tokens[run.end - 1] as Token).endsWith("'s") &&
      tags[run.end - 1] !== "G"
    ) {
      chunks.push({ start: run.start, end: next.end });
      r++;
    } else {
      chunks.push(run);
    }
  }
  const chunkOf = tokens.map(() => -1);
  chunks.forEach((c, ci) => {
    for (let t = c.start; t < c.end; t++) chunkOf[t] = ci;
  });
  const tagged = { tags, chunks, chunkOf };
  tagCache.set(sentence, tagged);
  return tagged;
}

export interface Candidate {
  /** Token indexes [start, end) in the sentence. */
  start: number;
  end: number;
  chunk: number;
}

/**
 * Every phrase a noun group offers: contiguous sub-sequences of at most `maxWords` content
 * words that end on a noun (a gerund counts; "-ed" only after a noun, "quantity demanded"),
 * with "of" only between two non-empty sides.
 */
export function candidatesIn(sentence: Sentence, maxWords = 4): Candidate[] {
  const { tags, chunks } = tagSentence(sentence);
  const out: Candidate[] = [];
  chunks.forEach((chunk, ci) => {
    for (let s = chunk.start; s < chunk.end; s++) {
      if (tags[s] === "O") continue;
      let content = 0;
      for (let e = s + 1; e <= chunk.end; e++) {
        const last = e - 1;
        if (tags[last] === "O") continue;
        content++;
        if (content > maxWords) break;
        const lastLower = lowerOf(sentence.tokens[last] as Token);
        // "-ed" ends a phrase only right after a noun ("quantity demanded"), never alone.
        if (tags[last] === "G" && isEd(lastLower) && (last === s || tags[last - 1] === "O" || tags[last - 1] === "G")) continue;
        out.push({ start: s, end: e, chunk: ci });
      }
    }
  });
  return out;
}

/** True when the candidate ends in a post-nominal participle ("quantity demanded"). */
export function endsInParticiple(sentence: Sentence, c: Candidate): boolean {
  const lower = lowerOf(sentence.tokens[c.end - 1] as Token);
  return tagSentence(sentence).tags[c.end - 1] === "G" && isEd(lower);
}

/** True for a single vague noun ("law", "quantity", "effect"). */
export function isVagueNoun(word: string): boolean {
  return VAGUE_NOUNS.has(word.toLowerCase());
}

/** True for describing words that never name a concept ("long", "higher", "important"). */
export function isVagueAdjective(word: string): boolean {
  return VAGUE_ADJECTIVES.has(word.toLowerCase());
}
