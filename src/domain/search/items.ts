/**
 * The searchable items of a lecture's study material: one short text per key term, card,
 * question, outline node and summary section, each with the transcript moment it is grounded in
 * (its first cited segment; items the generator did not ground, such as outline nodes, take the
 * segment that shares the most words with them).
 */
import type { GeneratedContent, OutlineNode, SourceRef } from "../artifacts.ts";
import type { TranscriptSegment } from "../transcript.ts";
import { overlap, stems } from "./terms.ts";

export interface SearchableItem {
  artifactType: keyof GeneratedContent;
  itemIndex: number;
  text: string;
  segmentIndex: number | null;
  startSec: number | null;
  endSec: number | null;
}

const join = (...parts: (string | undefined | null)[]) => parts.filter((p) => p && p.trim()).join(" — ");

/** The segment sharing the most content words with `text`; null when none shares any. */
export function closestSegment(text: string, segments: readonly TranscriptSegment[]): number | null {
  const query = new Set(stems(text));
  let best: number | null = null;
  let bestScore = 0;
  segments.forEach((segment, i) => {
    const score = overlap(query, segment.text);
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

export function searchableItems(content: GeneratedContent, segments: readonly TranscriptSegment[]): SearchableItem[] {
  const items: SearchableItem[] = [];
  const add = (artifactType: SearchableItem["artifactType"], text: string, sources?: readonly SourceRef[]) => {
    if (!text.trim()) return;
    const source = sources?.[0];
    const index = source ? source.segmentIndex : closestSegment(text, segments);
    const segment = index === null ? undefined : segments[index];
    const itemIndex = items.filter((i) => i.artifactType === artifactType).length;
    items.push({
      artifactType,
      itemIndex,
      text,
      segmentIndex: segment ? index : null,
      startSec: source?.startSec ?? segment?.startSec ?? null,
      endSec: source?.endSec ?? segment?.endSec ?? null,
    });
  };
  add("summary", content.summary.overview);
  for (const section of content.summary.sections) add("summary", join(section.title, section.bullets.join(" ")), section.sources);
  const walk = (nodes: readonly OutlineNode[]) => {
    for (const node of nodes) {
      add("outline", join(node.title, (node.points ?? []).join(" ")));
      if (node.children) walk(node.children);
    }
  };
  walk(content.outline.outline);
  for (const term of content["key-terms"].terms) add("key-terms", join(term.term, term.definition, term.example), term.sources);
  for (const card of content.flashcards.cards) add("flashcards", join(card.front, card.back), card.sources);
  for (const q of content["exam-questions"].questions) add("exam-questions", join(q.prompt, q.answer, (q.choices ?? []).join("; ")), q.sources);
  return items;
}
