/**
 * Rows as the API shows them: snake_case keys as stored, timestamps in RFC 3339 UTC. Jobs are the
 * exception: they are camelCase payloads, as clients of the original contract expect
 * (decisions.md, "Kept exactly").
 */
import type { ArtifactRow, CourseRow, EvolutionNoteRow, ExportRow, JobRow, LectureRow, OccurrenceRow, ThreadRow } from "../db/rows.ts";
import { toRfc3339 } from "../lib/time.ts";

export const courseOut = (r: CourseRow) => ({
  id: r.id,
  title: r.title,
  created_at: toRfc3339(r.created_at),
  updated_at: toRfc3339(r.updated_at),
});

export const lectureOut = (r: LectureRow) => ({
  id: r.id,
  course_id: r.course_id,
  preset_id: r.preset_id,
  title: r.title,
  status: r.status,
  audio_path: r.audio_path,
  transcript_path: r.transcript_path,
  created_at: toRfc3339(r.created_at),
  updated_at: toRfc3339(r.updated_at),
  duration_sec: r.duration_sec,
  source_type: r.source_type,
  original_filename: r.original_filename,
  content_type: r.content_type,
  size_bytes: r.size_bytes,
  checksum_sha256: r.checksum_sha256,
  audio_expired_at: r.audio_expired_at ? toRfc3339(r.audio_expired_at) : null,
});

/** A stage's latest job as progress reads it, timestamps in RFC 3339. */
export const stageJobOut = <T extends { created_at: string; updated_at: string }>(r: T) => ({
  ...r,
  created_at: toRfc3339(r.created_at),
  updated_at: toRfc3339(r.updated_at),
});

export const jobOut = (r: JobRow) => ({
  id: r.id,
  status: r.status,
  jobType: r.job_type,
  result: r.result ?? null,
  error: r.error,
  lectureId: r.lecture_id,
  attempt: r.attempt,
  maxAttempts: r.max_attempts,
  nextAttemptAt: toRfc3339(r.next_attempt_at),
  createdAt: toRfc3339(r.created_at),
  updatedAt: toRfc3339(r.updated_at),
  startedAt: toRfc3339(r.started_at),
  finishedAt: toRfc3339(r.finished_at),
  replayedFromJobId: r.replayed_from_job_id,
});

export const artifactOut = (r: ArtifactRow) => ({
  id: r.id,
  lecture_id: r.lecture_id,
  course_id: r.course_id,
  preset_id: r.preset_id,
  artifact_type: r.artifact_type,
  storage_path: r.storage_path,
  summary_overview: r.summary_overview,
  summary_section_count: r.summary_section_count,
  created_at: toRfc3339(r.created_at),
});

export const exportOut = (r: ExportRow) => ({
  id: r.id,
  lecture_id: r.lecture_id,
  export_type: r.export_type,
  storage_path: r.storage_path,
  created_at: toRfc3339(r.created_at),
});

export const threadOut = (
  r: ThreadRow,
  details?: { evolution_notes: EvolutionNoteRow[]; occurrences: OccurrenceRow[] },
) => ({
  id: r.id,
  course_id: r.course_id,
  title: r.title,
  summary: r.summary,
  status: r.status,
  complexity_level: r.complexity_level,
  lecture_refs: r.lecture_refs,
  created_at: toRfc3339(r.created_at),
  updated_at: toRfc3339(r.updated_at),
  ...(details ?? {}),
});
