/** Transcript segments: replaced as a whole when a lecture is transcribed again. */
import { asc, eq, sql } from "drizzle-orm";
import type { TranscriptSegment } from "../domain/transcript.ts";
import type { Db } from "./client.ts";
import { lectures, transcriptSegments } from "./schema.ts";

/** Rows per INSERT statement: keeps each statement well under Postgres' parameter limit. */
const ROWS_PER_INSERT = 1000;

export async function saveTranscript(db: Db, lectureId: string, transcriptPath: string, segments: TranscriptSegment[]) {
  const inserts = [];
  for (let i = 0; i < segments.length; i += ROWS_PER_INSERT) {
    inserts.push(
      db.insert(transcriptSegments).values(
        segments.slice(i, i + ROWS_PER_INSERT).map((s, j) => ({
          lecture_id: lectureId,
          segment_index: i + j,
          start_sec: s.startSec,
          end_sec: s.endSec,
          text: s.text,
        })),
      ),
    );
  }
  // One transaction: the old segments never mix with the new ones.
  await db.batch([
    db.delete(transcriptSegments).where(eq(transcriptSegments.lecture_id, lectureId)),
    ...inserts,
    db
      .update(lectures)
      .set({ status: "transcribed", transcript_path: transcriptPath, updated_at: sql`now()` })
      .where(eq(lectures.id, lectureId)),
  ]);
}

export const segmentsOf = (db: Db, lectureId: string) =>
  db
    .select({ startSec: transcriptSegments.start_sec, endSec: transcriptSegments.end_sec, text: transcriptSegments.text })
    .from(transcriptSegments)
    .where(eq(transcriptSegments.lecture_id, lectureId))
    .orderBy(asc(transcriptSegments.segment_index));
