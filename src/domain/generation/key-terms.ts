/** Key terms in the order the lecture first mentions them, with definition and example. */
import type { KeyTermsContent } from "../artifacts.ts";
import { sourcesOf } from "./analysis.ts";
import { bullet, type Lecture } from "./lecture.ts";

export function buildKeyTerms(lecture: Lecture): KeyTermsContent {
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
