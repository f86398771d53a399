/**
 * Whether there is background work for the cron sweep to look after, known without asking the
 * database: a small marker object in storage, touched whenever work is started (a job enqueued,
 * an upload opened) and while the sweep still finds some. An idle deployment's sweep then reads
 * one object and leaves the database alone, so a Neon compute can scale to zero.
 */
import type { Storage } from "../storage/index.ts";

const MARKER_KEY = ".maintenance/last-activity";
/** Past this without activity the sweep skips the database. */
export const IDLE_AFTER_SEC = 10 * 60;
/** One isolate touches the marker at most this often (it only has to be fresher than IDLE_AFTER_SEC). */
const TOUCH_EVERY_MS = 60_000;

let touchedAt = 0;

/** Marks background work as pending. Best effort: a failure only means the sweep runs anyway later. */
export async function noteActivity(storage: Storage, options: { force?: boolean } = {}): Promise<void> {
  const now = Date.now();
  if (!options.force && now - touchedAt < TOUCH_EVERY_MS) return;
  touchedAt = now;
  try {
    await storage.put(MARKER_KEY, new Date(now).toISOString(), "text/plain");
  } catch (error) {
    touchedAt = 0;
    console.error(JSON.stringify({ level: "warn", msg: "activity marker not written", error: String((error as Error)?.message ?? error) }));
  }
}

/**
 * True only when the marker says nothing was started for IDLE_AFTER_SEC. A missing marker (a new
 * deployment, perhaps with work in flight from before it) starts the clock now; when storage cannot
 * tell, the answer is false: better one sweep too many than a lost job.
 */
export async function isIdle(storage: Storage, now = Date.now()): Promise<boolean> {
  let object;
  try {
    object = await storage.get(MARKER_KEY);
  } catch {
    return false;
  }
  if (!object) {
    await noteActivity(storage, { force: true });
    return false;
  }
  const last = Date.parse(await new Response(object.body).text().catch(() => ""));
  return Number.isFinite(last) && now - last > IDLE_AFTER_SEC * 1000;
}
