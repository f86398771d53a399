/**
 * What retrieval hands to answering and to the API: passages of transcript or study material with
 * the moment of the recording they come from.
 */

export type PassageKind = "transcript" | "artifact";

export interface Passage {
  kind: PassageKind;
  lectureId: string;
  lectureTitle: string;
  /** When the lecture was created: "lecture order" for answers. */
  lectureCreatedAt: string;
  /** Artifact items only: which artifact and which item of it. */
  artifactType: string | null;
  itemIndex: number | null;
  segmentIndex: number | null;
  startSec: number | null;
  endSec: number | null;
  text: string;
  snippet: string;
  score: number;
}

/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009) merges the full-text and semantic
 * rankings: a passage scores the sum over rankings of 1 / (RRF_K + its position, from 1), so one
 * that both rankings place well rises, without comparing their incomparable scores (ts_rank_cd
 * against cosine). RRF_K damps the weight of the very top positions; 60 is the paper's value.
 * The sum is computed where the rankings are (src/db/search.ts), so pages cut one fused order.
 */
export const RRF_K = 60;

/** Lecture order: the lecture's creation, then its id, then the position in the transcript. */
export function byLectureOrder(a: Passage, b: Passage): number {
  return (
    a.lectureCreatedAt.localeCompare(b.lectureCreatedAt) ||
    a.lectureId.localeCompare(b.lectureId) ||
    (a.segmentIndex ?? 0) - (b.segmentIndex ?? 0)
  );
}
