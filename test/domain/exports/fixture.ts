/**
 * Export fixtures: one realistic lecture (statistical physics, with accents, Greek, math symbols
 * and the awkward strings an exporter must survive), and a synthetic two-hour lecture sized for
 * the performance test.
 */
import { type Artifact, type ArtifactType, type GeneratedContent, buildArtifact } from "../../../src/domain/artifacts.ts";
import type { ExportBundle, ExportThread } from "../../../src/domain/exports/index.ts";

const COURSE_ID = "phys-214";
const LECTURE_ID = "lec-0f3a9c";
const PRESET_ID = "exam-mode";
const GENERATED_AT = "2026-11-26T02:38:27.000Z";

function artifact<T extends ArtifactType>(type: T, content: GeneratedContent[T], lectureId = LECTURE_ID): Artifact<T> {
  return buildArtifact(type, content, {
    id: `${lectureId}-${type}`,
    courseId: COURSE_ID,
    lectureId,
    presetId: PRESET_ID,
    generatedAt: GENERATED_AT,
  });
}

const src = (segmentIndex: number, startSec: number, endSec = startSec + 20) => [{ segmentIndex, startSec, endSec }];

// Strings the tests look for; kept here so a test and the fixture cannot drift apart.
export const SAMPLES = {
  commaTerm: "Heat capacity, isobaric (Cₚ)",
  starTerm: "*args",
  quotedFront: 'Why is the "heat death" of the universe called a "death"?',
  quotedBack: 'Because entropy is at its maximum:\nno free energy is left, so no "work" can be done.',
  hashFront: "# of microstates Ω for two dice summing to 7?",
  htmlDefinition: "Wrapping a call in <code>simulate(*args)</code> passes a tuple; `kT` sets the scale.",
  numberedBack: "Three steps:\n1. isolate the system\n2. count microstates\n3. take k_B ln Ω",
  deepestTitle: "Stirling’s approximation ln N! ≈ N ln N − N",
} as const;

