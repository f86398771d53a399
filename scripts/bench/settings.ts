/**
 * The run's knobs, read once from the environment: BENCH_REQUESTS (sequential requests per
 * endpoint), BENCH_SECONDS (length of each concurrent burst), BENCH_LECTURES (pipeline size) and
 * BENCH_UPLOAD_MB (size of the first large upload), plus the fixed concurrency and upload limit.
 * (BENCH_ONLY, the sections to run, is read by scripts/bench.ts.)
 * A bad value stops the bench before anything is started.
 */

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
}
export const REQUESTS = setting("BENCH_REQUESTS", 50);
export const SECONDS = setting("BENCH_SECONDS", 3);
export const LECTURES = setting("BENCH_LECTURES", 100);
export const UPLOAD_MB = setting("BENCH_UPLOAD_MB", 90);
export const CONCURRENCY = 8;
export const LIMIT_MB = 200; // PLC_MAX_UPLOAD_MB for this run
/** `search` runs only the search section (after the seed); unset runs everything. */
