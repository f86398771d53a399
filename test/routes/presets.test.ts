import { api, ok } from "../support/client.ts";
import { describe, expect, it } from "vitest";
import { call, json } from "../support/http.ts";

const EXPECTED = [
  ["exam-mode", "Exam Mode", "exam", { summary_style: "concise_academic", sections: ["overview", "examinable_points", "definitions", "likely_questions"], chunking: "medium", question_focus: true }],
  ["concept-map-mode", "Concept Map Mode", "concept-map", { summary_style: "conceptual", sections: ["core_concepts", "relationships", "dependencies", "misconceptions"], chunking: "hierarchical", question_focus: false }],
  ["beginner-mode", "Beginner Mode", "beginner", { summary_style: "plain_language", sections: ["overview", "key_ideas", "examples", "analogy_bank"], chunking: "short", question_focus: false }],
  ["neurodivergent-friendly-mode", "Neurodivergent-Friendly Mode", "neurodivergent", { summary_style: "low_clutter", sections: ["overview", "micro_chunks", "key_terms", "recall_prompts"], chunking: "very_short", question_focus: true }],
  ["research-mode", "Research Mode", "research", { summary_style: "argumentative", sections: ["claims", "arguments", "evidence", "open_questions"], chunking: "medium", question_focus: true }],
] as const;

describe("GET /presets", () => {
  it("lists the five presets in the reference order with exact ids, names, kinds and profiles", async () => {
    const { presets } = await ok(await api.presets.$get());
    expect(presets.map((p) => [p.id, p.name, p.kind, p.outputProfile])).toEqual(EXPECTED);
    for (const p of presets) {
      expect(Object.keys(p)).toEqual(["id", "name", "kind", "description", "outputProfile"]);
      expect(p.description.length).toBeGreaterThan(20);
    }
  });
});

describe("GET /presets/{preset_id}", () => {
  it("returns the preset itself, not wrapped", async () => {
    const res = await call("/presets/exam-mode");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: "exam-mode", kind: "exam", outputProfile: { question_focus: true } });
  });

  it("answers 404 with the reference detail for an unknown id", async () => {
    const res = await call("/presets/unknown");
    expect(res.status).toBe(404);
    expect((await json(res)).detail).toBe("Preset not found.");
  });
});
