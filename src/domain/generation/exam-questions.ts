/** Exam questions: pools of each kind, drawn in the preset's mix and interleaved. */
import type { ExamQuestionsContent } from "../artifacts.ts";
import { sourcesOf, type Sentence } from "./analysis.ts";
import {
  aroundBlank,
  articleFor,
  blanked,
  bullet,
  centralSentences,
  CUES,
  isEvidence,
  isInformative,
  isPlural,
  sentenceText,
  termsIn,
  whatIs,
  type Lecture,
  type Term,
  type Topic,
} from "./lecture.ts";
import { containsPhrase, findOccurrences, type Occurrence } from "./phrase-matching.ts";
import { scaled, type QuestionKind } from "./style.ts";
import { capitalize, isAcronym, normalizeTerm, stableHash } from "./text.ts";
import type { Range } from "./topics.ts";

type Question = ExamQuestionsContent["questions"][number];

export function buildQuestions(lecture: Lecture): ExamQuestionsContent {
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
