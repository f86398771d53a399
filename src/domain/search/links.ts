import type { GeneratedContent, SourceRef } from "../artifacts.ts";

/**
 * Deep links into a recording: the authenticated audio route with a Media Fragments `#t=start,end`
 * suffix (W3C Media Fragments URI 1.0, Normal Play Time in seconds), which a browser's media
 * element honours by starting playback there.
 */

/** Seconds as NPT: at most two decimals, no trailing zeros ("12", "12.5"). */
function npt(seconds: number): string {
  const value = Math.max(0, Math.round(seconds * 100) / 100);
  return String(value);
}

export function audioPath(lectureId: string): string {
  return `/lectures/${encodeURIComponent(lectureId)}/audio`;
}

/** `/lectures/<id>/audio#t=12.5,20`; a moment without an end plays from its start. */
export function momentLink(lectureId: string, startSec: number, endSec?: number | null): string {
  const end = endSec !== undefined && endSec !== null && endSec > startSec ? `,${npt(endSec)}` : "";
  return `${audioPath(lectureId)}#t=${npt(startSec)}${end}`;
}

const linkOf = (lectureId: string, sources: readonly SourceRef[] | undefined) => {
  const first = sources?.[0];
  return first ? { link: momentLink(lectureId, first.startSec, first.endSec) } : {};
};

/** Flashcards and exam questions get the link of the first segment they are grounded in. */
export function withMomentLinks(content: GeneratedContent, lectureId: string): GeneratedContent {
  return {
    ...content,
    flashcards: { cards: content.flashcards.cards.map((card) => ({ ...card, ...linkOf(lectureId, card.sources) })) },
    "exam-questions": { questions: content["exam-questions"].questions.map((q) => ({ ...q, ...linkOf(lectureId, q.sources) })) },
  };
}