export function lectureFixture(): ExportBundle {
  const summary = artifact("summary", {
    overview:
      "Prof. Iñaki Muñoz introduced entropy from two directions: Clausius’s thermodynamic definition dS = δQ/T and Boltzmann’s count of microstates S = k_B ln Ω. " +
      "Clausius called the quantity “Verwandlungsinhalt”; guest slides by Dr. Jürgen Müller covered its history. " +
      "The lecture closed with the Carnot engine, whose efficiency η = 1 − T_c/T_h bounds every real engine (≤ 100 %, in practice ≈ 30–40 %).",
    sections: [
      {
        title: "Entropy as missing information",
        bullets: [
          "Boltzmann: S = k_B ln Ω, where Ω counts the microstates compatible with the macrostate.",
          "Isolated systems evolve towards larger Ω, so ΔS ≥ 0 — the second law.",
          "Gibbs generalises this to S = −k_B ∑ pᵢ ln pᵢ for any distribution over states.",
        ],
        sources: src(3, 754),
      },
      {
        title: "The Boltzmann distribution",
        bullets: [
          "At temperature T a state of energy E has probability ∝ e^(−E/k_BT).",
          "The partition function Z = ∑ e^(−βEᵢ) with β = 1/k_BT normalises it; ∂ ln Z/∂β = −⟨E⟩.",
          "Gaussian integral: ∫ e^(−αx²) dx = √(π/α) over x ∈ (−∞, ∞); the thermal wavelength is λ = h/√(2πmk_BT).",
          "Measured values are quoted ± 1 %; 6 × 10²³ ÷ 2 particles is still ≫ 1, so Stirling applies.",
        ],
        sources: src(41, 2210),
      },
      {
        title: "Heat engines & Carnot’s bound",
        bullets: [
          "Sadi Carnot (1824, Réflexions sur la puissance motrice du feu) showed that no engine between T_h and T_c beats η = 1 − T_c/T_h.",
          "Example: T_h = 500 °C, T_c = 25 °C → η ≈ 61 %; real turbines reach ≈ 40 %.",
          "Émile Clapeyron later drew the cycle in the p–V plane that we still use.",
        ],
        sources: src(88, 3725.4),
      },
    ],
  });

  const outline = artifact("outline", {
    outline: [
      {
        title: "Thermodynamic entropy",
        points: ["Clausius: dS = δQ_rev/T", "Path independence: S is a state function"],
        children: [
          {
            title: "Reversible vs. irreversible processes",
            points: ["For any cycle ∮ δQ/T ≤ 0 (Clausius inequality)"],
            children: [
              {
                title: "Free expansion of an ideal gas",
                points: ["ΔS = n R ln(V₂/V₁) > 0 although Q = 0"],
                children: [{ title: SAMPLES.deepestTitle, points: ["Error below 1 % for N ≥ 100"] }],
              },
            ],
          },
        ],
      },
      {
        title: "Statistical entropy",
        points: ["Microstates vs. macrostates"],
        children: [
          { title: "Two-state paramagnet", points: ["Ω(N, n) = N! / (n! (N − n)!)"] },
          { title: "Einstein solid", points: ["Ω grows ∝ q^N for q ≫ N"] },
        ],
      },
      { title: "Heat engines", points: ["Carnot cycle: two isotherms, two adiabats", "η_Carnot = 1 − T_c/T_h"] },
    ],
  });

  const keyTerms = artifact("key-terms", {
    terms: [
      {
        term: "Entropy (S)",
        definition: "A state function measuring the number of accessible microstates: S = k_B ln Ω.",
        example: "Melting 1 kg of ice at 0 °C raises S by ≈ 1.22 kJ/K.",
        sources: src(3, 754),
      },
      {
        term: SAMPLES.commaTerm,
        definition: "Heat needed per kelvin at constant pressure, Cₚ = (∂H/∂T)ₚ; always ≥ C_V.",
        sources: src(19, 1310),
      },
      {
        term: "Partition function, Z",
        definition: "Z = ∑ᵢ e^(−βEᵢ); every equilibrium quantity follows from its derivatives.",
        threadRef: "thread-boltzmann",
        sources: src(41, 2210),
      },
      { term: SAMPLES.starTerm, definition: SAMPLES.htmlDefinition },
      { term: "Carnot efficiency η", definition: "η = 1 − T_c/T_h, the upper bound for any engine between two reservoirs.", sources: src(88, 3725.4) },
      { term: "Boltzmann constant k_B", definition: "k_B ≈ 1.380649 × 10⁻²³ J/K, the bridge from energy to temperature." },
    ],
  });

  const flashcards = artifact("flashcards", {
    cards: [
      { front: "State the second law in terms of entropy.", back: "For an isolated system ΔS ≥ 0; equality only for reversible processes.", tags: ["second law", "entropy"], sources: src(3, 760) },
      { front: SAMPLES.quotedFront, back: SAMPLES.quotedBack, difficulty: "medium", tags: ["cosmology, sort of"] },
      { front: SAMPLES.hashFront, back: "Six: (1,6), (2,5), (3,4), (4,3), (5,2), (6,1).", tags: ["microstates"] },
      { front: "What is β in the Boltzmann factor e^(−βE)?", back: "β = 1/(k_B T), the inverse temperature in energy units.", difficulty: "easy", sources: src(41, 2215) },
      { front: "Carnot efficiency for T_h = 500 K, T_c = 300 K?", back: "η = 1 − 300/500 = 0.4 → 40 %.", difficulty: "easy", sources: src(88, 3740) },
      { front: "How do you compute S for an isolated system?", back: SAMPLES.numberedBack, tags: ["method"] },
      { front: "Is ΔS_universe ≠ 0 for a real (irreversible) process?", back: "Yes: Σ ΔS over system and surroundings is > 0." },
    ],
  });

  const examQuestions = artifact("exam-questions", {
    questions: [
      {
        prompt: "Which expression gives the Carnot efficiency?",
        type: "multiple-choice",
        choices: ["η = T_c/T_h", "η = 1 − T_c/T_h", "η = 1 − T_h/T_c", "η = T_h − T_c"],
        correctChoiceIndex: 1,
        answer: "η = 1 − T_c/T_h",
        sources: src(88, 3725.4),
      },
      { prompt: "True or false: the entropy of an isolated system can decrease in a reversible process.", type: "true-false", answer: "False — ΔS = 0 for reversible, > 0 otherwise." },
      { prompt: "Show that ∂ ln Z/∂β = −⟨E⟩.", type: "short-answer", answer: "Differentiate Z = ∑ e^(−βEᵢ): ∂Z/∂β = −∑ Eᵢ e^(−βEᵢ) = −Z⟨E⟩.", sources: src(42, 2290) },
      { prompt: "Discuss why Boltzmann’s S = k_B ln Ω and Clausius’s dS = δQ/T describe the same quantity.", type: "essay", answer: "Both are extensive state functions; for a system in equilibrium at T, adding δQ raises ln Ω by δQ/(k_B T)." },
    ],
  });

  const threads: ExportThread[] = [
    {
      id: "thread-entropy",
      title: "Entropy",
      summary: "Grows from Clausius’s heat ratio to Boltzmann’s microstate count; next: information entropy.",
      status: "advanced",
      complexity_level: 3,
      lecture_refs: ["lec-0a11", LECTURE_ID],
    },
    {
      id: "thread-boltzmann",
      title: "Boltzmann distribution",
      summary: "Probabilities ∝ e^(−E/k_BT); introduced here.",
      status: "foundational",
      complexity_level: 2,
      lecture_refs: [LECTURE_ID],
    },
  ];

  return {
    lecture: {
      id: LECTURE_ID,
      title: "Entropy, Boltzmann & Carnot — Lecture 7",
      courseId: COURSE_ID,
      courseTitle: "PHYS 214: Thermal Physics",
      presetId: PRESET_ID,
      presetName: "Exam Mode",
      durationSec: 5_400,
    },
    artifacts: {
      summary,
      outline,
      "key-terms": keyTerms,
      flashcards,
      "exam-questions": examQuestions,
    },
    threads,
    generatedAt: GENERATED_AT,
  };
}

