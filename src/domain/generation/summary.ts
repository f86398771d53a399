/** The summary: an overview, then the preset's sections, each made of the lecture's own sentences. */
import type { ExamQuestionsContent, FlashcardsContent, SourceRef, SummaryContent } from "../artifacts.ts";
import { sourcesOf, type Sentence } from "./analysis.ts";
import { EXAMPLE_CUE } from "./definitions.ts";
import {
  bullet,
  centralSentences,
  CUES,
  isEvidence,
  isInformative,
  LEANS_ON_CONTEXT,
  META_TALK,
  sentenceText,
  termsIn,
  type Lecture,
  type Term,
} from "./lecture.ts";
import { capitalize, shortenSentence, titleCase, wordCount } from "./text.ts";

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

export function buildSummary(lecture: Lecture, questions: ExamQuestionsContent, cards: FlashcardsContent): SummaryContent {
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

function mergeSources(lists: SourceRef[][]): SourceRef[] {
  const byIndex = new Map<number, SourceRef>();
  for (const list of lists) for (const ref of list) byIndex.set(ref.segmentIndex, ref);
  return [...byIndex.values()].sort((a, b) => a.segmentIndex - b.segmentIndex);
}
