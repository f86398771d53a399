/**
 * Word-level text helpers shared by the offline generator and the thread detector: tokens,
 * stopword lists, light singularisation, the term match key, title case and shortening.
 * Everything here is pure and locale-independent so output is byte-identical across runs.
 */

export interface Token {
  /** The word as written. */
  text: string;
  /** Match key: lowercase, diacritics stripped, singular; hyphenated words become several keys. */
  key: string;
  start: number;
  end: number;
}

// Words joined by an inner apostrophe or hyphen stay one token ("sodium-potassium", "cell's").
const WORD = /[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index ?? 0;
    tokens.push({ text: m[0], key: normalizeTerm(m[0]), start, end: start + m[0].length });
  }
  return tokens;
}

export function wordCount(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/** Function words: never part of a term, ignored for similarity. */
export const STOPWORDS = new Set(
  (
    "a about above after again against all am an and any are aren't as at be because been before being below " +
    "between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each " +
    "either else ever every few for from further had hadn't has hasn't have haven't having he he'd he'll he's her " +
    "here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself " +
    "just let's me might mightn't more most must mustn't my myself neither no nor not of off on once only or other " +
    "ought our ours ourselves out over own same shall shan't she she'd she'll she's should shouldn't so some such " +
    "than that that's the their theirs them themselves then there there's these they they'd they'll they're " +
    "they've this those though through to too under until up upon us very was wasn't we we'd we'll we're we've " +
    "were weren't what what's when when's where where's whether which while who who's whom whose why why's will " +
    "with within without won't would wouldn't you you'd you'll you're you've your yours yourself yourselves also " +
    "yet may one two three four five six seven eight nine ten hundred thousand million via per onto toward " +
    "towards across along among around behind beyond inside outside since unless whereas whatever whenever " +
    "wherever however therefore thus hence instead rather quite really actually basically literally just even " +
    "together apart away back forward forwards inward inwards outward outwards straight everywhere somewhere " +
    "nowhere ahead eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty " +
    "forty fifty sixty seventy eighty ninety minus plus " +
    "still already always never often sometimes usually perhaps maybe probably almost enough much many lot lots"
  ).split(" "),
);

/** Spoken filler and classroom talk: carries no lecture content. */
const FILLER = new Set(
  (
    "okay ok um uh uhm er erm ah oh yeah yep yes alright right well gonna wanna gotta kinda sorta today now " +
    "sure thanks thank please hello hi everyone everybody guys folks anyway anyways like stuff something " +
    "anything everything nothing someone somebody anyone everyone etc"
  ).split(" "),
);

/** True for words that carry lecture content (used for similarity). */
export function isContentWord(token: Token): boolean {
  const lower = token.text.toLowerCase().replace(/’/g, "'");
  if (STOPWORDS.has(lower) || FILLER.has(lower)) return false;
  if (/^\p{N}+$/u.test(lower)) return false;
  // Contractions other than a possessive 's are function words ("we've", "doesn't").
  if (lower.includes("'") && !lower.endsWith("'s")) return false;
  return lower.length >= 2;
}

export function isAcronym(word: string): boolean {
  return /^\p{Lu}[\p{Lu}\p{N}]+s?$/u.test(word) && word.length >= 2;
}

const INVARIANT = new Set(
  (
    "series species news physics mathematics genetics genomics economics statistics politics dynamics kinetics " +
    "thermodynamics mechanics ethics electronics linguistics logistics optics acoustics biomechanics diabetes " +
    "lens atlas canvas pancreas chaos cosmos ethos pathos means always perhaps whereas headaches aches caches " +
    "niches"
  ).split(" "),
);
const IRREGULAR: Record<string, string> = {
  analyses: "analysis",
  hypotheses: "hypothesis",
  syntheses: "synthesis",
  theses: "thesis",
  crises: "crisis",
  diagnoses: "diagnosis",
  children: "child",
  mice: "mouse",
  feet: "foot",
  teeth: "tooth",
  criteria: "criterion",
  phenomena: "phenomenon",
  women: "woman",
  men: "man",
};

/**
 * Light English singularisation, just enough for plural and singular mentions of one concept to
 * share a key. Deliberately conservative: "analysis", "nucleus", "process" stay as they are.
 */
export function singularize(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  if (word.length <= 3 || INVARIANT.has(word) || !/^\p{L}+$/u.test(word)) return word;
  if (/(?:ss|us|is|ias)$/.test(word)) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:sses|xes|ches|shes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

/**
 * The key two mentions of a term share: lowercase, no diacritics or punctuation, hyphen and
 * space equivalent, each word singular. "Cell-Membranes" and "cell membrane" both give
 * "cell membrane".
 */
export function normalizeTerm(text: string): string {
  const words = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/['’`]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  return words.map(singularize).join(" ");
}

const SMALL_WORDS = new Set(["a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "via", "with"]);

/** Headline case that keeps acronyms ("ATP Synthase") and capitalises hyphen parts. */
export function titleCase(phrase: string): string {
  return phrase
    .split(/\s+/)
    .filter(Boolean)
    .map((word, i) => {
      if (i > 0 && SMALL_WORDS.has(word.toLowerCase())) return word.toLowerCase();
      return word
        .split("-")
        .map((part) => (isAcronym(part) || /\p{Lu}/u.test(part.slice(1)) ? part : capitalize(part)))
        .join("-");
    })
    .join(" ");
}

export function capitalize(text: string): string {
  const first = text.codePointAt(0);
  if (first === undefined) return text;
  const head = String.fromCodePoint(first);
  return head.toUpperCase() + text.slice(head.length);
}

/** Cuts text to at most maxChars on a word boundary, marking the cut with an ellipsis. */
export function truncateChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars - 1);
  const lastSpace = cut.lastIndexOf(" ");
  const head = lastSpace > maxChars * 0.5 ? cut.slice(0, lastSpace) : cut;
  return `${head.replace(/[\s,;:.\-–—]+$/u, "")}…`;
}

// Spoken openers. Words that also start ordinary sentences ("Right ventricle", "Second
// messengers") only count when a comma marks them as an opener.
const LEADING_DISCOURSE = new RegExp(
  String.raw`^(?:(?:(?:so|now|okay|ok|and|but|basically|actually|anyway|in fact|of course|as you can see|as i said|you know|you see|to sum up|to summari[sz]e|in summary|in short|in other words)\b,?|(?:well|right|alright|remember|also|then|again|first(?:ly)?|second(?:ly)?|finally|overall)\b,)\s+)+`,
  "i",
);

const DANGLING = new Set(
  "a an the of to in on at by for from with and or but as that which than into onto through between its their our your his her this these those is are was were be even".split(" "),
);

/** Words a phrase-level cut may stop before: prepositions, conjunctions, relative words. */
const PHRASE_BOUNDARY = new Set(
  (
    "of in on at by for from with to into onto through between across toward towards against within without over under " +
    "about after before during since until per via than as like that which who whom whose where when while because " +
    "although though if unless whereas whether and or but so including"
  ).split(" "),
);

/**
 * Asides that can go without changing what a sentence says: spoken ones ("other things equal",
 * "on the other hand") and short examples ("such as SHA-256", "like butter and margarine").
 */
const ASIDE =
  /,\s+(?:other things (?:being )?equal|all (?:else|other things) (?:being )?equal|ceteris paribus|on the other hand|of course|in fact|in turn|by the way|as you (?:can see|know)|if you like|roughly speaking|in other words|for example|for instance|in general|as a rule|though|however|therefore|again|also|too|as well|(?:such as|like|e\.g\.) [^,]{1,40}),\s+(?=(\p{L}+))/giu;
/** A word that opens a new clause: the comma before it stays when the aside goes. */
const CLAUSE_OPENER = /^(?:so|and|but|which|because|while|although|whereas|when|where|since|as|or|then|though|unless|until)$/i;

/** Drops spoken openers ("So, now,", "To sum up,") when enough of the sentence remains. */
export function stripOpener(sentence: string): string {
  const rest = sentence.trim().replace(LEADING_DISCOURSE, "");
  return wordCount(rest) >= 3 && rest !== sentence.trim() ? capitalize(rest) : sentence.trim();
}

export interface ShortenOptions {
  /** Rather than cut into the sentence's core, keep it whole up to this many words. */
  hardMax?: number;
  /** A cut must keep at least this many words (the subject and its defining verb, say). */
  keepWords?: number;
}

function withoutAsides(text: string): string {
  return text
    .replace(/\s*\([^()]*\)/g, "")
    .replace(/\s+[—–]\s+[^—–]*\s+[—–]\s+/g, " ")
    .replace(/\s+-\s+[^-]*\s+-\s+/g, " ")
    .replace(ASIDE, (_aside: string, next: string, at: number, all: string) =>
      CLAUSE_OPENER.test(next) && !/\bthat$/i.test(all.slice(0, at)) ? ", " : " ",
    )
    .trim();
}

// A real clause boundary (not the comma in "a thin, flexible barrier").
const CLAUSE_BOUNDARY =
  /[;:]\s+|\s+[—–-]\s+|,\s+(?=(?:which|and|but|so|because|while|although|whereas|where|when|since|including|meaning|unless|until|though|as|even if|even though|even when)\b)/gi;

/** The longest head before a clause boundary with between `min` and `max` words, as a sentence. */
function clauseCut(text: string, min: number, max: number): string | null {
  let best: string | null = null;
  for (const m of text.matchAll(CLAUSE_BOUNDARY)) {
    const head = text.slice(0, m.index);
    const n = wordCount(head);
    if (n > max) break;
    if (n >= min) best = head;
  }
  return best ? `${best.replace(/[\s,;:]+$/, "")}.` : null;
}

/**
 * The longest head that stops before a preposition, conjunction or relative word ("... and the
 * quantity…" rather than "... and the…"), with between `min` and `max` words.
 */
function phraseCut(text: string, min: number, max: number): string | null {
  const words = text.split(/\s+/);
  for (let n = Math.min(max, words.length - 1); n >= min; n--) {
    const next = (words[n] as string).toLowerCase().replace(/[^\p{L}']/gu, "");
    const last = (words[n - 1] as string).toLowerCase().replace(/[^\p{L}']/gu, "");
    if (!PHRASE_BOUNDARY.has(next) || DANGLING.has(last) || /[,;:]$/.test(words[n - 1] as string)) continue;
    return `${words.slice(0, n).join(" ").replace(/[\s,;:.\-–—]+$/u, "")}…`;
  }
  return null;
}

/** Cuts on a word boundary, ending on a content word, with an ellipsis. */
function wordCut(text: string, max: number): string {
  const words = text.split(/\s+/).slice(0, max);
  for (let dropped = 0; dropped < 3 && words.length > 4; dropped++) {
    const last = (words[words.length - 1] as string).toLowerCase().replace(/[^\p{L}']/gu, "");
    if (!DANGLING.has(last) && !PHRASE_BOUNDARY.has(last)) break;
    words.pop();
  }
  return `${words.join(" ").replace(/[\s,;:.\-–—]+$/u, "")}…`;
}

/**
 * Shortens a lecture sentence to at most maxWords (or opts.hardMax): drops spoken openers
 * ("So, now,"), asides in parentheses, between dashes or commas ("other things equal"), then
 * trailing clauses; a cut inside a clause stops before a preposition or conjunction, never on an
 * article or preposition, and is marked with "…". A cut never goes below opts.keepWords, so a
 * definition keeps its subject and predicate. The wording stays the lecturer's.
 */
export function shortenSentence(sentence: string, maxWords: number, opts: ShortenOptions = {}): string {
  let text = stripOpener(sentence);
  if (wordCount(text) <= maxWords) return text;
  text = withoutAsides(text);
  if (wordCount(text) <= maxWords) return text;
  const keep = Math.max(opts.keepWords ?? 0, Math.min(5, maxWords));
  const hard = Math.max(maxWords, opts.hardMax ?? maxWords);
  const clause = keep <= maxWords ? clauseCut(text, keep, maxWords) : null;
  if (clause) return clause;
  if (wordCount(text) <= hard) return text;
  const phrase = keep <= maxWords ? phraseCut(text, Math.max(keep, Math.ceil(maxWords * 0.6)), maxWords) : null;
  if (phrase) return phrase;
  if (hard > maxWords) {
    const looser = clauseCut(text, keep, hard) ?? phraseCut(text, Math.max(keep, Math.ceil(hard * 0.6)), hard);
    if (looser) return looser;
  }
  return wordCut(text, Math.max(hard, Math.min(keep, wordCount(text))));
}

/** FNV-1a: a stable small hash for deterministic choices (no randomness anywhere). */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
