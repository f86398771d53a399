/**
 * How a preset shapes the offline study material: summary sections, bullet and definition
 * lengths, how many terms, cards and questions per thousand words, and the question mix.
 */
import type { Preset } from "../presets.ts";

export type QuestionKind = "mc" | "define" | "tf" | "essay" | "evidence" | "relation";

export interface Style {
  kind: string;
  /** Summary section keys, from the preset's outputProfile. */
  sections: string[];
  /** Longest bullet or outline point, in words. */
  bulletWords: number;
  /** Longest whole sentence used as an overview line, in words. */
  sentenceWords: number;
  /** Longest definition sentence, in words; one whose core is longer may reach definitionHardWords. */
  definitionWords: number;
  definitionHardWords: number;
  /** Longest cloze or multiple-choice stem, in words (kept around the blank). */
  stemWords: number;
  itemsPerSection: number;
  overviewSentences: number;
  outlinePoints: number;
  hierarchical: boolean;
  /** Definitions and answers are short glosses ("The diffusion of water ..."), not sentences. */
  shortBacks: boolean;
  allEasy: boolean;
  /** Only lecture sentences this short become true/false statements. */
  maxStatementWords: number;
  presetTags: string[];
  termsPer1000: number;
  /** How far past termsPer1000 the list may grow when the lecture defines that many terms. */
  definedTermsStretch: number;
  cardsPer1000: number;
  questionsPer1000: number;
  questionMix: [QuestionKind, number][];
  preferSimpleTerms: boolean;
}

type Chunking = Pick<Style, "bulletWords" | "itemsPerSection" | "outlinePoints">;
const MEDIUM: Chunking = { bulletWords: 32, itemsPerSection: 6, outlinePoints: 4 };
const CHUNKING: Record<string, Chunking> = {
  very_short: { bulletWords: 12, itemsPerSection: 3, outlinePoints: 2 },
  short: { bulletWords: 18, itemsPerSection: 4, outlinePoints: 3 },
  medium: MEDIUM,
  hierarchical: { bulletWords: 26, itemsPerSection: 5, outlinePoints: 2 },
};

/** How each preset kind departs from the defaults; an unknown kind (custom) keeps them. */
const KIND_STYLES: Record<string, Partial<Style>> = {
  exam: {
    presetTags: ["exam"],
    termsPer1000: 8,
    definedTermsStretch: 2.2,
    cardsPer1000: 13,
    questionsPer1000: 8,
    questionMix: [["mc", 0.4], ["define", 0.25], ["tf", 0.2], ["essay", 0.15]],
  },
  beginner: {
    overviewSentences: 2,
    sentenceWords: 20,
    definitionWords: 20,
    definitionHardWords: 24,
    stemWords: 24,
    maxStatementWords: 20,
    presetTags: ["basics"],
    termsPer1000: 5.5,
    cardsPer1000: 8,
    questionsPer1000: 4.5,
    preferSimpleTerms: true,
    definedTermsStretch: 1.3,
    questionMix: [["tf", 0.35], ["mc", 0.35], ["define", 0.3]],
  },
  neurodivergent: {
    overviewSentences: 2,
    sentenceWords: 12,
    definitionWords: 16,
    definitionHardWords: 20,
    stemWords: 16,
    maxStatementWords: 16,
    shortBacks: true,
    allEasy: true,
    presetTags: ["quick-check"],
    termsPer1000: 5.5,
    cardsPer1000: 8,
    questionsPer1000: 5,
    preferSimpleTerms: true,
    definedTermsStretch: 1.3,
    questionMix: [["tf", 0.4], ["mc", 0.3], ["define", 0.3]],
  },
  research: {
    overviewSentences: 2,
    presetTags: ["research"],
    termsPer1000: 6.5,
    cardsPer1000: 8,
    questionsPer1000: 7,
    questionMix: [["evidence", 0.35], ["essay", 0.25], ["mc", 0.2], ["define", 0.2]],
  },
  "concept-map": {
    overviewSentences: 2,
    presetTags: ["concept-map"],
    termsPer1000: 8,
    cardsPer1000: 9,
    questionsPer1000: 5,
    questionMix: [["relation", 0.35], ["essay", 0.25], ["mc", 0.25], ["tf", 0.15]],
  },
};

export function styleFor(preset: Preset): Style {
  const { outputProfile } = preset;
  return {
    kind: preset.kind,
    sections: outputProfile.sections,
    ...(CHUNKING[outputProfile.chunking] ?? MEDIUM),
    sentenceWords: 40,
    definitionWords: 40,
    definitionHardWords: 45,
    stemWords: 45,
    overviewSentences: 3,
    hierarchical: outputProfile.chunking === "hierarchical",
    shortBacks: false,
    allEasy: false,
    maxStatementWords: 40,
    presetTags: [],
    termsPer1000: 7,
    definedTermsStretch: 1.5,
    cardsPer1000: 10,
    questionsPer1000: outputProfile.question_focus ? 7 : 5,
    questionMix: [["mc", 0.4], ["define", 0.3], ["tf", 0.2], ["essay", 0.1]],
    preferSimpleTerms: false,
    ...KIND_STYLES[preset.kind],
  };
}

/** Count for a lecture of `words` words, at `per1000` per thousand words, within [min, max]. */
export function scaled(words: number, per1000: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round((words / 1000) * per1000)));
}
