import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { formatTimestamp, renderAnkiCsv } from "../../../src/domain/exports/index.ts";
import { SAMPLES, lectureFixture } from "./fixture.ts";

const HEADER = ["#separator:Comma", "#html:false", "#tags column:3", "#deck column:4"];

/** Reads the file the way Anki does: `#` lines before the data are headers, `#` starts a comment line. */
function readLikeAnki(csv: string): { headers: string[]; rows: string[][] } {
  const lines = csv.split("\n");
  const headers: string[] = [];
  while (lines[0]?.startsWith("#")) headers.push(lines.shift()!);
  const rows = parse(csv, { comment: "#", comment_no_infix: true, relax_column_count: false }) as string[][];
  return { headers, rows };
}

describe("renderAnkiCsv", () => {
  const bundle = lectureFixture();
  const cards = bundle.artifacts.flashcards.cards;
  const csv = renderAnkiCsv(bundle);
  const { headers, rows } = readLikeAnki(csv);

  it("starts with Anki's file headers", () => {
    expect(headers).toEqual(HEADER);
    expect(csv.startsWith(`${HEADER.join("\n")}\n`)).toBe(true);
  });

  it("has one row per flashcard with front, back, tags, deck and source", () => {
    expect(rows).toHaveLength(cards.length);
    for (const row of rows) expect(row).toHaveLength(5);
  });

  it("puts the card's time in the recording, and the link that plays it, in the Source column", () => {
    rows.forEach((row, i) => expect(row[4]).toBe(cards[i]!.sources?.length ? formatTimestamp(cards[i]!.sources![0]!.startSec) : ""));
    const linked = lectureFixture();
    linked.artifacts.flashcards.cards[0]!.link = "/lectures/phys-214-07/audio#t=760,790";
    const { rows: r } = readLikeAnki(renderAnkiCsv(linked));
    expect(r[0]![4]).toBe(`${formatTimestamp(linked.artifacts.flashcards.cards[0]!.sources![0]!.startSec)} /lectures/phys-214-07/audio#t=760,790`);
  });

  it("round-trips every field exactly: commas, quotes, newlines, leading #", () => {
    rows.forEach((row, i) => {
      expect(row[0]).toBe(cards[i]!.front);
      expect(row[1]).toBe(cards[i]!.back);
    });
    expect(rows[1]![0]).toBe(SAMPLES.quotedFront);
    expect(rows[1]![1]).toBe(SAMPLES.quotedBack);
    expect(rows[2]![0]).toBe(SAMPLES.hashFront);
    expect(rows[5]![1]).toBe(SAMPLES.numberedBack);
    // Standard CSV quoting: doubled quotes inside a quoted field, and a leading # quoted.
    expect(csv).toContain('"Why is the ""heat death"" of the universe called a ""death""?"');
    expect(csv).toContain(`\n"${SAMPLES.hashFront}",`);
  });

  it("puts space-free tags, the preset and `pegasus` in the tags column", () => {
    expect(rows.map((r) => r[2])).toEqual([
      "second_law entropy exam-mode pegasus",
      "cosmology,_sort_of exam-mode pegasus",
      "microstates exam-mode pegasus",
      "exam-mode pegasus",
      "exam-mode pegasus",
      "method exam-mode pegasus",
      "exam-mode pegasus",
    ]);
  });

  it("names the deck Course::Lecture in the deck column", () => {
    for (const row of rows) expect(row[3]).toBe("PHYS 214: Thermal Physics::Entropy, Boltzmann & Carnot — Lecture 7");
  });

  it("falls back to the course id and keeps `::` out of the names", () => {
    const other = lectureFixture();
    delete other.lecture.courseTitle;
    other.lecture.title = "Part A::Part B";
    const { rows: r } = readLikeAnki(renderAnkiCsv(other));
    expect(r[0]![3]).toBe("phys-214::Part A:Part B");
  });
});
