/**
 * Export renderers and the format table the export job and download route share.
 */
import { renderAnkiCsv } from "./anki.ts";
import { renderJsonBundle } from "./json.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderPdf } from "./pdf.ts";
import type { ExportBundle } from "./types.ts";

export { ankiDeckName, ankiHeaderLines, ankiTag, renderAnkiCsv } from "./anki.ts";
export { JSON_EXPORT_FORMAT, JSON_EXPORT_VERSION, renderJsonBundle } from "./json.ts";
export { renderMarkdown } from "./markdown.ts";
export { planPdf, renderPdf } from "./pdf.ts";
export type { PdfPlan } from "./pdf.ts";
export { CONTENT_WIDTH, FALLBACK_CHAR, sanitizeForFont } from "./pdf-layout.ts";
export type { Frag, Line, LineKind, PlacedLine } from "./pdf-layout.ts";
export { formatTimestamp } from "./shared.ts";
export type { ExportArtifacts, ExportBundle, ExportLecture, ExportThread } from "./types.ts";

export interface ExportFormat {
  extension: string;
  contentType: string;
  render(bundle: ExportBundle): Promise<string | Uint8Array>;
}

export const EXPORT_FORMATS = {
  markdown: {
    extension: "md",
    contentType: "text/markdown; charset=utf-8",
    render: async (bundle: ExportBundle) => renderMarkdown(bundle),
  },
  anki: {
    extension: "csv",
    contentType: "text/csv; charset=utf-8",
    render: async (bundle: ExportBundle) => renderAnkiCsv(bundle),
  },
  pdf: {
    extension: "pdf",
    contentType: "application/pdf",
    render: (bundle: ExportBundle) => renderPdf(bundle),
  },
  json: {
    extension: "json",
    contentType: "application/json",
    render: async (bundle: ExportBundle) => renderJsonBundle(bundle),
  },
} as const satisfies Record<string, ExportFormat>;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;

export function isExportFormat(name: string): name is ExportFormatName {
  return Object.hasOwn(EXPORT_FORMATS, name);
}
