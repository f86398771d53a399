/**
 * The transcript as every stage sees it: ordered, timed segments.
 */
export interface TranscriptSegment {
  startSec: number;
  endSec: number;
  text: string;
}

/** One recognised word with its times, when the speech-to-text provider reports them. */
export interface TranscriptWord {
  startSec: number;
  endSec: number;
  word: string;
}

export interface Transcript {
  lectureId: string;
  createdAt: string;
  language: string | null;
  text: string;
  segments: TranscriptSegment[];
  /** Word times, kept in the stored transcript only (segments are what the stages use). */
  words?: TranscriptWord[];
  engine: { provider: string; model: string };
  /** Length of the lecture's audio (all its recordings); absent in transcripts stored before it was kept. */
  durationSec?: number;
  /** How many provider requests the audio was cut into (1 for a recording sent whole, 0 for an upload). */
  chunkCount?: number;
}
