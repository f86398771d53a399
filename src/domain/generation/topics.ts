/**
 * Topic segmentation in the manner of TextTiling: compare the vocabulary of the few sentences
 * before and after every gap; where lexical cohesion dips deepest, the lecture changed topic.
 * Each topic is then named by the phrase most characteristic of it.
 */
import type { Analysis } from "./analysis.ts";
import { containsPhrase, type KeyPhrase } from "./phrase-matching.ts";
import { titleCase } from "./text.ts";

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
  // Smoothing blurs a boundary by a sentence or two; snap to an announced turn close by, and
  // never open a topic with a sentence that continues the one before ("This is called ...").
  const snapped: number[] = [];
  cuts.forEach((g, i) => {
    const previous = i > 0 ? (snapped[i - 1] as number) : range.start;
    const next = i + 1 < cuts.length ? (cuts[i + 1] as number) : range.end;
    const allowed = (at: number) => at - previous >= minLength && next - at >= minLength;
    const text = (at: number) => analysis.sentences[at]?.text ?? "";
    let best = g;
    const announced = [0, -1, 1, -2, 2].map((d) => g + d).find((at) => allowed(at) && TOPIC_SHIFT.test(text(at)));
    if (announced !== undefined) best = announced;
    else {
      for (const d of [0, 1, -1, 2]) {
        const at = g + d;
        if (allowed(at) && !CONTINUES.test(text(at))) {
          best = at;
          break;
        }
      }
    }
    snapped.push(best);
  });
  const bounds = [range.start, ...snapped, range.end];
  return bounds.slice(0, -1).map((start, i) => ({ start, end: bounds[i + 1] as number }));
}

const TOPIC_SHIFT =
  /^(?:now\b|next\b|let's (?:move|turn|start|begin|look|return|go|talk)|let us\b|let me (?:finish|end|close|turn|start|begin|move)|moving on|(?:so|ok(?:ay)?),? (?:how|what|why|now|let's|to sum|to summari[sz]e)|before we (?:finish|move|go)|to sum up|to summari[sz]e|in summary|finally\b|another\b|a special case|there (?:are|is) also|there is one more|one more (?:idea|thing|concept|topic)|here is an? (?:worked |quick )?example|the (?:next|last|final) (?:topic|thing|part|idea)|all right|alright|what shifts|why does (?:this|that|it) matter)/i;

