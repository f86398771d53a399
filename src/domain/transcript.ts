/**
 * The transcript as every stage sees it: ordered, timed segments.
 */
export interface TranscriptSegment {
  startSec: number;
  endSec: number;
  text: string;
}

export interface Transcript {
  lectureId: string;
  createdAt: string;
  language: string | null;
  text: string;
  segments: TranscriptSegment[];
  engine: { provider: string; model: string };
}
