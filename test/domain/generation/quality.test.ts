/// <reference types="vite/client" />
/**
 * Quality of the offline generator on four real-length lectures in three domains: the terms each
 * lecture plainly defines must be found (and nothing generic or fragmentary), each defined by a
 * sentence that actually defines it; outline titles are noun phrases; neurodivergent-mode
 * definitions keep their predicate; threads are real concepts.
 */
import { describe, expect, it } from "vitest";
import { ARTIFACT_TYPES, CONTENT_SCHEMAS, type GeneratedContent } from "../../../src/domain/artifacts.ts";
import { generateOffline } from "../../../src/domain/generation/offline.ts";
import { normalizeTerm } from "../../../src/domain/generation/text.ts";
import { findPreset, PRESETS, type Preset } from "../../../src/domain/presets.ts";
import { detectConceptsOffline } from "../../../src/domain/threads/detect.ts";
import { parseTranscriptUpload } from "../../../src/domain/transcripts/parse.ts";
import cellMembranes from "../../fixtures/lectures/cell-membranes.txt?raw";
import hashTables from "../../fixtures/lectures/hash-tables.txt?raw";
import membraneTransport from "../../fixtures/lectures/membrane-transport-2.txt?raw";
import supplyAndDemand from "../../fixtures/lectures/supply-and-demand.txt?raw";

interface Lecture {
  name: string;
  text: string;
  durationSec: number;
  title: string;
  /** Terms the lecture plainly defines ("X is ...", "... is called X", "X means ..."). */
  gold: string[];
  /** Generic words and fragments that must never be key terms, threads or titles. */
  blacklist: string[];
}

const LECTURES: Lecture[] = [
  {
    name: "supply and demand (economics)",
    text: supplyAndDemand,
    durationSec: 600,
    title: "Supply and demand",
    gold: [
      "demand",
      "quantity demanded",
      "law of demand",
      "substitution effect",
      "income effect",
      "normal good",
      "inferior good",
      "substitutes",
      "complements",
      "supply",
      "law of supply",
      "market equilibrium",
      "equilibrium price",
      "surplus",
      "shortage",
      "price elasticity of demand",
      "elastic demand",
      "inelastic demand",
      "total revenue",
    ],
    blacklist: [
      "law",
      "quantity",
      "price",
      "demanded equals",
      "quantity demanded equals",
      "price rises",
      "curve",
      "effect",
      "good",
      "market",
      "shift demand",
      "result",
      "change",
      "equilibrium",
      "buyers",
      "sellers",
      "queues",
    ],
  },
  {
    name: "cell membranes (biology)",
    text: cellMembranes,
    durationSec: 600,
    title: "Cell membranes",
    gold: [
      "cell membrane",
      "plasma membrane",
      "phospholipid",
      "phospholipid bilayer",
      "cholesterol",
      "glycocalyx",
      "fluid mosaic model",
      "selective permeability",
      "aquaporins",
      "diffusion",
      "concentration gradient",
      "passive transport",
      "facilitated diffusion",
      "osmosis",
      "active transport",
      "sodium-potassium pump",
      "lipid rafts",
    ],
    blacklist: ["membrane", "cell", "water", "energy", "tails", "heads", "movement", "accepted description", "soap bubble", "simplest way", "firmness", "jobs"],
  },
  {
    name: "membrane transport, part two (biology)",
    text: membraneTransport,
    durationSec: 420,
    title: "Membrane transport",
    gold: ["electrochemical gradient", "membrane potential", "primary active transport", "secondary active transport", "cotransporter"],
    blacklist: ["pump", "difference", "gradient", "voltage", "energy", "cell", "ions", "membrane"],
  },
  {
    name: "hash tables (computer science)",
    text: hashTables,
    durationSec: 600,
    title: "Hash tables",
    gold: [
      "hash table",
      "associative array",
      "hash function",
      "buckets",
      "collision",
      "separate chaining",
      "open addressing",
      "linear probing",
      "clustering",
      "tombstone",
      "load factor",
      "resizing",
      "rehashing",
      "amortised cost",
      "cryptographic hash function",
    ],
    blacklist: ["key", "keys", "value", "table", "array", "slot", "hash", "function", "simplest version", "simplest probe sequence", "good hash function", "trick", "result"],
  },
];

const preset = (id: string) => findPreset(id) as Preset;
const key = (text: string) => normalizeTerm(text);

/** A word of a term as written, singular or plural, hyphen or space. */
function wordPattern(word: string): string {
  return `${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:s|es)?`;
}

