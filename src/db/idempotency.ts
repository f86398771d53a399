/**
 * Idempotency-Key records (src/lib/idempotency.ts decides what is kept and when). A record is
 * claimed with `response_status` null, then completed with the answer or deleted. Its
 * `created_at` doubles as the claim's token: a takeover resets it, so only the claim that wrote
 * it can complete or release the record.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Claim, ClaimOutcome, ClaimRequest, IdempotencyStore, StoredResponse } from "../lib/idempotency.ts";
import type { Db } from "./client.ts";
import { idempotencyKeys } from "./schema.ts";

/** Microseconds, in ISO 8601 (read back the same whatever the session's DateStyle). */
const tokenOf = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

interface ClaimRow {
  claimed: boolean;
  token: string;
  fingerprint: string | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

/**
 * One statement: insert the claim, or take over a record that has expired or was abandoned in
 * flight; otherwise return the record that holds the key. The statement's own read may miss a
 * record a concurrent request committed after it began (ON CONFLICT sees it, the snapshot does
 * not): then nothing comes back and the statement runs again with a fresh snapshot.
 */
export async function claimIdempotencyKey(db: Db, r: ClaimRequest): Promise<ClaimOutcome> {
  for (let tries = 0; tries < 3; tries++) {
    const { rows } = await db.execute<ClaimRow & Record<string, unknown>>(sql`
      with claimed as (
        insert into ${idempotencyKeys} as k (owner_id, key, fingerprint, created_at, expires_at)
        values (${r.owner}, ${r.key}, ${r.fingerprint}, now(), now() + make_interval(secs => ${r.ttlSec}))
        on conflict (owner_id, key) do update set
          fingerprint = excluded.fingerprint, response_status = null, response_headers = null, response_body = null,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        where k.expires_at <= now()
          or (k.response_status is null and k.created_at < now() - make_interval(secs => ${r.takeoverAfterSec}))
        returning ${tokenOf("k.created_at")} as token
      )
      select true as claimed, token, null::text as fingerprint, null::int as response_status,
        null::jsonb as response_headers, null::text as response_body
      from claimed
      union all
      select false, ${tokenOf("created_at")}, fingerprint, response_status, response_headers, response_body
      from ${idempotencyKeys}
      where owner_id = ${r.owner} and key = ${r.key} and not exists (select 1 from claimed)
    `);
    const row = rows[0];
    if (!row) continue;
    if (row.claimed) return { claimed: true, token: row.token };
    return {
      claimed: false,
      record: {
        fingerprint: row.fingerprint!,
        response:
          row.response_status === null
            ? null
            : { status: row.response_status, headers: row.response_headers ?? {}, body: row.response_body ?? "" },
      },
    };
  }
  throw new Error("could not claim or read the idempotency key");
}

const ofClaim = (claim: Claim) =>
  and(
    eq(idempotencyKeys.owner_id, claim.owner),
    eq(idempotencyKeys.key, claim.key),
    isNull(idempotencyKeys.response_status),
    sql`${idempotencyKeys.created_at} = ${claim.token}::timestamptz`,
  );

/** Stores the answer; a no-op when the claim was taken over meanwhile. */
export async function completeIdempotencyKey(db: Db, claim: Claim, response: StoredResponse) {
  await db
    .update(idempotencyKeys)
    .set({ response_status: response.status, response_headers: response.headers, response_body: response.body })
    .where(ofClaim(claim));
}

/** Deletes the claim (a retry does the work again); a no-op when it was taken over meanwhile. */
export async function releaseIdempotencyKey(db: Db, claim: Claim) {
  await db.delete(idempotencyKeys).where(ofClaim(claim));
}

export const idempotencyStore = (db: Db): IdempotencyStore => ({
  claim: (request) => claimIdempotencyKey(db, request),
  complete: (claim, response) => completeIdempotencyKey(db, claim, response),
  release: (claim) => releaseIdempotencyKey(db, claim),
});

/**
 * Deletes up to `limit` expired records, oldest first (the expires_at index); returns how many.
 * Run by the cron every minute: an expired record is already treated as absent by a claim, so the
 * sweep only reclaims space and may lag.
 */
export async function sweepIdempotencyKeys(db: Db, limit = 1000): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with gone as (
      delete from ${idempotencyKeys}
      where (owner_id, key) in (
        select owner_id, key from ${idempotencyKeys} where expires_at <= now() order by expires_at limit ${limit}
      )
      returning 1
    )
    select count(*)::int as n from gone
  `);
  return rows[0]?.n ?? 0;
}
