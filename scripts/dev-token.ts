/**
 * The local admin API key of `npm run dev`: made once for DEFAULT_OWNER and kept in .data/dev-token,
 * so restarts reuse it. A new one is made when the file is missing or its key is no longer in the
 * database (revoked, or a fresh database). Keys are made and hashed by the Worker's own module.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateApiKey, hashApiKey, isWellFormedApiKey } from "../src/auth/api-keys.ts";
import { DEFAULT_OWNER } from "../src/domain/principal.ts";

export async function ensureDevToken(databaseUrl: string, fetchEndpoint: string, file: string): Promise<{ key: string; created: boolean }> {
  neonConfig.fetchEndpoint = fetchEndpoint;
  const sql = neon(databaseUrl);
  const saved = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  if (isWellFormedApiKey(saved)) {
    const rows = await sql`select 1 from api_keys where secret_hash = ${await hashApiKey(saved)}`;
    if (rows.length > 0) return { key: saved, created: false };
  }
  const { key, prefix } = generateApiKey();
  await sql`insert into api_keys (id, owner_id, name, prefix, secret_hash, scopes)
            values (${crypto.randomUUID()}, ${DEFAULT_OWNER}, 'npm run dev', ${prefix}, ${await hashApiKey(key)}, ${JSON.stringify(["admin"])}::jsonb)`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
