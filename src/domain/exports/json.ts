/**
 * JSON export: the whole bundle (lecture, five artifacts, threads), pretty printed, with a
 * format tag so a later importer can recognise and version it.
 */
import type { ExportBundle } from "./types.ts";

export const JSON_EXPORT_FORMAT = "pegasus.lecture-export";
export const JSON_EXPORT_VERSION = 1;

export function renderJsonBundle(bundle: ExportBundle): string {
  const doc = {
    format: JSON_EXPORT_FORMAT,
    version: JSON_EXPORT_VERSION,
    generatedAt: bundle.generatedAt,
    lecture: bundle.lecture,
    artifacts: bundle.artifacts,
    threads: bundle.threads,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
