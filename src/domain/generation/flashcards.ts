/** Flashcards: "What is X?" for each defined term, then cloze cards from central sentences. */
import type { FlashcardsContent } from "../artifacts.ts";
import { sourcesOf, type Sentence } from "./analysis.ts";
import { aroundBlank, BLANK, blanked, isInformative, termsIn, whatIs, type Lecture, type Term } from "./lecture.ts";
import { findOccurrences } from "./phrase-matching.ts";
import { scaled } from "./style.ts";
import { shortenSentence } from "./text.ts";

export function buildFlashcards(lecture: Lecture): FlashcardsContent {
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
