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
