/**
 * The five study presets. Ids, names, kinds and `outputProfile` values are the wire contract;
 * the descriptions are ours.
 */
export interface OutputProfile {
  summary_style: string;
  sections: string[];
  chunking: string;
  question_focus: boolean;
}

export interface Preset {
  id: string;
  name: string;
  kind: string;
  description: string;
  outputProfile: OutputProfile;
}

export const PRESETS: readonly Preset[] = [
  {
    id: "exam-mode",
    name: "Exam Mode",
    kind: "exam",
    description: "Revision-first material: precise definitions, the points an examiner tests, and practice questions.",
    outputProfile: {
      summary_style: "concise_academic",
      sections: ["overview", "examinable_points", "definitions", "likely_questions"],
      chunking: "medium",
      question_focus: true,
    },
  },
  {
    id: "concept-map-mode",
    name: "Concept Map Mode",
    kind: "concept-map",
    description: "Organises the lecture as connected ideas: what depends on what, and how concepts relate.",
    outputProfile: {
      summary_style: "conceptual",
      sections: ["core_concepts", "relationships", "dependencies", "misconceptions"],
      chunking: "hierarchical",
      question_focus: false,
    },
  },
  {
    id: "beginner-mode",
    name: "Beginner Mode",
    kind: "beginner",
    description: "A first pass in everyday words, with examples and comparisons to make new ideas stick.",
    outputProfile: {
      summary_style: "plain_language",
      sections: ["overview", "key_ideas", "examples", "analogy_bank"],
      chunking: "short",
      question_focus: false,
    },
  },
  {
    id: "neurodivergent-friendly-mode",
    name: "Neurodivergent-Friendly Mode",
    kind: "neurodivergent",
    description: "Small, calm chunks in a predictable layout, with quick recall checks and nothing extra.",
    outputProfile: {
      summary_style: "low_clutter",
      sections: ["overview", "micro_chunks", "key_terms", "recall_prompts"],
      chunking: "very_short",
      question_focus: true,
    },
  },
  {
    id: "research-mode",
    name: "Research Mode",
    kind: "research",
    description: "Follows the argument: the claims made, the reasoning behind them, the evidence, and open questions.",
    outputProfile: {
      summary_style: "argumentative",
      sections: ["claims", "arguments", "evidence", "open_questions"],
      chunking: "medium",
      question_focus: true,
    },
  },
];

const BY_ID = new Map(PRESETS.map((p) => [p.id, p]));

export function findPreset(id: string): Preset | undefined {
  return BY_ID.get(id);
}

export function isPresetId(id: string): boolean {
  return BY_ID.has(id);
}
