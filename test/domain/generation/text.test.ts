import { describe, expect, it } from "vitest";
import { shortenSentence, singularize, stripOpener, titleCase, truncateChars } from "../../../src/domain/generation/text.ts";

describe("text helpers", () => {
  it("drops spoken openers but not words that start ordinary sentences", () => {
    expect(stripOpener("To sum up, the membrane is a bilayer.")).toBe("The membrane is a bilayer.");
    expect(stripOpener("So, now, the cell swells.")).toBe("The cell swells.");
    expect(stripOpener("Right ventricle pumps blood.")).toBe("Right ventricle pumps blood.");
    expect(stripOpener("Second messengers carry the signal.")).toBe("Second messengers carry the signal.");
    expect(stripOpener("Right, so the pump uses ATP.")).toBe("The pump uses ATP.");
    expect(stripOpener("So what?")).toBe("So what?");
  });

  it("shortens at a clause boundary, never inside a list of adjectives", () => {
    expect(shortenSentence("The cell membrane is a thin, flexible barrier that separates the cell from its environment.", 8)).toBe(
      "The cell membrane is a thin, flexible barrier…",
    );
    expect(shortenSentence("In a hypertonic solution water leaves the cell, so the cell shrinks and wrinkles badly.", 10)).toBe(
      "In a hypertonic solution water leaves the cell.",
    );
    expect(shortenSentence("Diffusion needs no energy (unlike pumps) from the cell.", 8)).toBe("Diffusion needs no energy from the cell.");
    expect(shortenSentence("Short and sweet.", 12)).toBe("Short and sweet.");
  });

  it("ends a cut on a content word", () => {
    expect(shortenSentence("The net movement of particles from a region of high concentration to a region of low concentration.", 12)).toBe(
      "The net movement of particles from a region of high concentration…",
    );
  });

  it("drops spoken and example asides, keeping the comma before a new clause", () => {
    expect(shortenSentence("The law of demand says that, other things equal, when the price of a good rises, the quantity demanded falls.", 16, { hardMax: 20 })).toBe(
      "The law of demand says that when the price of a good rises, the quantity demanded falls.",
    );
    expect(shortenSentence("Substitutes are goods used in place of each other, like butter and margarine, so a rise in the price of butter increases the demand for margarine.", 12)).toBe(
      "Substitutes are goods used in place of each other.",
    );
    expect(shortenSentence("A cryptographic hash function, such as SHA-256, is designed so that nobody can invert it in practice at all, ever.", 14)).toBe(
      "A cryptographic hash function is designed so that nobody can invert it in practice…",
    );
  });

  it("keeps a definition's subject and predicate: a cut stops before a phrase, or the sentence stays whole", () => {
    const demand = "Demand is the relationship between the price of a good and the quantity that buyers are willing and able to purchase during a given period.";
    expect(shortenSentence(demand, 16, { hardMax: 20, keepWords: 4 })).toBe("Demand is the relationship between the price of a good and the quantity…");
    // Within the hard limit a sentence with no clean cut stays whole rather than losing its point.
    const law = "The law of supply says that when the price rises, the quantity supplied rises.";
    expect(shortenSentence(law, 12, { hardMax: 16, keepWords: 7 })).toBe(law);
    // An explanation after a colon is the definition: the cut may not take it away.
    const effect = "The first is the substitution effect: when coffee becomes more expensive, some people switch to tea.";
    expect(shortenSentence(effect, 8, { hardMax: 12, keepWords: 11 })).not.toBe("The first is the substitution effect.");
  });

  it("marks a cut with an ellipsis only when words were dropped, never ending on an article or preposition", () => {
    expect(shortenSentence("Total revenue is price times quantity.", 6)).toBe("Total revenue is price times quantity.");
    for (const max of [6, 8, 10, 12, 14]) {
      const short = shortenSentence("The movement of water across a membrane from a dilute solution to a concentrated one is called osmosis by biologists.", max);
      expect(short.endsWith("…") || short.endsWith(".")).toBe(true);
      expect(short.replace(/[….]$/, "")).not.toMatch(/\b(?:a|an|the|of|to|from|across|by)$/);
    }
  });

  it("cuts long text on a word boundary with an ellipsis", () => {
    expect(truncateChars("alpha beta gamma delta", 14)).toBe("alpha beta…");
    expect(truncateChars("short", 14)).toBe("short");
  });

  it("singularises conservatively", () => {
    expect(["membranes", "processes", "studies", "analysis", "nucleus", "ions", "boxes", "gas", "species"].map(singularize)).toEqual([
      "membrane",
      "process",
      "study",
      "analysis",
      "nucleus",
      "ion",
      "box",
      "gas",
      "species",
    ]);
  });

  it("title-cases phrases, keeping acronyms and hyphen parts", () => {
    expect(titleCase("sodium-potassium pump")).toBe("Sodium-Potassium Pump");
    expect(titleCase("role of ATP in transport")).toBe("Role of ATP in Transport");
  });
});
