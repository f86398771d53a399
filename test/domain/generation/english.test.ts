import { describe, expect, it } from "vitest";
import { splitIntoSentences } from "../../../src/domain/generation/analysis.ts";
import { candidatesIn } from "../../../src/domain/generation/english.ts";
import { rankKeyphrases } from "../../../src/domain/generation/keyphrases.ts";
import { analyse } from "../../../src/domain/generation/analysis.ts";

/** The noun phrases the chunker offers in one sentence, as written. */
function phrases(text: string): string[] {
  const sentence = splitIntoSentences([{ startSec: 0, endSec: 1, text }])[0]!;
  return candidatesIn(sentence).map((c) => sentence.tokens.slice(c.start, c.end).map((t) => t.text).join(" "));
}

describe("noun-phrase candidates", () => {
  it("keeps a noun with its participle and stops before the verb", () => {
    const found = phrases("Market equilibrium is the point where the quantity demanded equals the quantity supplied.");
    expect(found).toEqual(expect.arrayContaining(["Market equilibrium", "quantity demanded", "quantity supplied"]));
    expect(found).not.toContain("quantity demanded equals");
    expect(found.some((p) => /equals|is$/.test(p))).toBe(false);
  });

  it("joins of-phrases and stops at a verb that takes a clause", () => {
    const found = phrases("The price elasticity of demand measures how strongly buyers respond.");
    expect(found).toContain("price elasticity of demand");
    expect(found.some((p) => p.includes("measures"))).toBe(false);
    expect(phrases("The law of demand says that prices matter.")).toContain("law of demand");
  });

  it("lets a vague noun head a compound but not a vague adjective lead one", () => {
    expect(phrases("For a normal good, higher income increases demand.")).toEqual(expect.arrayContaining(["normal good", "income", "demand"]));
    const hash = phrases("A good hash function mixes all the bits of the key.");
    expect(hash).toContain("hash function");
    expect(hash).not.toContain("good hash function");
    expect(phrases("The first is the substitution effect: prices rise.")).toContain("substitution effect");
  });

  it("treats gerunds as nouns and progressive forms as verbs", () => {
    expect(phrases("Its weakness is clustering.")).toContain("clustering");
    expect(phrases("The simplest probe sequence is linear probing, which checks the next slot.")).toContain("linear probing");
    expect(phrases("The pump is moving the ions.").some((p) => p.includes("moving"))).toBe(false);
  });

  it("breaks after a plural subject, so a verb never joins the phrase", () => {
    const found = phrases("Channel proteins form water-filled pores.");
    expect(found).toContain("Channel proteins");
    expect(found.some((p) => p.includes("form"))).toBe(false);
  });
});

describe("keyphrase ranking", () => {
  it("prefers the defined maximal phrase and drops vague single words", () => {
    const text =
      "The law of demand says that when the price rises, the quantity demanded falls. The law matters. " +
      "The quantity demanded is the amount buyers would purchase at one price. Quantity is measured in units. " +
      "The law of demand holds for most goods, and the quantity demanded responds to the price.";
    const ranked = rankKeyphrases(analyse([{ startSec: 0, endSec: 10, text }]));
    const keys = ranked.filter((p) => p.score > 0).map((p) => p.key);
    expect(keys.indexOf("law of demand")).toBeLessThan(keys.indexOf("law"));
    expect(ranked.find((p) => p.key === "law")?.vague).toBe(true);
    expect(ranked.find((p) => p.key === "quantity demanded")?.defined).toBeGreaterThanOrEqual(5);
  });
});
