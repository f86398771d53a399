/**
 * Readiness of the database: reachable, and migrated at least as far as this build expects.
 * One round trip; the migration bookkeeping is drizzle's own table.
 */
import journal from "../../drizzle/meta/_journal.json";
import type { Config } from "../config.ts";
import { createProbeClient } from "./client.ts";

const latestMigration = journal.entries.at(-1)!;

export type CheckResult = { status: "ok" } | { status: "error"; reason: string };

export async function checkDatabase(config: Config, timeoutMs = 5000): Promise<CheckResult> {
  const sql = createProbeClient(config, timeoutMs);
  try {
    const rows = (await sql.query(
      "select 1 as ok, (select max(created_at) from drizzle.__drizzle_migrations) as latest",
    )) as { ok: number; latest: string | number | null }[];
    const latest = Number(rows[0]?.latest ?? 0);
    if (latest < latestMigration.when) {
      return {
        status: "error",
        reason: `database schema is behind this build: migration ${latestMigration.tag} is not applied (run npm run db:migrate)`,
      };
    }
    return { status: "ok" };
  } catch (error) {
    return { status: "error", reason: describeDatabaseError(error) };
  }
}

/** A short, safe description: Postgres' own message or the connection failure, never SQL or URLs. */
export function describeDatabaseError(error: unknown): string {
  const e = error as { code?: string; message?: string; name?: string; sourceError?: unknown };
  if (e?.code === "42P01" || e?.code === "3F000")
    return "database schema is not migrated (run npm run db:migrate)";
  if (typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return `database error ${e.code}: ${e.message}`;
  if (e?.name === "TimeoutError" || e?.name === "AbortError" || String(e?.sourceError).includes("TimeoutError"))
    return "database did not answer in time";
  const message = String(e?.message ?? error);
  const status = /HTTP status (\d{3})/.exec(message)?.[1];
  if (status) return `database unavailable (HTTP ${status} from the database endpoint)`;
  return "database unreachable (connection to the database endpoint failed)";
}
