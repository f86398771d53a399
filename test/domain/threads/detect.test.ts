/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { detectConceptsOffline, normalizeConceptTitle, type DetectedConcept } from "../../../src/domain/threads/detect.ts";
import { parseTranscriptUpload } from "../../../src/domain/transcripts/parse.ts";
import lectureOne from "../../fixtures/lectures/cell-membranes.txt?raw";
import lectureTwo from "../../fixtures/lectures/membrane-transport-2.txt?raw";

const first = parseTranscriptUpload("txt", lectureOne, { durationSec: 600 }).segments;
const second = parseTranscriptUpload("txt", lectureTwo, { durationSec: 420 }).segments;

/** Occurrences of a title key in a transcript, counted on the same normalised words. */
function occurrences(segments: { text: string }[], key: string): number {
  const text = ` ${segments.map((s) => normalizeConceptTitle(s.text)).join(" ")} `;
  let count = 0;
  // Step one character at a time: adjacent mentions share the space between them.
  for (let at = text.indexOf(` ${key} `); at >= 0; at = text.indexOf(` ${key} `, at + 1)) count++;
  return count;
}

describe("normalizeConceptTitle", () => {
  it.each([
    ["  Cell   Membranes ", "cell membrane"],
    ["Cell-Membrane", "cell membrane"],
    ["cell membrane", "cell membrane"],
    ["Sodium–Potassium Pumps", "sodium potassium pump"],
    ["Processes", "process"],
    ["Case Studies", "case study"],
    ["Analysis", "analysis"],
    ["Data Analyses", "data analysis"],
    ["Nucleus", "nucleus"],
    ["Osmosis", "osmosis"],
    ["Glass", "glass"],
    ["Species", "species"],
    ["Boxes", "box"],
    ["The Cell's Membrane!", "the cell membrane"],
    ["Café  Théorie", "cafe theorie"],
    ["ATP", "atp"],
    ["Ion channels (gated)", "ion channel gated"],
  ])("%j → %j", (title, key) => {
    expect(normalizeConceptTitle(title)).toBe(key);
  });
});

describe("detectConceptsOffline", () => {
  const one = detectConceptsOffline({ lectureId: "lec-1", segments: first, existing: [] }).concepts;

  it("turns the lecture's recurring keyphrases into at most eight concepts", () => {
    expect(one.length).toBeGreaterThanOrEqual(5);
    expect(one.length).toBeLessThanOrEqual(8);
    expect(new Set(one.map((c) => c.titleKey)).size).toBe(one.length);
    const keys = one.map((c) => c.titleKey);
    expect(keys).toEqual(expect.arrayContaining(["osmosis", "active transport", "concentration gradient"]));
  });

  it("describes each concept from the lecture itself", () => {
    const flatText = first.map((s) => s.text).join(" ");
    for (const c of one) {
      const count = occurrences(first, c.titleKey);
      expect(count, c.title).toBeGreaterThanOrEqual(2);
      expect(c.confidence).toBe(Math.round(Math.min(0.95, 0.5 + count / 10) * 100) / 100);
      expect(c.titleKey).toBe(normalizeConceptTitle(c.title));
      expect(c.title).toMatch(/^\p{Lu}/u);
      expect(c.existingThreadId).toBeNull();
      expect(c.changeType).toBeNull();
      expect(c.complexityLevel).toBeGreaterThanOrEqual(1);
      expect(c.complexityLevel).toBeLessThanOrEqual(5);
      expect(c.evidence.length).toBeLessThanOrEqual(180);
      expect(flatText.includes(c.evidence.replace(/^…|…$/g, "")), c.evidence).toBe(true);
      expect(normalizeConceptTitle(c.evidence)).toContain(c.titleKey);
      // A spoken opener ("To sum up, the ...") may be dropped from the summary sentence.
      expect(flatText.toLowerCase().includes(c.summary.replace(/[.…]$/, "").toLowerCase()), c.summary).toBe(true);
      expect(c.summary).not.toMatch(/identified in lecture|concept '/i);
      expect(first[c.segmentIndex]?.text).toBeDefined();
      expect(normalizeConceptTitle(first[c.segmentIndex]?.text ?? "")).toContain(c.titleKey);
    }
  });

  it("defines a concept with the lecture's defining sentence", () => {
    const osmosis = one.find((c) => c.titleKey === "osmosis");
    expect(osmosis?.summary).toBe("Osmosis is the diffusion of water across a selectively permeable membrane.");
    expect(osmosis?.evidence).toBe("A special case of diffusion is osmosis.");
  });

  it("links the next lecture's concepts to existing threads", () => {
    // Stored titles need not match the detector's wording; the key does the matching.
    const existing = one.map((c, i) => ({ id: `thread-${i + 1}`, title: c.title.toUpperCase().replace(/ /g, "-") + "S", titleKey: c.titleKey }));
    const two = detectConceptsOffline({ lectureId: "lec-2", segments: second, existing }).concepts;
    const linked = two.filter((c) => c.existingThreadId !== null);
    expect(linked.length).toBeGreaterThanOrEqual(3);
    for (const c of linked) {
      const thread = existing.find((t) => t.id === c.existingThreadId);
      expect(thread?.titleKey).toBe(c.titleKey);
      expect(c.title).toBe(thread?.title);
      expect(["refinement", "complexity", "contradiction"]).toContain(c.changeType);
    }
    for (const c of two.filter((x) => x.existingThreadId === null)) expect(c.changeType).toBeNull();
    expect(linked.map((c) => c.titleKey)).toEqual(expect.arrayContaining(["active transport", "concentration gradient"]));
    // The second lecture says it goes "in more detail" and "more complex" about these.
    expect(linked.find((c) => c.titleKey === "active transport")?.changeType).toBe("complexity");
    // New concepts of the second lecture are still found.
    expect(two.some((c) => c.titleKey === "membrane potential" && c.existingThreadId === null)).toBe(true);
  });

  it("matches an existing thread by title when its key was stored differently", () => {
    const existing = [{ id: "t-osmosis", title: "Osmosis", titleKey: "OSMOSIS (legacy)" }];
    const two = detectConceptsOffline({ lectureId: "lec-2", segments: second, existing }).concepts;
    expect(two.find((c) => c.existingThreadId === "t-osmosis")?.changeType).not.toBeNull();
  });

  it("is deterministic and ordered", () => {
    const again = detectConceptsOffline({ lectureId: "lec-1", segments: first, existing: [] }).concepts;
    expect(again).toEqual(one);
    const limited = detectConceptsOffline({ lectureId: "lec-1", segments: first, existing: [], maxConcepts: 3 }).concepts;
    expect(limited).toEqual(one.slice(0, 3));
  });

  it("finds nothing in an empty or non-recurring transcript", () => {
    expect(detectConceptsOffline({ lectureId: "x", segments: [], existing: [] }).concepts).toEqual([]);
    const once: DetectedConcept[] = detectConceptsOffline({
      lectureId: "x",
      segments: [{ startSec: 0, endSec: 3, text: "Photosynthesis happens in chloroplasts." }],
      existing: [],
    }).concepts;
    expect(once).toEqual([]);
  });
});
