/** The outline: one node per topic, with its central points (concept-map mode: its concepts too). */
import type { OutlineContent, OutlineNode } from "../artifacts.ts";
import type { Sentence } from "./analysis.ts";
import { bullet, centralSentences, CUES, isInformative, termsIn, type Lecture, type Term } from "./lecture.ts";
import { titleCase } from "./text.ts";
import type { Range } from "./topics.ts";

export function buildOutline(lecture: Lecture): OutlineContent {
  const { style, analysis } = lecture;
  const inRange = (range: Range) => (s: Sentence) => s.index >= range.start && s.index < range.end;
  const pointsFor = (range: Range, count: number, exclude: ReadonlySet<number> = new Set()): number[] => {
    const picks = centralSentences(lecture, count, (s) => inRange(range)(s) && isInformative(s), exclude);
    return picks.length > 0 ? picks : centralSentences(lecture, 1, inRange(range), exclude);
  };
  const outline: OutlineNode[] = lecture.topics.map((topic) => {
    const node: OutlineNode = { title: topic.name.title };
    // Concept-map mode: each topic branches into the concepts it introduces, each with its
    // definition and, when the lecture gives one, how it relates to another concept.
    // A child repeating its parent's title adds nothing.
    const concepts = style.hierarchical
      ? lecture.terms.filter((t) => inRange(topic)(analysis.sentences[t.introduced] as Sentence) && topic.name.title !== titleCase(t.phrase.surface))
      : [];
    if (concepts.length > 0) {
      const used = new Set<number>();
      node.children = concepts
        .sort((a, b) => a.introduced - b.introduced)
        .map((term) => {
          used.add(term.introduced);
          const points = [term.defined ? term.shortBack : bullet(lecture, term.introduced)];
          const relation = relationSentence(lecture, term, topic, used);
          if (relation !== null) {
            used.add(relation);
            points.push(bullet(lecture, relation));
          }
          return { title: titleCase(term.phrase.surface), points };
        });
      node.points = pointsFor(topic, 1, used).map((si) => bullet(lecture, si));
    } else {
      node.points = pointsFor(topic, style.outlinePoints).map((si) => bullet(lecture, si));
    }
    if (node.points.length === 0) delete node.points;
    return node;
  });
  return { outline };
}

/** A sentence in the topic linking this term to another key term with a relation verb. */
function relationSentence(lecture: Lecture, term: Term, topic: Range, used: ReadonlySet<number>): number | null {
  for (const si of lecture.byCentrality) {
    if (si < topic.start || si >= topic.end || used.has(si)) continue;
    const sentence = lecture.analysis.sentences[si] as Sentence;
    if (!term.phrase.sentences.includes(si) || !CUES.relation.test(sentence.text) || !isInformative(sentence)) continue;
    if (termsIn(lecture, si).some((other) => other !== term)) return si;
  }
  return null;
}
