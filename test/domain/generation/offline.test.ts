/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { ARTIFACT_TYPES, CONTENT_SCHEMAS, type GeneratedContent, type OutlineNode, type SourceRef } from "../../../src/domain/artifacts.ts";
import { EmptyTranscriptError, generateOffline } from "../../../src/domain/generation/offline.ts";
import { normalizeTerm } from "../../../src/domain/generation/text.ts";
import { findPreset, PRESETS, type Preset } from "../../../src/domain/presets.ts";
import type { TranscriptSegment } from "../../../src/domain/transcript.ts";
import { parseTranscriptUpload } from "../../../src/domain/transcripts/parse.ts";
import lectureOne from "../../fixtures/lectures/cell-membranes.txt?raw";
import lectureTwo from "../../fixtures/lectures/membrane-transport-2.txt?raw";

const segments = parseTranscriptUpload("txt", lectureOne, { durationSec: 600 }).segments;
const transcript = flat(segments.map((s) => s.text).join(" "));
const preset = (id: string) => findPreset(id) as Preset;
const byPreset = new Map(PRESETS.map((p) => [p.id, generateOffline({ segments, preset: p, title: "Cell membranes" })]));
const out = (id: string) => byPreset.get(id) as GeneratedContent;

/** Lower case, single spaces, curly quotes straightened: for "does this text occur" checks. */
function flat(text: string): string {
  return text.toLowerCase().replace(/[’]/g, "'").replace(/\s+/g, " ").trim();
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function allBullets(content: GeneratedContent): string[] {
  return content.summary.sections.flatMap((s) => s.bullets);
}

function outlineNodes(nodes: OutlineNode[]): OutlineNode[] {
  return nodes.flatMap((n) => [n, ...outlineNodes(n.children ?? [])]);
}

/** Every sentence, or piece of a shortened one ("…" marks cuts), occurs in the lecture. */
function expectFromLecture(text: string) {
  const pieces = text
    .split(/…|(?<=[.!?])\s+/)
    .map((p) => flat(p).replace(/^[\s,.;:]+|[\s,.;:]+$/g, ""))
    .filter((p) => words(p) >= 2);
  for (const piece of pieces) expect(transcript.includes(piece), `not from the lecture: "${piece}"`).toBe(true);
}

function expectSources(sources: SourceRef[] | undefined) {
  expect(sources?.length ?? 0).toBeGreaterThan(0);
  for (const ref of sources ?? []) {
    const segment = segments[ref.segmentIndex];
    expect(segment, `segment ${ref.segmentIndex}`).toBeDefined();
    expect(ref.startSec).toBe(segment?.startSec);
    expect(ref.endSec).toBe(segment?.endSec);
  }
}

const PLACEHOLDERS = /core essentials|continuity hooks|lorem|ipsum|concept x\b|placeholder|\[evidence\]|todo|tbd|undefined|null|NaN|\[object/i;

describe.each(PRESETS.map((p) => [p.id, p] as const))("generateOffline with %s", (id, p) => {
  const content = out(id);

  it("produces every artifact valid against its content schema", () => {
    for (const type of ARTIFACT_TYPES) {
      const parsed = CONTENT_SCHEMAS[type].safeParse(content[type]);
      expect(parsed.success, `${type}: ${parsed.success ? "" : parsed.error.message}`).toBe(true);
    }
  });

  it("is deterministic", () => {
    const again = generateOffline({ segments, preset: p, title: "Cell membranes" });
    expect(again).toEqual(content);
    expect(JSON.stringify(again)).toBe(JSON.stringify(content));
  });

  it("contains no placeholder text", () => {
    expect(JSON.stringify(content)).not.toMatch(PLACEHOLDERS);
  });

  it("scales counts to a ten-minute lecture", () => {
    expect(content["key-terms"].terms.length).toBeGreaterThanOrEqual(8);
    // Exam and concept-map mode list every term the lecture defines (this one defines ~20).
    expect(content["key-terms"].terms.length).toBeLessThanOrEqual(id === "exam-mode" || id === "concept-map-mode" ? 25 : 15);
    expect(content.flashcards.cards.length).toBeGreaterThanOrEqual(10);
    expect(content.flashcards.cards.length).toBeLessThanOrEqual(20);
    expect(content["exam-questions"].questions.length).toBeGreaterThanOrEqual(6);
    expect(content["exam-questions"].questions.length).toBeLessThanOrEqual(12);
  });

  it("takes key terms, definitions and examples from the transcript, without duplicates", () => {
    const keys = content["key-terms"].terms.map((t) => normalizeTerm(t.term));
    expect(new Set(keys).size).toBe(keys.length);
    for (const term of content["key-terms"].terms) {
      expect(transcript).toContain(flat(term.term));
      expectFromLecture(term.definition);
      if (term.example !== undefined) expectFromLecture(term.example);
      expectSources(term.sources);
    }
  });

  it("grounds every summary section, card and question in real segments", () => {
    for (const section of content.summary.sections) expectSources(section.sources);
    for (const card of content.flashcards.cards) expectSources(card.sources);
    for (const question of content["exam-questions"].questions) expectSources(question.sources);
  });

  it("builds summary, outline and cards from lecture sentences", () => {
    expectFromLecture(content.summary.overview);
    for (const node of outlineNodes(content.outline.outline)) for (const point of node.points ?? []) expectFromLecture(point);
    for (const card of content.flashcards.cards) {
      if (card.front.includes("____")) {
        expect(card.tags).toContain("cloze");
        expectFromLecture(card.front.replace("Fill in the blank: ", "").replaceAll("____", card.back));
      } else {
        expect(card.front).toMatch(/^What (is|are) .+\?$/);
        expectFromLecture(card.back);
      }
    }
  });

  it("asks multiple-choice questions whose options are the lecture's key terms", () => {
    const keys = new Set(content["key-terms"].terms.map((t) => normalizeTerm(t.term)));
    const mc = content["exam-questions"].questions.filter((q) => q.type === "multiple-choice");
    expect(mc.length).toBeGreaterThan(0);
    for (const q of mc) {
      expect(q.choices).toHaveLength(4);
      const choices = q.choices as string[];
      expect(new Set(choices.map(normalizeTerm)).size).toBe(4);
      for (const choice of choices) expect(keys.has(normalizeTerm(choice)), choice).toBe(true);
      expect(choices[q.correctChoiceIndex as number]).toBe(q.answer);
      // The right answer completes a sentence the lecturer actually said.
      const stem = /"(.*)"/.exec(q.prompt)?.[1] as string;
      expectFromLecture(stem.replaceAll("____", q.answer));
    }
  });

  it("makes true statements from lecture sentences and false ones by swapping a key term", () => {
    const keys = content["key-terms"].terms.map((t) => normalizeTerm(t.term));
    for (const q of content["exam-questions"].questions.filter((x) => x.type === "true-false")) {
      const statement = q.prompt.replace(/^True or false: /, "");
      if (q.answer === "True") {
        expectFromLecture(statement);
      } else {
        expect(q.answer).toMatch(/^False\. The correct term is (.+), not (.+)\.$/);
        const [, right, wrong] = /^False\. The correct term is (.+), not (.+)\.$/.exec(q.answer) as RegExpExecArray;
        expect(keys).toContain(normalizeTerm(right as string));
        expect(keys).toContain(normalizeTerm(wrong as string));
        expect(transcript).not.toContain(flat(statement));
      }
    }
  });

  it("names outline topics after phrases the lecture uses", () => {
    for (const node of outlineNodes(content.outline.outline)) {
      for (const part of node.title.split(" and ")) expect(transcript).toContain(flat(part));
    }
  });

  it("writes essay prompts only about real outline topics", () => {
    const titles = outlineNodes(content.outline.outline).flatMap((n) => n.title.toLowerCase().split(" and "));
    for (const q of content["exam-questions"].questions.filter((x) => x.type === "essay")) {
      const mentioned = titles.filter((t) => q.prompt.toLowerCase().includes(t));
      expect(mentioned.length, q.prompt).toBeGreaterThan(0);
    }
  });
});

describe("presets change the output", () => {
  it("follows each preset's section list with readable titles", () => {
    const titles = (id: string) => out(id).summary.sections.map((s) => s.title);
    expect(titles("exam-mode")).toEqual(expect.arrayContaining(["Examinable points", "Definitions", "Likely questions"]));
    expect(titles("research-mode")).toEqual(expect.arrayContaining(["Claims", "Evidence"]));
    expect(titles("beginner-mode")).toEqual(expect.arrayContaining(["Key ideas", "Examples"]));
    expect(titles("concept-map-mode")).toEqual(expect.arrayContaining(["Core concepts", "Relationships", "Misconceptions"]));
    expect(titles("neurodivergent-friendly-mode")).toEqual(expect.arrayContaining(["Micro-chunks", "Key terms", "Recall prompts"]));
  });

  it("exam mode asks more questions and gives more definitions than beginner mode", () => {
    const exam = out("exam-mode");
    const beginner = out("beginner-mode");
    expect(exam["exam-questions"].questions.length).toBeGreaterThan(beginner["exam-questions"].questions.length);
    expect(exam.flashcards.cards.length).toBeGreaterThan(beginner.flashcards.cards.length);
    expect(exam["key-terms"].terms.length).toBeGreaterThan(beginner["key-terms"].terms.length);
    expect(exam.flashcards.cards.every((c) => c.tags?.includes("exam"))).toBe(true);
  });

  it("beginner mode uses shorter sentences than exam mode", () => {
    const mean = (xs: string[]) => xs.reduce((n, x) => n + words(x), 0) / xs.length;
    const points = (c: GeneratedContent) => outlineNodes(c.outline.outline).flatMap((n) => n.points ?? []);
    expect(mean(points(out("beginner-mode")))).toBeLessThan(mean(points(out("exam-mode"))));
    expect(Math.max(...allBullets(out("beginner-mode")).map(words))).toBeLessThanOrEqual(20);
    expect(mean(out("beginner-mode")["key-terms"].terms.map((t) => t.definition))).toBeLessThan(
      mean(out("exam-mode")["key-terms"].terms.map((t) => t.definition)),
    );
  });

  it("neurodivergent mode keeps chunks short, cards easy and sections small", () => {
    const nd = out("neurodivergent-friendly-mode");
    for (const bullet of allBullets(nd)) expect(words(bullet), bullet).toBeLessThanOrEqual(16);
    for (const node of outlineNodes(nd.outline.outline)) for (const point of node.points ?? []) expect(words(point), point).toBeLessThanOrEqual(12);
    for (const card of nd.flashcards.cards) {
      expect(card.difficulty).toBe("easy");
      // Short sentences, at most two (a definition may need the sentence it leans on), each
      // cut only where the definition keeps its subject and predicate.
      const sentences = card.back.split(/(?<=[.!?…])\s+/);
      expect(sentences.length, card.back).toBeLessThanOrEqual(2);
      for (const sentence of sentences) expect(words(sentence), card.back).toBeLessThanOrEqual(20);
    }
    const longest = (c: GeneratedContent) => Math.max(...c.summary.sections.map((s) => s.bullets.length));
    expect(longest(nd)).toBeLessThan(longest(out("exam-mode")));
    expect(out("exam-mode").flashcards.cards.some((c) => c.difficulty !== "easy")).toBe(true);
  });

  it("research mode asks for evidence", () => {
    const research = out("research-mode");
    expect(research["exam-questions"].questions.some((q) => /evidence/i.test(q.prompt))).toBe(true);
    const evidence = research.summary.sections.find((s) => s.title === "Evidence");
    expect(evidence?.bullets.some((b) => /experiment|researchers|evidence/i.test(b))).toBe(true);
  });

  it("concept-map mode builds a hierarchical outline of concepts", () => {
    const map = out("concept-map-mode");
    const withChildren = map.outline.outline.filter((n) => (n.children?.length ?? 0) > 0);
    expect(withChildren.length).toBeGreaterThanOrEqual(2);
    expect(out("exam-mode").outline.outline.every((n) => n.children === undefined)).toBe(true);
    const terms = new Set(map["key-terms"].terms.map((t) => normalizeTerm(t.term)));
    for (const child of withChildren.flatMap((n) => n.children ?? [])) expect(terms.has(normalizeTerm(child.title))).toBe(true);
  });

  it("puts the correct multiple-choice answer in different positions", () => {
    const positions = new Set(
      PRESETS.flatMap((p) => out(p.id)["exam-questions"].questions.filter((q) => q.type === "multiple-choice").map((q) => q.correctChoiceIndex)),
    );
    expect(positions.size).toBeGreaterThan(1);
  });

  it("finds the lecture's central terms", () => {
    const terms = out("exam-mode")["key-terms"].terms.map((t) => t.term.toLowerCase());
    expect(terms).toEqual(expect.arrayContaining(["osmosis", "active transport", "passive transport", "concentration gradient", "facilitated diffusion"]));
    const osmosis = out("exam-mode")["key-terms"].terms.find((t) => t.term === "osmosis");
    expect(osmosis?.definition).toBe("Osmosis is the diffusion of water across a selectively permeable membrane.");
  });
});

describe("generateOffline edge cases", () => {
  const exam = preset("exam-mode");

  it("handles a one-sentence transcript for every preset", () => {
    const tiny: TranscriptSegment[] = [{ startSec: 0, endSec: 4, text: "Mitochondria produce most of the cell's ATP." }];
    for (const p of PRESETS) {
      const content = generateOffline({ segments: tiny, preset: p });
      for (const type of ARTIFACT_TYPES) expect(CONTENT_SCHEMAS[type].safeParse(content[type]).success, `${p.id} ${type}`).toBe(true);
      for (const term of content["key-terms"].terms) expect(flat(tiny[0]!.text)).toContain(flat(term.term));
      expect(JSON.stringify(content)).not.toMatch(PLACEHOLDERS);
    }
  });

  it("handles a transcript of filler words", () => {
    const content = generateOffline({ segments: [{ startSec: 0, endSec: 1, text: "Okay, so, um." }], preset: exam });
    for (const type of ARTIFACT_TYPES) expect(CONTENT_SCHEMAS[type].safeParse(content[type]).success, type).toBe(true);
  });

  it("throws a clear error for an empty transcript", () => {
    expect(() => generateOffline({ segments: [], preset: exam })).toThrow(EmptyTranscriptError);
    expect(() => generateOffline({ segments: [{ startSec: 0, endSec: 1, text: "   " }], preset: exam })).toThrow(/no text/);
  });

  it("grounds a sentence split across caption cues in both cues", () => {
    const cues: TranscriptSegment[] = [
      { startSec: 0, endSec: 2, text: "Osmosis is the diffusion of water" },
      { startSec: 2, endSec: 4.5, text: "across a selectively permeable membrane." },
      { startSec: 4.5, endSec: 5, text: "" },
      { startSec: 5, endSec: 8, text: "Osmosis moves water toward more dissolved particles." },
      { startSec: 8, endSec: 11, text: "Osmosis explains why cells swell in a hypotonic solution." },
    ];
    const content = generateOffline({ segments: cues, preset: exam });
    const term = content["key-terms"].terms.find((t) => t.term.toLowerCase() === "osmosis");
    expect(term?.definition).toBe("Osmosis is the diffusion of water across a selectively permeable membrane.");
    expect(term?.sources).toEqual([
      { segmentIndex: 0, startSec: 0, endSec: 2 },
      { segmentIndex: 1, startSec: 2, endSec: 4.5 },
    ]);
  });

  it("works on a second lecture too", () => {
    const other = parseTranscriptUpload("txt", lectureTwo, { durationSec: 420 }).segments;
    for (const p of PRESETS) {
      const content = generateOffline({ segments: other, preset: p });
      for (const type of ARTIFACT_TYPES) expect(CONTENT_SCHEMAS[type].safeParse(content[type]).success, `${p.id} ${type}`).toBe(true);
      const text = flat(other.map((s) => s.text).join(" "));
      for (const term of content["key-terms"].terms) expect(text).toContain(flat(term.term));
    }
  });
});
