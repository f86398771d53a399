/**
 * API keys: only the SHA-256 of a key is stored (src/auth/api-keys.ts). Each function is one round
 * trip. `owner` null means every owner's keys (an admin's view).
 */
import { and, count, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { PageRequest } from "../lib/pagination.ts";
import type { Db } from "./client.ts";
import { apiKeys } from "./schema.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** What lists show: everything but the hash. */
const listed = {
  id: apiKeys.id,
  owner_id: apiKeys.owner_id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  created_at: apiKeys.created_at,
  last_used_at: apiKeys.last_used_at,
};

export type ListedApiKey = Omit<ApiKeyRow, "secret_hash">;

export interface NewApiKey {
  id: string;
  ownerId: string;
  name: string;
  prefix: string;
  secretHash: string;
  scopes: string[];
}

export async function createApiKey(db: Db, key: NewApiKey): Promise<ListedApiKey> {
  const [row] = await db
    .insert(apiKeys)
    .values({ id: key.id, owner_id: key.ownerId, name: key.name, prefix: key.prefix, secret_hash: key.secretHash, scopes: key.scopes })
    .returning(listed);
  return row!;
}

const ownedBy = (owner: string | null) => (owner === null ? undefined : eq(apiKeys.owner_id, owner));

export async function listApiKeys(db: Db, owner: string | null, page: PageRequest) {
  const where = ownedBy(owner);
  const [rows, [total]] = await db.batch([
    db.select(listed).from(apiKeys).where(where).orderBy(desc(apiKeys.created_at), desc(apiKeys.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(apiKeys).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** Revokes a key at once. False when there is no such key (or it is another owner's). */
/**
 * Revokes the key: "missing" when the caller has no such key, "admin_key" when it is an admin key
 * and the caller may not revoke those (only an admin may). One statement.
 */
export async function deleteApiKey(db: Db, owner: string | null, id: string, mayRevokeAdmin: boolean): Promise<"deleted" | "missing" | "admin_key"> {
  const [target] = await db
    .with(db.$with("gone").as(
      db.delete(apiKeys)
        .where(and(eq(apiKeys.id, id), ownedBy(owner), mayRevokeAdmin ? undefined : sql`not (${apiKeys.scopes} @> '["admin"]'::jsonb)`))
        .returning({ id: apiKeys.id }),
    ))
    .select({ found: sql<number>`count(*)::int`, deleted: sql<number>`(select count(*)::int from gone)` })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), ownedBy(owner)));
  if (!target || target.found === 0) return "missing";
  return target.deleted > 0 ? "deleted" : "admin_key";
}

/** The key a bearer credential hashes to: what authentication needs, nothing more. */
export async function findApiKeyByHash(db: Db, secretHash: string) {
  const [row] = await db
    .select({ id: apiKeys.id, owner_id: apiKeys.owner_id, scopes: apiKeys.scopes, last_used_at: apiKeys.last_used_at })
    .from(apiKeys)
    .where(eq(apiKeys.secret_hash, secretHash));
  return row ?? null;
}

/**
 * Records that a key was used. Skipped in SQL when it was recorded less than `minIntervalSec` ago,
 * so isolates racing on a busy key write at most about once per interval.
 */
export async function touchApiKey(db: Db, id: string, minIntervalSec: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ last_used_at: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.last_used_at), lt(apiKeys.last_used_at, sql`now() - make_interval(secs => ${minIntervalSec})`)),
      ),
    );
}
