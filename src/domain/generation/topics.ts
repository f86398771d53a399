/**
 * Topic segmentation in the manner of TextTiling: compare the vocabulary of the few sentences
 * before and after every gap; where lexical cohesion dips deepest, the lecture changed topic.
 * Each topic is then named by the phrase most characteristic of it.
 */
import type { Analysis } from "./analysis.ts";
import { containsPhrase, type KeyPhrase } from "./keyphrases.ts";
import { capitalize, titleCase, wordCount } from "./text.ts";

export interface Range {
  start: number;
  end: number;
}

export interface TopicName {
  title: string;
  /** Keys of the phrase(s) in the title, so other topics can avoid repeating them. */
  keys: string[];
  /** The main phrase as written in the lecture, for use inside sentences. */
  phrase: string;
}

/**
 * Splits sentences [range.start, range.end) into at most `count` contiguous topics of at least
 * `minLength` sentences, cutting at the deepest cohesion valleys.
 */
export function segmentTopics(analysis: Analysis, range: Range, count: number, minLength: number): Range[] {
  const length = range.end - range.start;
  const maxTopics = Math.max(1, Math.min(count, Math.floor(length / minLength)));
  if (maxTopics <= 1) return [range];
  const window = Math.max(2, Math.min(5, Math.floor(length / (maxTopics * 2))));

  // Cohesion at gap g sits between sentences g-1 and g.
  const gaps: number[] = [];
  for (let g = range.start + 1; g < range.end; g++) gaps.push(g);
  const raw = gaps.map((g) =>
    bagCosine(bag(analysis, Math.max(range.start, g - window), g), bag(analysis, g, Math.min(range.end, g + window))),
  );
  const smooth = raw.map((_, i) => {
    const near = raw.slice(Math.max(0, i - 1), i + 2);
    return near.reduce((a, b) => a + b, 0) / near.length;
  });
  const depth = smooth.map((value, i) => {
    let left = i;
    while (left > 0 && (smooth[left - 1] as number) >= (smooth[left] as number)) left--;
    let right = i;
    while (right < smooth.length - 1 && (smooth[right + 1] as number) >= (smooth[right] as number)) right++;
    return (smooth[left] as number) - value + ((smooth[right] as number) - value);
  });

  // Lecturers announce turns ("Now, ...", "Let's move on", "To sum up"); a gap before such a
  // sentence counts as deeper.
  const positive = depth.filter((d) => d > 0);
  const bonus = positive.length > 0 ? (0.75 * positive.reduce((a, b) => a + b, 0)) / positive.length : 0;
  gaps.forEach((g, i) => {
    if (TOPIC_SHIFT.test(analysis.sentences[g]?.text ?? "")) depth[i] = (depth[i] as number) + bonus;
  });
  const order = gaps.map((g, i) => ({ g, depth: depth[i] as number })).sort((a, b) => b.depth - a.depth || a.g - b.g);
  const cuts: number[] = [];
  const fits = (g: number) =>
    g - range.start >= minLength && range.end - g >= minLength && cuts.every((c) => Math.abs(c - g) >= minLength);
  for (const { g, depth: d } of order) {
    if (cuts.length >= maxTopics - 1 || d <= 0) break;
    if (fits(g)) cuts.push(g);
  }
  // The deepest valleys can leave one topic swallowing half the lecture; split any topic much
  // longer than average at its own deepest valley.
  const maxLength = Math.max(minLength * 2, Math.ceil((1.5 * length) / maxTopics));
  for (let guard = 0; guard < maxTopics; guard++) {
    const bounds = [range.start, ...cuts.sort((a, b) => a - b), range.end];
    const long = bounds.slice(0, -1).findIndex((start, i) => (bounds[i + 1] as number) - start > maxLength);
    if (long < 0) break;
    const from = bounds[long] as number;
    const to = bounds[long + 1] as number;
    const split = order.find(({ g, depth: d }) => g > from && g < to && d > 0 && fits(g));
    if (!split) break;
    cuts.push(split.g);
  }
  cuts.sort((a, b) => a - b);
  // Smoothing blurs a boundary by a sentence or two; snap to an announced turn close by.
  const snapped = cuts.map((g, i) => {
    for (const d of [0, -1, 1, -2, 2]) {
      const at = g + d;
      const previous = i > 0 ? (cuts[i - 1] as number) : range.start;
      const next = i + 1 < cuts.length ? (cuts[i + 1] as number) : range.end;
      if (at - previous < minLength || next - at < minLength) continue;
      if (TOPIC_SHIFT.test(analysis.sentences[at]?.text ?? "")) return at;
    }
    return g;
  });
  const bounds = [range.start, ...snapped, range.end];
  return bounds.slice(0, -1).map((start, i) => ({ start, end: bounds[i + 1] as number }));
}

