/**
 * Multipart uploads in flight. A row is written when an upload is opened and removed when the
 * upload is aborted, or in the same transaction that records its object in a lecture (or after
 * the object is deleted again). So a row that stays behind marks an upload or an object that
 * nothing references: its request died. The recovery sweep aborts and deletes those.
 */
import { and, asc, count, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { lectures, multipartUploads } from "./schema.ts";

export interface UploadRef {
  key: string;
  uploadId: string;
}

export async function recordUpload(db: Db, upload: UploadRef) {
  await db.insert(multipartUploads).values({ key: upload.key, upload_id: upload.uploadId }).onConflictDoNothing();
}

export const forgetUploadStatement = (db: Db, upload: UploadRef, when: SQL = sql`true`) =>
  db.delete(multipartUploads).where(and(eq(multipartUploads.key, upload.key), eq(multipartUploads.upload_id, upload.uploadId), when));

export async function forgetUpload(db: Db, upload: UploadRef) {
  await forgetUploadStatement(db, upload);
}

/**
 * Uploads opened more than `olderThanSec` ago, oldest first, and whether a lecture references the
 * object (then only the row is stale). `uriPrefix` turns a key into the URI rows store.
 */
export async function staleUploads(db: Db, olderThanSec: number, uriPrefix: string, limit: number) {
  return db
    .select({
      key: multipartUploads.key,
      uploadId: multipartUploads.upload_id,
      referenced: sql<boolean>`exists (select 1 from ${lectures} where ${lectures.audio_path} = ${uriPrefix} || ${multipartUploads.key})`,
    })
    .from(multipartUploads)
    .where(sql`${multipartUploads.created_at} < now() - make_interval(secs => ${olderThanSec})`)
    .orderBy(asc(multipartUploads.created_at))
    .limit(limit);
}

/** One statement for all of them. */
export async function forgetUploads(db: Db, uploads: UploadRef[]) {
  if (uploads.length === 0) return;
  await db
    .delete(multipartUploads)
    .where(sql`(${multipartUploads.key}, ${multipartUploads.upload_id}) in (${sql.join(
      uploads.map((u) => sql`(${u.key}, ${u.uploadId})`),
      sql`, `,
    )})`);
}

/** Multipart uploads still recorded as open (in flight, or abandoned and not yet swept). */
export async function countOpenUploads(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(multipartUploads);
  return row?.n ?? 0;
}
