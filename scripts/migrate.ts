/**
 * Applies drizzle/ migrations through the Neon HTTP driver, so the same command migrates real Neon
 * (DATABASE_URL only) and the local gateway (NEON_FETCH_ENDPOINT set). Idempotent.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { migrate } from "drizzle-orm/neon-http/migrator";
import { fileURLToPath } from "node:url";
import { isMain } from "./is-main.ts";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../drizzle/", import.meta.url).href);

export async function applyMigrations(databaseUrl: string, fetchEndpoint?: string): Promise<void> {
  if (fetchEndpoint) neonConfig.fetchEndpoint = fetchEndpoint;
  await migrate(drizzle({ client: neon(databaseUrl) }), { migrationsFolder: MIGRATIONS_FOLDER });
}

if (isMain(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set: give the Postgres connection string to migrate (e.g. your Neon URL).");
    process.exit(1);
  }
  const started = Date.now();
  try {
    await applyMigrations(url, process.env.NEON_FETCH_ENDPOINT);
    console.log(`migrations applied in ${Date.now() - started} ms`);
  } catch (error) {
    // drizzle wraps the driver's error ("Failed query: …"); its cause says what went wrong.
    const cause = (error as { cause?: { message?: string } })?.cause?.message;
    console.error(`migration failed: ${cause ?? (error instanceof Error ? error.message : String(error))}`);
    process.exit(1);
  }
}
