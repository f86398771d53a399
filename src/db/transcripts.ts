/** Transcript segments: replaced as a whole when a lecture is transcribed again. */
import { and, asc, sql, type SQL } from "drizzle-orm";
import type { TranscriptSegment } from "../domain/transcript.ts";
import type { Db } from "./client.ts";
import { jobGuard, type JobClaim } from "./job-guard.ts";
import { lectureIs, ofLecture, type LectureKey } from "./owner.ts";
import { lectures, transcriptSegments } from "./schema.ts";

/**
 * One transaction: the old segments never mix with the new ones. Given the transcription job,
 * nothing is written unless that job still runs under the same attempt (see job-guard.ts).
 */
export async function saveTranscript(db: Db, key: LectureKey, transcriptPath: string, segments: TranscriptSegment[], job?: JobClaim) {
  const { lock, owned } = jobGuard(db, job);
  // All segments travel as one JSON parameter, however long the lecture.
  const rows = JSON.stringify(segments.map((s, i) => ({ i, s: s.startSec, e: s.endSec, t: s.text })));
  await db.batch([
    ...lock,
    clearTranscriptStatement(db, key, owned),
    db.insert(transcriptSegments).select(sql`
      select ${key.owner}::text, ${key.lectureId}::text, r.i, r.s, r.e, r.t
      from jsonb_to_recordset(${rows}::jsonb) as r(i int, s float8, e float8, t text)
      where ${owned}`),
    db
      .update(lectures)
      .set({ status: "transcribed", transcript_path: transcriptPath, updated_at: sql`now()` })
      .where(and(lectureIs(key), owned)),
  ] as unknown as Parameters<Db["batch"]>[0]);
}

/** Deletes the lecture's segments when `when` holds (for a batch that decides in SQL). */
export const clearTranscriptStatement = (db: Db, key: LectureKey, when: SQL = sql`true`) =>
  db.delete(transcriptSegments).where(and(ofLecture(transcriptSegments, key), when));

export const segmentsOf = (db: Db, key: LectureKey) =>
  db
    .select({ startSec: transcriptSegments.start_sec, endSec: transcriptSegments.end_sec, text: transcriptSegments.text })
    .from(transcriptSegments)
    .where(ofLecture(transcriptSegments, key))
    .orderBy(asc(transcriptSegments.segment_index));