const TOPIC_SHIFT =
  /^(?:now\b|next\b|let's (?:move|turn|start|begin|look|return|go|talk)|let us\b|moving on|(?:so|ok(?:ay)?),? (?:how|what|why|now|let's)|before we (?:finish|move|go)|to sum up|to summari[sz]e|in summary|finally\b|another\b|a special case|there (?:are|is) also|the (?:next|last|final) (?:topic|thing|part|idea)|all right|alright)/i;

function bag(analysis: Analysis, from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = from; i < to; i++) for (const key of analysis.sentences[i]?.contentKeys ?? []) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function bagCosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w !== undefined) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Names each range by the phrase that is frequent in it and rare in the others (TF-IDF across
 * the ranges), never reusing a name. Two strong phrases give "A and B".
 */
export function nameTopics(
  analysis: Analysis,
  ranges: Range[],
  phrases: KeyPhrase[],
  opts: { keyTerms: ReadonlySet<string>; avoid?: ReadonlySet<string>; preferred?: (p: KeyPhrase) => boolean } = { keyTerms: new Set() },
): TopicName[] {
  const inRange = (p: KeyPhrase, r: Range) => p.sentences.filter((s) => s >= r.start && s < r.end).length;
  const used = new Set(opts.avoid ?? []);
  return ranges.map((range) => {
    const scored = phrases
      .map((p) => {
        const here = inRange(p, range);
        if (here === 0) return null;
        const spread = ranges.filter((r) => inRange(p, r) > 0).length;
        let score = here * Math.log(1 + ranges.length / spread) * Math.log2(1 + p.words);
        if (opts.keyTerms.has(p.key)) score *= 1.5;
        if (here < 2) score *= 0.5;
        return { p, score: Math.round(score * 1e6) / 1e6 };
      })
      .filter((x): x is { p: KeyPhrase; score: number } => x !== null && x.score > 0)
      .sort((a, b) => b.score - a.score || (a.p.key < b.p.key ? -1 : a.p.key > b.p.key ? 1 : 0));
    const unused = scored.filter(({ p }) => ![...used].some((u) => u === p.key || containsPhrase(p.key, u) || containsPhrase(u, p.key)));
    // Name by a key term or an established phrase when the topic has one.
    const preferred = opts.preferred ? unused.filter(({ p }) => (opts.preferred as (p: KeyPhrase) => boolean)(p)) : unused;
    const fresh = preferred.length > 0 ? preferred : unused;
    const first = fresh[0];
    if (!first) return fallbackName(analysis, range);
    const second = fresh.find(
      ({ p, score }) => score >= first.score * 0.75 && !containsPhrase(p.key, first.p.key) && !containsPhrase(first.p.key, p.key) && p.key !== first.p.key,
    );
    const keys = second ? [first.p.key, second.p.key] : [first.p.key];
    for (const k of keys) used.add(k);
    const title = second ? `${titleCase(first.p.surface)} and ${titleCase(second.p.surface)}` : titleCase(first.p.surface);
    return { title, keys, phrase: first.p.surface };
  });
}

/** With no usable phrase, the topic's first words name it; still the lecture's own words. */
function fallbackName(analysis: Analysis, range: Range): TopicName {
  const text = analysis.sentences[range.start]?.text ?? "";
  const words = text.replace(/[.!?…]+$/, "").split(/\s+/).slice(0, 6).join(" ");
  const title = wordCount(words) > 0 ? capitalize(words.replace(/[,;:]+$/, "")) : "Lecture";
  return { title, keys: [], phrase: words };
}
