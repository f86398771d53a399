import { expect, it } from "vitest";
import { generateOffline } from "../../../src/domain/generation/offline.ts";
import { groundContent } from "../../../src/domain/grounding.ts";
import { PRESETS } from "../../../src/domain/presets.ts";
import { searchableItems } from "../../../src/domain/search/items.ts";
import { parseTranscriptUpload } from "../../../src/domain/transcripts/parse.ts";
import text from "../../fixtures/lectures/hash-tables.txt?raw";

it("lists every artifact item with the times of the segment it is grounded in", () => {
  const segments = parseTranscriptUpload("txt", text, { durationSec: 900 }).segments;
  const content = groundContent(generateOffline({ segments, preset: PRESETS[0]! }), segments);
  const items = searchableItems(content, segments);
  const count = (type: string) => items.filter((i) => i.artifactType === type).length;
  expect(count("flashcards")).toBe(content.flashcards.cards.length);
  expect(count("exam-questions")).toBe(content["exam-questions"].questions.length);
  expect(count("key-terms")).toBe(content["key-terms"].terms.length);
  expect(count("summary")).toBe(1 + content.summary.sections.length);
  expect(count("outline")).toBeGreaterThan(0);
  for (const item of items) {
    expect(item.text.trim()).not.toBe("");
    expect(item.segmentIndex, item.text).not.toBeNull();
    const segment = segments[item.segmentIndex!]!;
    expect([item.startSec, item.endSec]).toEqual([segment.startSec, segment.endSec]);
  }
  const card = content.flashcards.cards[0]!;
  expect(items.find((i) => i.artifactType === "flashcards")!.segmentIndex).toBe(card.sources?.[0]?.segmentIndex ?? items.find((i) => i.artifactType === "flashcards")!.segmentIndex);
});
