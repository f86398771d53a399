import { describe, expect, it } from "vitest";
import { checkModelAnswer, extractiveAnswer, NOT_COVERED } from "../../../src/domain/search/answer.ts";
import type { Passage } from "../../../src/domain/search/passages.ts";

const passage = (lectureId: string, segmentIndex: number, text: string, createdAt = "2026-01-01T00:00:00.000000Z"): Passage => ({
  kind: "transcript",
  lectureId,
  lectureTitle: lectureId,
  lectureCreatedAt: createdAt,
  artifactType: null,
  itemIndex: null,
  segmentIndex,
  startSec: segmentIndex * 10,
  endSec: segmentIndex * 10 + 10,
  text,
  snippet: text,
  score: 0,
});

describe("extractiveAnswer", () => {
  const passages = [
    passage("second", 4, "Osmosis is the diffusion of water across a membrane. Cells pump ions.", "2026-02-01T00:00:00.000000Z"),
    passage("first", 9, "Unrelated words here. Osmosis moves water toward more dissolved particles.", "2026-01-01T00:00:00.000000Z"),
  ];
  it("quotes the best matching sentences in lecture order, each citing its segment", () => {
    const answer = extractiveAnswer("What is osmosis of water?", passages);
    expect(answer.grounded).toBe(true);
    expect(answer.citations.map((c) => [c.lectureId, c.segmentIndex])).toEqual([["first", 9], ["second", 4]]);
    expect(answer.answer).toBe("Osmosis moves water toward more dissolved particles. Osmosis is the diffusion of water across a membrane.");
    expect(answer.citations[0]).toMatchObject({ startSec: 90, endSec: 100, link: "/lectures/first/audio#t=90,100" });
  });
  it("says the lectures do not cover a question no sentence matches", () => {
    expect(extractiveAnswer("Who won the world cup?", passages)).toEqual({ answer: NOT_COVERED, citations: [], grounded: false });
    expect(extractiveAnswer("the and of", passages).grounded).toBe(false);
    expect(extractiveAnswer("osmosis", []).grounded).toBe(false);
  });
});

describe("checkModelAnswer", () => {
  const retrieved = [passage("l", 3, "Elasticity measures responsiveness. It is a ratio."), passage("l", 8, "Revenue is price times quantity.")];
  it("keeps sentences that cite retrieved passages, quoting the closest sentence", () => {
    const checked = checkModelAnswer(
      { covered: true, sentences: [{ text: "Elasticity measures how responsive demand is.", citations: [0] }, { text: "Revenue is price times quantity.", citations: [1, 0] }] },
      retrieved,
    );
    expect(checked).toEqual({
      ok: true,
      value: {
        answer: "Elasticity measures how responsive demand is. Revenue is price times quantity.",
        grounded: true,
        citations: [
          { lectureId: "l", segmentIndex: 3, startSec: 30, endSec: 40, quote: "Elasticity measures responsiveness.", link: "/lectures/l/audio#t=30,40" },
          { lectureId: "l", segmentIndex: 8, startSec: 80, endSec: 90, quote: "Revenue is price times quantity.", link: "/lectures/l/audio#t=80,90" },
        ],
      },
    });
  });
  it("reports invented and missing citations for a repair", () => {
    const checked = checkModelAnswer({ covered: true, sentences: [{ text: "A.", citations: [7] }, { text: "B.", citations: [] }] }, retrieved);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues).toEqual([
      "sentences[0].citations: [7] is not among the numbered passages.",
      "sentences[1].citations: every sentence must cite at least one passage.",
    ]);
  });
  it("answers not covered when the model says so", () => {
    expect(checkModelAnswer({ covered: false, sentences: [{ text: "Made up.", citations: [0] }] }, retrieved)).toEqual({
      ok: true,
      value: { answer: NOT_COVERED, citations: [], grounded: false },
    });
  });
});
