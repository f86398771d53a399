import { describe, expect, it } from "vitest";
import type { TranscriptSegment } from "../../../src/domain/transcript.ts";
import { PermanentJobError } from "../../../src/pipeline/errors.ts";
import { detectConceptsWithOpenAI } from "../../../src/pipeline/openai/index.ts";
import { mapConcepts } from "../../../src/pipeline/openai/threads.ts";
import { fakeClient, rejectionOf, requestsWith } from "./fake.ts";

const MODEL = "gpt-4o-mini";
const normalize = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
const thread = (id: string, title: string, summary: string) => ({ id, title, titleKey: normalize(title), summary });
const EXISTING = [
  thread("t-supply", "Supply and Demand", "How prices balance what sellers offer and buyers want."),
  thread("t-elastic", "Price Elasticity", "How strongly demand reacts to a change in price."),
];

function transcript(lines: string[]): { tag: string; segments: TranscriptSegment[] } {
  const tag = `thr-${crypto.randomUUID().slice(0, 8)}`;
  return { tag, segments: lines.map((text, i) => ({ startSec: i * 10, endSec: i * 10 + 9, text: i === 0 ? `${text} (${tag})` : text })) };
}

describe("detectConceptsWithOpenAI", () => {
  it("maps updates and new concepts onto the course's existing threads by normalised title", async () => {
    const long = `Price elasticity matters for taxes: ${"a tax on an inelastic good raises revenue without cutting sales much, ".repeat(4)}`;
    const { tag, segments } = transcript([
      "Last week we met supply and demand; today the curves shift. [[fake:update=supply and demand|complexity|9]]",
      `${long} [[fake:new=PRICE elasticity|3]]`,
      "Where the curves cross is the market equilibrium. [[fake:new=Market Equilibrium|0]]",
      "Consumer surplus is the gap between willingness to pay and price. [[fake:update=Consumer Surplus|refinement]]",
    ]);
    const { concepts } = await detectConceptsWithOpenAI(fakeClient(), { lectureId: "lec-1", segments, existing: EXISTING, model: MODEL, normalize });

    const byKey = new Map(concepts.map((c) => [c.titleKey, c]));
    expect([...byKey.keys()].sort()).toEqual(["consumer surplus", "market equilibrium", "price elasticity", "supply and demand"]);
    // An update of an existing thread keeps its change type; the level is clamped to 1–5.
    expect(byKey.get("supply and demand")).toMatchObject({
      title: "Supply and Demand",
      existingThreadId: "t-supply",
      changeType: "complexity",
      complexityLevel: 5,
      confidence: 0.9,
      segmentIndex: 0,
    });
    // A "new" concept that already has a thread is a refinement of that thread.
    expect(byKey.get("price elasticity")).toMatchObject({ title: "Price Elasticity", existingThreadId: "t-elastic", changeType: "refinement", confidence: 0.9, complexityLevel: 3, segmentIndex: 1 });
    expect(byKey.get("price elasticity")!.evidence.length).toBeLessThanOrEqual(180);
    expect(byKey.get("price elasticity")!.evidence).toMatch(/^Price elasticity matters for taxes: .*…$/);
    // Truly new, and an "update" of a thread that does not exist: both new concepts.
    expect(byKey.get("market equilibrium")).toMatchObject({ existingThreadId: null, changeType: null, confidence: 0.85, complexityLevel: 1, segmentIndex: 2 });
    expect(byKey.get("consumer surplus")).toMatchObject({ title: "Consumer Surplus", existingThreadId: null, changeType: null, confidence: 0.85, segmentIndex: 3 });

    const [sent, ...more] = await requestsWith(tag);
    expect(more).toHaveLength(0);
    expect(sent).toMatchObject({ path: "/v1/chat/completions", model: MODEL, responseFormat: "thread_concepts" });
    const user = sent!.messages!.find((m) => m.role === "user")!.content;
    expect(user).toContain("- Supply and Demand: How prices balance what sellers offer and buyers want.");
    expect(user).toContain("- Price Elasticity: How strongly demand reacts");
    expect(user).toMatch(/^\[3\] Consumer surplus/m);
    expect(sent!.messages!.find((m) => m.role === "system")!.content).toMatch(/invent nothing/);
  });

  it("refines existing threads the lecture names and opens new ones from what it teaches", async () => {
    const { segments } = transcript([
      "Opportunity cost is what you give up by choosing one option.",
      "Comparative advantage explains why countries trade.",
      "Supply and demand again decide the price of traded goods.",
    ]);
    const { concepts } = await detectConceptsWithOpenAI(fakeClient(), { lectureId: "lec-2", segments, existing: EXISTING, model: MODEL, normalize });
    const updates = concepts.filter((c) => c.existingThreadId);
    const fresh = concepts.filter((c) => !c.existingThreadId);
    expect(updates.map((c) => [c.existingThreadId, c.changeType, c.segmentIndex])).toEqual([["t-supply", "refinement", 2]]);
    expect(fresh.map((c) => c.title)).toEqual(["Opportunity cost is", "Comparative advantage explains"]);
    for (const c of concepts) expect(c.titleKey).toBe(normalize(c.title));
  });

  it("turns a refusal into a permanent error", async () => {
    const { segments } = transcript(["[[fake:refuse]] Anything at all."]);
    const error = await rejectionOf(detectConceptsWithOpenAI(fakeClient(), { lectureId: "l", segments, existing: [], model: MODEL, normalize }));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toMatch(/^The model refused to detect the lecture's concepts: /);
  });

  it("repairs a malformed answer once", async () => {
    const { tag, segments } = transcript(["[[fake:invalid-once]] Marginal utility falls as you consume more."]);
    const { concepts } = await detectConceptsWithOpenAI(fakeClient(), { lectureId: "l", segments, existing: [], model: MODEL, normalize });
    expect(concepts.length).toBeGreaterThan(0);
    const sent = await requestsWith(tag);
    expect(sent).toHaveLength(2);
    // The SDK rejected the shape itself; the repair still quotes the raw answer.
    expect(sent[1]!.messages![2]).toEqual({ role: "assistant", content: '{"new_concepts":"none"}' });
    expect(sent[1]!.messages![3]!.content).toMatch(/concept_updates/);
  });
});

describe("mapConcepts", () => {
  const segments = [0, 1, 2].map((i) => ({ startSec: i, endSec: i + 1, text: `Segment ${i} text.` }));
  const base = { title: "Game Theory", summary: "Strategic choices.", evidence: "", segment_index: 0 };

  it("clamps segment indexes and levels, fills missing evidence from the segment, and keeps the first mention", () => {
    const concepts = mapConcepts(
      [
        {
          new_concepts: [
            { ...base, segment_index: 57, complexity_level: 12 },
            { ...base, title: "game theory!", segment_index: 1, complexity_level: 2 },
            { ...base, title: "Nash Equilibrium", segment_index: -4, complexity_level: -1, evidence: "x".repeat(400) },
            { ...base, title: "   ", complexity_level: 1 },
          ],
          concept_updates: [],
        },
      ],
      { segments, existing: [], normalize },
    );
    expect(concepts).toEqual([
      { title: "Game Theory", titleKey: "game theory", existingThreadId: null, summary: "Strategic choices.", evidence: "Segment 2 text.", segmentIndex: 2, confidence: 0.85, complexityLevel: 5, changeType: null },
      expect.objectContaining({ title: "Nash Equilibrium", segmentIndex: 0, complexityLevel: 1 }),
    ]);
    expect(concepts[1]!.evidence.length).toBeLessThanOrEqual(180);
  });
});
