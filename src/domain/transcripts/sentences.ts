/**
 * Sentence boundaries in lecture text. Rule-based: a terminator followed by whitespace ends a
 * sentence unless it belongs to an abbreviation ("e.g.", "Dr.", "Fig. 3") or the next word starts
 * in lower case (so "approx. two" and "... and then" stay whole). Blank lines always end one.
 * Unpunctuated speech (raw captions) is cut into chunks of a few dozen words so no "sentence"
 * swallows a whole lecture.
 */

export interface Span {
  start: number;
  end: number;
}

const TERMINATORS = ".!?…";
const CLOSERS = `"'”’)]»`;

// Never sentence-final when followed by more text.
const ABBREVIATIONS = new Set([
  "dr", "mr", "mrs", "ms", "prof", "st", "sr", "jr", "vs", "cf", "al", "approx", "ca", "viz", "resp",
  "inc", "ltd", "co", "dept", "ph.d", "e.g", "i.e", "eg", "ie", "esp", "incl", "avg",
]);
// Abbreviations only when a number follows ("Fig. 3", "No. 5"); otherwise ordinary words.
const NUMERIC_ABBREVIATIONS = new Set(["no", "nos", "fig", "figs", "eq", "eqs", "vol", "pp", "p", "ch", "sec", "ref", "tab"]);

const MAX_SENTENCE_WORDS = 60;
const CHUNK_WORDS = 40;

function isAbbreviation(word: string, next: string): boolean {
  const lower = word.toLowerCase();
  if (ABBREVIATIONS.has(lower)) return true;
  if (/^(?:\p{L}\.)+\p{L}$/u.test(word)) return true; // e.g, i.e, U.S, a.m
  if (/^\p{Lu}$/u.test(word)) return true; // an initial: "J. Watson"
  return NUMERIC_ABBREVIATIONS.has(lower) && /\p{N}/u.test(next);
}

function splitParagraph(text: string, offset: number, out: Span[]): void {
  let start = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i] as string;
    if (!TERMINATORS.includes(ch)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < n && TERMINATORS.includes(text[j + 1] as string)) j++;
    let k = j;
    while (k + 1 < n && CLOSERS.includes(text[k + 1] as string)) k++;
    if (k + 1 >= n || !/\s/.test(text[k + 1] as string)) {
      i = k + 1;
      continue;
    }
    let m = k + 1;
    while (m < n && /\s/.test(text[m] as string)) m++;
    if (m >= n) break;
    const next = text[m] as string;
    const run = text.slice(i, j + 1);
    let split: boolean;
    if (/[!?]/.test(run)) {
      split = true;
    } else if (run === ".") {
      const word = /[\p{L}\p{N}.]+$/u.exec(text.slice(start, i))?.[0] ?? "";
      split = !isAbbreviation(word, next) && !/\p{Ll}/u.test(next);
    } else {
      split = !/\p{Ll}/u.test(next); // an ellipsis ends a sentence only before a capital
    }
    if (split) {
      pushTrimmed(text, start, k + 1, offset, out);
      start = m;
      i = m;
    } else {
      i = k + 1;
    }
  }
  pushTrimmed(text, start, n, offset, out);
}

function pushTrimmed(text: string, start: number, end: number, offset: number, out: Span[]): void {
  while (start < end && /\s/.test(text[start] as string)) start++;
  while (end > start && /\s/.test(text[end - 1] as string)) end--;
  if (end <= start) return;
  for (const piece of chunkLong(text, start, end)) out.push({ start: piece.start + offset, end: piece.end + offset });
}

/** Splits an over-long run of words, preferring a comma, at most CHUNK_WORDS words per piece. */
function chunkLong(text: string, start: number, end: number): Span[] {
  const words = [...text.slice(start, end).matchAll(/\S+/g)].map((m) => ({
    start: start + (m.index ?? 0),
    end: start + (m.index ?? 0) + m[0].length,
    text: m[0],
  }));
  if (words.length <= MAX_SENTENCE_WORDS) return [{ start, end }];
  const pieces: Span[] = [];
  let from = 0;
  while (from < words.length) {
    if (words.length - from <= MAX_SENTENCE_WORDS && words.length - from <= CHUNK_WORDS * 1.5) {
      pieces.push({ start: words[from]!.start, end: words[words.length - 1]!.end });
      break;
    }
    let cut = Math.min(words.length, from + CHUNK_WORDS) - 1;
    for (let w = cut; w >= from + Math.floor(CHUNK_WORDS / 2); w--) {
      if (/[,;:]$/.test(words[w]!.text)) {
        cut = w;
        break;
      }
    }
    pieces.push({ start: words[from]!.start, end: words[cut]!.end });
    from = cut + 1;
  }
  return pieces;
}

/** Sentence spans (character offsets into text), trimmed and in order. */
export function sentenceSpans(text: string): Span[] {
  const out: Span[] = [];
  const paragraphBreak = /\n[ \t]*\n\s*/g;
  let from = 0;
  for (const m of text.matchAll(paragraphBreak)) {
    splitParagraph(text.slice(from, m.index), from, out);
    from = (m.index ?? 0) + m[0].length;
  }
  splitParagraph(text.slice(from), from, out);
  return out;
}

/** Sentences with inner whitespace (line wraps) collapsed to single spaces. */
export function splitSentences(text: string): string[] {
  return sentenceSpans(text).map((s) => text.slice(s.start, s.end).replace(/\s+/g, " "));
}