function termPattern(term: string): string {
  return key(term).split(" ").map(wordPattern).join("[\\s-]+");
}

/**
 * True when the text defines the term: the term is the subject of a defining verb, is named
 * ("called X", "X:"), introduced as a kind ("For a normal good, ..."), closes a description
 * ("... and we have a surplus"), or, for "elastic demand", stated in copular order.
 */
function definesTerm(text: string, term: string): boolean {
  const t = termPattern(term);
  const lower = text.toLowerCase();
  const cues = [
    `\\b${t}\\s+(?:is|are|means|refers to|measures|says that|uses|forms?)\\b`,
    `\\b${t},\\s+(?:such as [^,]+,\\s+)?(?:which|is|are)\\b`,
    `\\b(?:called|known as|named|termed)\\s+(?:an?\\s+|the\\s+)?${t}\\b`,
    `\\b(?:is|are)\\s+(?:an?\\s+|the\\s+)?${t}\\s*[:,]`,
    `\\b(?:we have|there is|that is|this is)\\s+(?:an?\\s+)?${t}\\b`,
    `\\bfor\\s+an?\\s+${t},`,
    `\\bin\\s+${t}\\s+(?:each|every|the|a)\\b`,
  ];
  const words = key(term).split(" ");
  // "the quantity is the equilibrium quantity" names the kind of quantity.
  if (words.length > 1) cues.push(`\\bthe\\s+${wordPattern(words[words.length - 1] as string)}\\s+(?:is|are)\\s+(?:the\\s+|an?\\s+)?${t}\\b`);
  if (words.length === 2) cues.push(`\\b${wordPattern(words[1] as string)}\\s+(?:is|are)\\s+${wordPattern(words[0] as string)}\\b`);
  return cues.some((cue) => new RegExp(cue).test(lower));
}

/** Verb forms a definition's predicate is made of. */
const VERB =
  /\b(?:is|are|was|were|be|means|mean|refers|measures|says|called|known|uses|use|forms?|has|have|does|do|decides|maps|checks|holds|couples|sits|separates|follows|lets|moves|falls|rises|increases|decreases|shifts|requires|needs|depends|switch|buy|respond|slopes|gives|makes|becomes)\b/i;
const DANGLING_END = /\b(?:a|an|the|of|to|in|on|at|by|for|with|from|and|or|but|that|which|its|their)\W*$/i;
const TITLE_BAD_END =
  /\b(?:a|an|the|of|to|in|on|at|by|for|with|from|and|or|but|is|are|was|were|be|equals|rises|falls|shifts|moves|says|means|increases|decreases|changes|makes|gives|becomes|uses)$/i;

