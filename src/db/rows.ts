/**
 * The rows the database module returns. The HTTP layer shapes them for the API
 * (src/routes/representations.ts).
 */
import type { artifacts, courses, jobs, lectureExports, lectures, threads } from "./schema.ts";

export type CourseRow = typeof courses.$inferSelect;
export type LectureRow = typeof lectures.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type ArtifactRow = typeof artifacts.$inferSelect;
export type ExportRow = typeof lectureExports.$inferSelect;
export type ThreadRow = typeof threads.$inferSelect;

/** Thread details aggregated in SQL, timestamps already in RFC 3339. */
export interface EvolutionNoteRow {
  lecture_id: string;
  change_type: string;
  note: string;
  created_at: string;
}

export interface OccurrenceRow {
  lecture_id: string;
  artifact_id: string;
  evidence: string;
  confidence: number;
  segment_index: number | null;
  captured_at: string;
}
