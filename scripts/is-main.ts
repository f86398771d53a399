import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** True when the module was started directly (`node scripts/x.ts`), on every Node >= 22. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
