/**
 * Anki export: a CSV with Anki's file-header lines (Anki 2.1.54+), so the import dialog opens
 * with the separator, HTML mode, tags column and deck already set.
 *
 * Header choices follow how Anki's importer reads them (rslib/src/import_export/text/csv):
 * - `#deck:` only selects a deck that already exists (otherwise the notes land in "Default"),
 *   whereas a deck column creates missing decks, so the deck goes in column 4 of every row.
 * - `#columns:` maps columns to note fields by field name, and the stock note type's field
 *   names are localised ("Front" is not found in a German Anki, leaving Back unmapped); without
 *   it columns map by position (1 → first field, 2 → second), which works in every language.
 * - Lines starting with `#` are comments to Anki's CSV reader, so a field starting with `#` is
 *   always quoted.
 * - Column 5 is `Source`: the card's time in the recording and the link that plays it. Columns
 *   other than tags and deck map to fields in order, so it fills a note type's third field (add a
 *   "Source" field to use it); with the stock two-field types it is ignored.
 */
import { stringify } from "csv-stringify/sync";
import { courseLabel, firstSourceTimestamp, lectureLabel } from "./shared.ts";
import type { ExportBundle } from "./types.ts";

export const ANKI_TAGS_COLUMN = 3;
export const ANKI_DECK_COLUMN = 4;
export const ANKI_SOURCE_COLUMN = 5;

/** Tags are whitespace-separated in Anki, so inner whitespace becomes `_`. */
export function ankiTag(raw: string): string {
  return raw.trim().replace(/\s+/g, "_");
}

/** `Course::Lecture`; a `::` inside a name would create an extra deck level, so it is broken up. */
export function ankiDeckName(bundle: ExportBundle): string {
  const part = (s: string) => s.replace(/:{2,}/g, ":").trim() || "_";
  return `${part(courseLabel(bundle))}::${part(lectureLabel(bundle))}`;
}

export function ankiHeaderLines(): string[] {
  return ["#separator:Comma", "#html:false", `#tags column:${ANKI_TAGS_COLUMN}`, `#deck column:${ANKI_DECK_COLUMN}`];
}

export function renderAnkiCsv(bundle: ExportBundle): string {
  const deck = ankiDeckName(bundle);
  const fixedTags = [ankiTag(bundle.lecture.presetId), "pegasus"];
  const rows = bundle.artifacts.flashcards.cards.map((card) => {
    const tags = [...new Set([...(card.tags ?? []).map(ankiTag), ...fixedTags])].filter((t) => t !== "");
    const when = firstSourceTimestamp(card.sources);
    const source = [when, card.link].filter(Boolean).join(" ");
    return [card.front, card.back, tags.join(" "), deck, source];
  });
  const body = stringify(rows, {
    delimiter: ",",
    record_delimiter: "unix",
    // Quote what Anki's reader would otherwise misread: a leading `#` (comment) or a bare CR.
    quoted_match: [/^#/, /\r/],
  });
  return `${ankiHeaderLines().join("\n")}\n${body}`;
}
