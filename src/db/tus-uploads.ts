/**
 * Resumable (tus) uploads: one row per upload, scoped by owner. A PATCH claims the row (the offset
 * it names must be the stored one and no other PATCH may hold it), commits after every part, and
 * releases it at the end; the commit checks the claim, so a PATCH whose claim lapsed writes nothing.
 */
import { and, count, eq, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { lectures, tusUploads } from "./schema.ts";

export type TusUploadRow = typeof tusUploads.$inferSelect;

export interface TusUploadRef {
  owner: string;
  id: string;
}

const uploadIs = (ref: TusUploadRef): SQL => and(eq(tusUploads.owner_id, ref.owner), eq(tusUploads.id, ref.id))!;

export interface NewTusUpload extends TusUploadRef {
  key: string;
  partSize: number;
  length: number;
  metadata: Record<string, string>;
  expirySec: number;
}

export async function createTusUpload(db: Db, u: NewTusUpload): Promise<TusUploadRow> {
  const [row] = await db
    .insert(tusUploads)
    .values({
      owner_id: u.owner,
      id: u.id,
      key: u.key,
      part_size: u.partSize,
      upload_length: u.length,
      metadata: u.metadata,
      expires_at: sql`now() + make_interval(secs => ${u.expirySec})`,
    })
    .returning();
  return row!;
}

export async function getTusUpload(db: Db, ref: TusUploadRef): Promise<TusUploadRow | undefined> {
  const [row] = await db.select().from(tusUploads).where(uploadIs(ref));
  return row;
}

/**
 * Takes the upload for one PATCH: it must be live, unclaimed (or its claim lapsed) and at
 * `offset`. Undefined when any of that fails (the caller reads the row to say which).
 */
export async function claimTusUpload(db: Db, ref: TusUploadRef, offset: number, token: string, leaseSec: number): Promise<TusUploadRow | undefined> {
  const [row] = await db
    .update(tusUploads)
    .set({ lock_token: token, locked_until: sql`now() + make_interval(secs => ${leaseSec})`, updated_at: sql`now()` })
    .where(
      and(
        uploadIs(ref),
        eq(tusUploads.upload_offset, offset),
        isNull(tusUploads.completed_at),
        sql`${tusUploads.expires_at} > now()`,
        sql`(${tusUploads.locked_until} is null or ${tusUploads.locked_until} < now())`,
      ),
    )
    .returning();
  return row;
}

export interface TusWrite {
  offset: number;
  multipartUploadId?: string | null;
  /** ETags of the parts written since the last commit, in order. */
  newEtags?: string[];
  tailKey?: string | null;
  /** The SHA-256 state as of `offset` (src/lib/sha256.ts). */
  sha256State?: string;
  /** Keep the claim (renewed for `leaseSec`) or give it up. */
  leaseSec?: number;
}

/** Records progress under the claim `token`; false when the claim was lost (nothing written). */
export async function commitTusWrite(db: Db, ref: TusUploadRef, token: string, w: TusWrite): Promise<boolean> {
  const rows = await db
    .update(tusUploads)
    .set({
      upload_offset: w.offset,
      ...(w.multipartUploadId !== undefined ? { multipart_upload_id: w.multipartUploadId } : {}),
      ...(w.newEtags?.length ? { part_etags: sql`${tusUploads.part_etags} || ${JSON.stringify(w.newEtags)}::jsonb` } : {}),
      ...(w.tailKey !== undefined ? { tail_key: w.tailKey } : {}),
      ...(w.sha256State !== undefined ? { sha256_state: w.sha256State } : {}),
      ...(w.leaseSec
        ? { locked_until: sql`now() + make_interval(secs => ${w.leaseSec})` }
        : { lock_token: null, locked_until: null }),
      updated_at: sql`now()`,
    })
    .where(and(uploadIs(ref), eq(tusUploads.lock_token, token)))
    .returning({ id: tusUploads.id });
  return rows.length > 0;
}

export async function releaseTusUpload(db: Db, ref: TusUploadRef, token: string): Promise<void> {
  await db
    .update(tusUploads)
    .set({ lock_token: null, locked_until: null })
    .where(and(uploadIs(ref), eq(tusUploads.lock_token, token)));
}

/** Marks the upload as recorded in `lectureId`; for the batch that writes the lecture. */
export const completeTusUploadStatement = (db: Db, ref: TusUploadRef, lectureId: string, when: SQL = sql`true`) =>
  db
    .update(tusUploads)
    .set({ completed_at: sql`now()`, lecture_id: lectureId, lock_token: null, locked_until: null, updated_at: sql`now()` })
    .where(and(uploadIs(ref), when));

/**
 * Termination: a finished upload's row is removed (its object is the lecture's); an unfinished one
 * is expired at once, so no request may use it and the sweep removes its parts if we cannot now.
 */
export async function terminateTusUpload(db: Db, ref: TusUploadRef): Promise<TusUploadRow | undefined> {
  const [row] = await db
    .update(tusUploads)
    .set({ expires_at: sql`now() - interval '1 second'`, lock_token: null, locked_until: null })
    .where(and(uploadIs(ref), sql`${tusUploads.expires_at} > now()`))
    .returning();
  return row;
}

export async function forgetTusUpload(db: Db, ref: TusUploadRef): Promise<void> {
  await db.delete(tusUploads).where(uploadIs(ref));
}

/**
 * Expired uploads, oldest first, skipping any a PATCH still holds, and whether a lecture
 * references the object at `key` (then only the row is left to remove). `uriPrefix` turns a key
 * into the URI rows store.
 */
export async function expiredTusUploads(db: Db, uriPrefix: string, limit: number) {
  return db
    .select({
      owner: tusUploads.owner_id,
      id: tusUploads.id,
      key: tusUploads.key,
      multipartUploadId: tusUploads.multipart_upload_id,
      tailKey: tusUploads.tail_key,
      completed: sql<boolean>`${tusUploads.completed_at} is not null`,
      referenced: sql<boolean>`exists (select 1 from ${lectures} where ${lectures.audio_path} = ${uriPrefix} || ${tusUploads.key})`,
    })
    .from(tusUploads)
    .where(and(lt(tusUploads.expires_at, sql`now()`), sql`(${tusUploads.locked_until} is null or ${tusUploads.locked_until} < now())`))
    .orderBy(tusUploads.expires_at)
    .limit(limit);
}

/** One statement for all of them. */
export async function forgetTusUploads(db: Db, refs: TusUploadRef[]): Promise<void> {
  if (refs.length === 0) return;
  await db
    .delete(tusUploads)
    .where(sql`(${tusUploads.owner_id}, ${tusUploads.id}) in (${sql.join(
      refs.map((r) => sql`(${r.owner}, ${r.id})`),
      sql`, `,
    )})`);
}

/**
 * Unfinished uploads (in flight, or expired and not yet swept): what keeps the cron sweeping. A
 * finished upload's row only waits to be dropped; it need not keep the database awake.
 */
/** Live uploads whose every byte is stored but which are not recorded yet (an append that had to wait). */
export async function stalledTusUploads(db: Db, limit: number): Promise<TusUploadRow[]> {
  return db
    .select()
    .from(tusUploads)
    .where(
      and(
        isNull(tusUploads.completed_at),
        sql`${tusUploads.upload_offset} = ${tusUploads.upload_length}`,
        sql`${tusUploads.expires_at} > now()`,
        sql`(${tusUploads.locked_until} is null or ${tusUploads.locked_until} < now())`,
      ),
    )
    .limit(limit);
}

export async function countUnfinishedTusUploads(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tusUploads).where(isNull(tusUploads.completed_at));
  return row?.n ?? 0;
}
