/**
 * A lecture's recordings: its own audio (recording 1, on the lecture row) and the parts appended
 * later (lecture_recordings, 2, 3, ...). Reads are one round trip; appending is one batch.
 */
import { and, asc, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client.ts";
import { lectureIs, lockLecture, ofLecture, type LectureKey } from "./owner.ts";
import { jobs, lectureRecordings, lectures } from "./schema.ts";

export type RecordingRow = typeof lectureRecordings.$inferSelect;

export async function getLectureRecordings(db: Db, key: LectureKey) {
  const [[lecture], appended] = await db.batch([
    db.select().from(lectures).where(lectureIs(key)),
    db.select().from(lectureRecordings).where(ofLecture(lectureRecordings, key)).orderBy(asc(lectureRecordings.position)),
  ]);
  return { lecture: lecture ?? null, appended };
}

export interface NewRecording {
  audioPath: string;
  originalFilename: string | null;
  contentType: string | null;
  sizeBytes: number;
  checksumSha256: string | null;
}

export type AppendOutcome =
  | { appended: true; position: number; createdAt: string }
  | { appended: false; reason: "lecture_not_found" | "no_audio" | "transcription_active" };

/**
 * Appends a recording after the lecture's others, unless the lecture is gone, has no audio of its
 * own (expired, or never had one), or a transcription is queued or running (its plan would miss
 * the new part). Serialised with ingest and deletion on the lecture lock. `alongside` gives
 * statements for the same transaction, told by `appended` whether the recording was appended (the
 * stored object's upload bookkeeping, which must go with it).
 */
export async function appendRecording(
  db: Db,
  key: LectureKey,
  r: NewRecording,
  alongside: (appended: SQL) => BatchItem<"pg">[] = () => [],
): Promise<AppendOutcome> {
  const activeTranscription = sql`exists (select 1 from ${jobs} where ${ofLecture(jobs, key)} and ${jobs.job_type} = 'transcription' and ${jobs.status} in ('queued', 'running'))`;
  const allowed = sql`exists (select 1 from ${lectures} where ${lectureIs(key)} and ${lectures.audio_path} is not null) and not ${activeTranscription}`;
  const insert = db.execute(sql`
    insert into ${lectureRecordings} (owner_id, lecture_id, position, audio_path, original_filename, content_type, size_bytes, checksum_sha256)
    select ${key.owner}::text, ${key.lectureId}::text,
      coalesce((select max(position) from ${lectureRecordings} where ${ofLecture(lectureRecordings, key)}), 1) + 1,
      ${r.audioPath}::text, ${r.originalFilename}::text, ${r.contentType}::text, ${r.sizeBytes}::bigint, ${r.checksumSha256}::text
    where ${allowed}
    returning position, created_at`);
  const statements = [
    lockLecture(db, key),
    db.execute(sql`select
      exists (select 1 from ${lectures} where ${lectureIs(key)}) as lecture,
      exists (select 1 from ${lectures} where ${lectureIs(key)} and ${lectures.audio_path} is not null) as audio,
      ${activeTranscription} as active`),
    insert,
    ...alongside(sql`exists (select 1 from ${lectureRecordings} where ${ofLecture(lectureRecordings, key)} and ${lectureRecordings.audio_path} = ${r.audioPath})`),
  ];
  const results = (await db.batch(statements as unknown as Parameters<Db["batch"]>[0])) as unknown as { rows: Record<string, unknown>[] }[];
  const [row] = results[2]!.rows as { position: number; created_at: string }[];
  if (row) return { appended: true, position: Number(row.position), createdAt: row.created_at };
  const [state] = results[1]!.rows as { lecture: boolean; audio: boolean; active: boolean }[];
  return { appended: false, reason: !state?.lecture ? "lecture_not_found" : !state.audio ? "no_audio" : "transcription_active" };
}

/** Deletes the lecture's appended recordings when `when` holds; returns their audio paths. */
export const clearRecordingsStatement = (db: Db, key: LectureKey, when = sql`true`) =>
  db.delete(lectureRecordings).where(and(ofLecture(lectureRecordings, key), when)).returning({ path: lectureRecordings.audio_path });

