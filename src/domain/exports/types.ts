/**
 * Everything an export renderer needs about one lecture, gathered by the caller. Renderers are
 * pure functions of this value: no storage, no clock, no randomness.
 */
import type { Artifact } from "../artifacts.ts";

export interface ExportLecture {
  id: string;
  title: string;
  courseId: string;
  courseTitle?: string;
  presetId: string;
  presetName?: string;
  durationSec?: number;
}

export interface ExportArtifacts {
  summary: Artifact<"summary">;
  outline: Artifact<"outline">;
  "key-terms": Artifact<"key-terms">;
  flashcards: Artifact<"flashcards">;
  "exam-questions": Artifact<"exam-questions">;
}

/** A course thread as stored in the database (snake_case, like the wire format). */
export interface ExportThread {
  id: string;
  title: string;
  summary: string;
  status: string;
  complexity_level: number;
  lecture_refs: string[];
}

export interface ExportBundle {
  lecture: ExportLecture;
  artifacts: ExportArtifacts;
  threads: ExportThread[];
  /** ISO date-time of the export; the only "now" a renderer may show. */
  generatedAt: string;
}
