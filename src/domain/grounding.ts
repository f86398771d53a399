/**
 * Grounding: every `sources` entry must point at a real transcript segment and carry that
 * segment's times. Generators cite by index; this pass drops what does not exist and copies the
 * times from the segments themselves.
 */
import type { GeneratedContent, SourceRef } from "./artifacts.ts";
import type { TranscriptSegment } from "./transcript.ts";

function fix(sources: SourceRef[] | undefined, segments: readonly TranscriptSegment[]): SourceRef[] | undefined {
  if (!sources) return undefined;
  const seen = new Set<number>();
  const fixed: SourceRef[] = [];
  for (const { segmentIndex } of sources) {
    const segment = segments[segmentIndex];
    if (!segment || seen.has(segmentIndex)) continue;
    seen.add(segmentIndex);
    fixed.push({ segmentIndex, startSec: segment.startSec, endSec: segment.endSec });
  }
  return fixed.length > 0 ? fixed : undefined;
}

function withSources<T extends { sources?: SourceRef[] }>(item: T, segments: readonly TranscriptSegment[]): T {
  const { sources, ...rest } = item;
  const fixed = fix(sources, segments);
  return (fixed ? { ...rest, sources: fixed } : rest) as T;
}

export function groundContent(content: GeneratedContent, segments: readonly TranscriptSegment[]): GeneratedContent {
  return {
    summary: { ...content.summary, sections: content.summary.sections.map((s) => withSources(s, segments)) },
    outline: content.outline,
    "key-terms": { terms: content["key-terms"].terms.map((t) => withSources(t, segments)) },
    flashcards: { cards: content.flashcards.cards.map((c) => withSources(c, segments)) },
    "exam-questions": { questions: content["exam-questions"].questions.map((q) => withSources(q, segments)) },
  };
}