describe.each(LECTURES.map((l) => [l.name, l] as const))("offline quality on %s", (_name, lecture) => {
  const segments = parseTranscriptUpload("txt", lecture.text, { durationSec: lecture.durationSec }).segments;
  const transcript = segments
    .map((s) => s.text)
    .join(" ")
    .toLowerCase();
  const exam = generateOffline({ segments, preset: preset("exam-mode"), title: lecture.title });
  const nd = generateOffline({ segments, preset: preset("neurodivergent-friendly-mode"), title: lecture.title });
  const examTerms = exam["key-terms"].terms;
  const examKeys = new Set(examTerms.map((t) => key(t.term)));
  const blacklist = new Set(lecture.blacklist.map(key));

  it("finds at least 70% of the terms the lecture defines", () => {
    const found = lecture.gold.filter((g) => examKeys.has(key(g)));
    const missing = lecture.gold.filter((g) => !examKeys.has(key(g)));
    expect(found.length / lecture.gold.length, `missing: ${missing.join(", ")}`).toBeGreaterThanOrEqual(0.7);
  });

  it("lists no generic word or fragment as a key term", () => {
    for (const term of examTerms) {
      expect(blacklist.has(key(term.term)), term.term).toBe(false);
      expect(term.term, term.term).not.toMatch(TITLE_BAD_END);
      expect(transcript).toContain(term.term.toLowerCase());
    }
  });

  it("defines each gold term with a sentence that defines it", () => {
    for (const term of examTerms.filter((t) => lecture.gold.some((g) => key(g) === key(t.term)))) {
      expect(definesTerm(term.definition, term.term), `${term.term}: ${term.definition}`).toBe(true);
    }
  });

  it('makes a "What is X?" card only for terms with a real definition', () => {
    for (const card of exam.flashcards.cards.filter((c) => c.tags?.includes("definition"))) {
      const term = /^What (?:is|are) (?:the |an? )?(.+)\?$/.exec(card.front)?.[1] as string;
      expect(definesTerm(card.back, term), `${card.front} ${card.back}`).toBe(true);
    }
  });

  it("titles outline topics with noun phrases, never fragments", () => {
    const titles = exam.outline.outline.map((n) => n.title);
    expect(titles.length).toBeGreaterThan(1);
    for (const title of titles) {
      for (const part of title.split(" and ")) {
        expect(part, title).not.toMatch(TITLE_BAD_END);
        expect(blacklist.has(key(part)), title).toBe(false);
        expect(transcript).toContain(part.toLowerCase());
      }
    }
  });

  it("keeps subject and predicate in neurodivergent-mode definitions", () => {
    expect(nd["key-terms"].terms.length).toBeGreaterThan(0);
    for (const term of nd["key-terms"].terms) {
      const text = term.definition;
      expect(text.split(/\s+/).length, text).toBeGreaterThanOrEqual(4);
      expect(text, `${term.term}: ${text}`).toMatch(VERB);
      expect(text.replace(/…$/, ""), `${term.term}: ${text}`).not.toMatch(DANGLING_END);
    }
    for (const card of nd.flashcards.cards.filter((c) => c.tags?.includes("definition"))) {
      expect(card.back, card.back).toMatch(VERB);
      expect(card.back.split(/\s+/).length).toBeGreaterThanOrEqual(4);
    }
  });

  it("detects real concepts as threads", () => {
    const concepts = detectConceptsOffline({ lectureId: "quality", segments, existing: [] }).concepts;
    expect(concepts.length).toBeGreaterThanOrEqual(3);
    for (const c of concepts) expect(blacklist.has(c.titleKey), c.title).toBe(false);
    const gold = new Set(lecture.gold.map(key));
    const real = concepts.filter((c) => gold.has(c.titleKey));
    expect(real.length * 2, concepts.map((c) => c.title).join(", ")).toBeGreaterThanOrEqual(concepts.length);
  });

  it("stays schema-valid, grounded and deterministic for every preset", () => {
    for (const p of PRESETS) {
      const content: GeneratedContent = p.id === "exam-mode" ? exam : generateOffline({ segments, preset: p, title: lecture.title });
      for (const type of ARTIFACT_TYPES) expect(CONTENT_SCHEMAS[type].safeParse(content[type]).success, `${p.id} ${type}`).toBe(true);
      for (const term of content["key-terms"].terms) {
        expect(transcript).toContain(term.term.toLowerCase());
        expect(term.sources?.length ?? 0).toBeGreaterThan(0);
      }
      expect(generateOffline({ segments, preset: p, title: lecture.title })).toEqual(content);
    }
  });
});

describe("offline quality on supply and demand, in detail", () => {
  const segments = parseTranscriptUpload("txt", supplyAndDemand, { durationSec: 600 }).segments;
  const exam = generateOffline({ segments, preset: preset("exam-mode"), title: "Supply and demand" });
  const nd = generateOffline({ segments, preset: preset("neurodivergent-friendly-mode"), title: "Supply and demand" });
  const term = (content: GeneratedContent, name: string) => content["key-terms"].terms.find((t) => key(t.term) === key(name));

  it("builds a definition that leans on the sentence before into one that stands alone", () => {
    expect(term(exam, "equilibrium price")?.definition).toBe(
      "Market equilibrium is the point where the quantity demanded equals the quantity supplied. The price at that point is called the equilibrium price, and the quantity is the equilibrium quantity.",
    );
    expect(term(exam, "supply shock")?.definition).toMatch(/^Suppose a frost destroys part of the coffee harvest in Brazil\. That is a supply shock:/);
    // The sources cover both sentences.
    expect(term(exam, "equilibrium price")?.sources?.length).toBeGreaterThanOrEqual(2);
  });

  it("names the topics after the terms they introduce", () => {
    const titles = exam.outline.outline.map((n) => n.title);
    expect(titles).toEqual(expect.arrayContaining(["Demand", "Supply"]));
    expect(titles.some((t) => t.startsWith("Market Equilibrium"))).toBe(true);
    expect(titles.some((t) => t.startsWith("Price Elasticity of Demand"))).toBe(true);
  });

  it("shortens neurodivergent definitions without losing the predicate", () => {
    expect(term(nd, "demand")?.definition).toBe("Demand is the relationship between the price of a good and the quantity…");
    const equilibrium = term(nd, "equilibrium price")?.definition ?? "";
    expect(equilibrium).toContain("The price at that point is called the equilibrium price.");
    expect(equilibrium).not.toMatch(/^The price at that point\.?$/);
  });
});