/** A sentence that carries on from the one before it cannot open a topic. */
const CONTINUES =
  /^(?:this|that|these|those|it|its|they|their|such|but|and|or|so\b(?!,? (?:how|what|why|now|let's|to sum|to summari[sz]e))|then|also|however|therefore|thus|hence|instead|in both cases|in that case|in this case)\b|^[^,]{0,40},\s+on the other hand,/i;

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

/** The lecture's topics at the default granularity: about one per 220 words, at most ten. */
export function lectureTopics(analysis: Analysis): Range[] {
  const sentences = analysis.sentences.length;
  if (sentences === 0) return [];
  const wanted = Math.max(1, Math.min(10, Math.round(analysis.totalWords / 220)));
  const minLength = sentences >= 12 ? 3 : 2;
  return segmentTopics(analysis, { start: 0, end: sentences }, wanted, minLength);
}

export interface NameOptions {
  keyTerms: ReadonlySet<string>;
  avoid?: ReadonlySet<string>;
  /** Where each key term is defined or introduced (sentence index): a topic is named after what it introduces. */
  introduced?: ReadonlyMap<string, number>;
}

/**
 * Names each range by noun phrases: its key terms first (the ones it introduces most of all),
 * else a recurring multi-word phrase frequent in it and rare in the other ranges (TF-IDF across
 * the ranges), never reusing a name. Two strong phrases give "A and B". Candidates are noun
 * phrases by construction, so a title is never a verb fragment.
 */
export function nameTopics(analysis: Analysis, ranges: Range[], phrases: KeyPhrase[], opts: NameOptions = { keyTerms: new Set() }): TopicName[] {
  const inRange = (p: KeyPhrase, r: Range) => p.sentences.filter((s) => s >= r.start && s < r.end).length;
  const used = new Set(opts.avoid ?? []);
  const contentWords = (p: KeyPhrase) => p.key.split(" ").filter((w) => w !== "of").length;
  const nameable = phrases.filter((p) => p.score > 0 && !p.vague && (opts.keyTerms.has(p.key) || (contentWords(p) >= 2 && p.count >= 2)));
  const homeOf = (key: string) => {
    const at = opts.introduced?.get(key);
    return at === undefined ? -1 : ranges.findIndex((r) => at >= r.start && at < r.end);
  };
  return ranges.map((range, index) => {
    // The first term a topic introduces is usually what the topic is about.
    const firstIntroduced = [...(opts.introduced ?? new Map<string, number>())]
      .filter(([, at]) => at >= range.start && at < range.end)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    const scored = nameable
      .map((p) => {
        const here = inRange(p, range);
        if (here === 0) return null;
        const spread = ranges.filter((r) => inRange(p, r) > 0).length;
        const home = homeOf(p.key);
        const introducedHere = home === index;
        // A term the topic introduces names it however often the rest of the lecture uses it;
        // anything else must be frequent here and rare elsewhere (TF-IDF across topics).
        let score = Math.log2(1 + here) * Math.log2(1 + contentWords(p)) * (introducedHere ? 1 : Math.log(1 + ranges.length / spread));
        if (opts.keyTerms.has(p.key)) score *= 1.5;
        if (introducedHere) score *= p.key === firstIntroduced ? 4 : 2;
        else if (home >= 0) score *= 0.4;
        if (here < 2 && !introducedHere) score *= 0.5;
        return { p, score: Math.round(score * 1e6) / 1e6 };
      })
      .filter((x): x is { p: KeyPhrase; score: number } => x !== null && x.score > 0)
      .sort((a, b) => b.score - a.score || (a.p.key < b.p.key ? -1 : a.p.key > b.p.key ? 1 : 0));
    // A name is used once, except that a topic may take back the term it introduces.
    const fresh = scored.filter(
      ({ p }) => homeOf(p.key) === index || ![...used].some((u) => u === p.key || containsPhrase(p.key, u) || containsPhrase(u, p.key)),
    );
    const first = fresh[0];
    if (!first) return fallbackName(range, phrases, used);
    const second = fresh.find(
      ({ p, score }) => score >= first.score * 0.75 && !containsPhrase(p.key, first.p.key) && !containsPhrase(first.p.key, p.key) && p.key !== first.p.key,
    );
    const keys = second ? [first.p.key, second.p.key] : [first.p.key];
    for (const k of keys) used.add(k);
    // "A and B" in the order the topic brings them up.
    const firstAt = (p: KeyPhrase) => p.sentences.find((s) => s >= range.start && s < range.end) ?? range.end;
    const pair = second ? [first.p, second.p].sort((a, b) => firstAt(a) - firstAt(b)) : [first.p];
    const title = pair.map((p) => titleCase(p.surface)).join(" and ");
    return { title, keys, phrase: first.p.surface };
  });
}

/** With no key term or recurring phrase, the topic's most characteristic noun phrase names it. */
function fallbackName(range: Range, phrases: KeyPhrase[], used: ReadonlySet<string>): TopicName {
  const here = phrases.filter((p) => p.score > 0 && p.sentences.some((s) => s >= range.start && s < range.end));
  const pick = here.find((p) => !p.vague && !used.has(p.key)) ?? here.find((p) => !used.has(p.key)) ?? here[0];
  if (!pick) return { title: "Lecture", keys: [], phrase: "the lecture" };
  return { title: titleCase(pick.surface), keys: [pick.key], phrase: pick.surface };
}