// ---- synthetic two-hour lecture ----

/** Deterministic pseudo-random numbers (mulberry32), so the big fixture is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "energy entropy temperature pressure volume microstate macrostate reservoir engine cycle isotherm adiabat " +
  "équilibre Größe señal α β γ Δ Σ λ μ π ≤ ≥ ≠ ≈ ± × ÷ → ∞ √ ∑ ∫ ∂ ∈ ° " +
  "the of a to is in that which therefore because system heat work state function process reversible " +
  "irreversible probability distribution partition statistical mechanics Boltzmann Carnot Clausius Gibbs"
).split(" ");

function sentence(next: () => number, minWords: number, maxWords: number): string {
  const n = minWords + Math.floor(next() * (maxWords - minWords + 1));
  const words = Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]!);
  const text = words.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Roughly what a 2-hour lecture yields: 60 summary bullets, 200 terms, 300 cards, 150 questions. */
export function twoHourFixture(): ExportBundle {
  const next = rng(7);
  const t = (i: number, n: number) => Math.floor((i / n) * 7_200);
  const base = lectureFixture();

  const sections = Array.from({ length: 12 }, (_, s) => ({
    title: `Part ${s + 1}: ${sentence(next, 2, 5).slice(0, -1)}`,
    bullets: Array.from({ length: 5 }, () => sentence(next, 12, 40)),
    sources: src(s * 10, t(s, 12)),
  }));

  const node = (depth: number, label: string): GeneratedContent["outline"]["outline"][number] => ({
    title: `${label} ${sentence(next, 2, 6).slice(0, -1)}`,
    points: Array.from({ length: 2 }, () => sentence(next, 6, 20)),
    ...(depth < 4 ? { children: Array.from({ length: depth === 1 ? 3 : 2 }, (_, i) => node(depth + 1, `${label}.${i + 1}`)) } : {}),
  });

  return {
    ...base,
    lecture: { ...base.lecture, id: "lec-2h", title: "Two-hour synthetic lecture: statistical mechanics marathon", durationSec: 7_200 },
    artifacts: {
      summary: artifact("summary", { overview: Array.from({ length: 6 }, () => sentence(next, 15, 35)).join(" "), sections }, "lec-2h"),
      outline: artifact("outline", { outline: Array.from({ length: 10 }, (_, i) => node(1, `${i + 1}`)) }, "lec-2h"),
      "key-terms": artifact(
        "key-terms",
        {
          terms: Array.from({ length: 200 }, (_, i) => ({
            term: `Term ${i + 1}: ${sentence(next, 1, 3).slice(0, -1)}`,
            definition: sentence(next, 10, 45),
            ...(i % 3 === 0 ? { example: sentence(next, 6, 18) } : {}),
            sources: src(i, t(i, 200)),
          })),
        },
        "lec-2h",
      ),
      flashcards: artifact(
        "flashcards",
        {
          cards: Array.from({ length: 300 }, (_, i) => ({
            front: `${sentence(next, 5, 18).slice(0, -1)}?`,
            back: sentence(next, 5, 40),
            tags: ["synthetic", `block ${Math.floor(i / 50)}`],
            sources: src(i, t(i, 300)),
          })),
        },
        "lec-2h",
      ),
      "exam-questions": artifact(
        "exam-questions",
        {
          questions: Array.from({ length: 150 }, (_, i) => {
            const type = (["multiple-choice", "short-answer", "essay", "true-false"] as const)[i % 4]!;
            const choices = type === "multiple-choice" ? Array.from({ length: 4 }, () => sentence(next, 3, 12)) : undefined;
            return {
              prompt: `${sentence(next, 8, 30).slice(0, -1)}?`,
              type,
              answer: type === "true-false" ? "True" : sentence(next, 4, 30),
              ...(choices ? { choices, correctChoiceIndex: i % 4 } : {}),
              sources: src(i, t(i, 150)),
            };
          }),
        },
        "lec-2h",
      ),
    },
  };
}
