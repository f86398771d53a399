import { micromark } from "micromark";
import { describe, expect, it } from "vitest";
import { ARTIFACT_SCHEMAS } from "../../../src/domain/artifacts.ts";
import { formatTimestamp, renderMarkdown } from "../../../src/domain/exports/index.ts";
import { SAMPLES, lectureFixture } from "./fixture.ts";

const html = (md: string) => micromark(md);

describe("fixture", () => {
  it("is valid against the artifact schemas", () => {
    const { artifacts } = lectureFixture();
    for (const [type, value] of Object.entries(artifacts)) {
      expect(ARTIFACT_SCHEMAS[type as keyof typeof ARTIFACT_SCHEMAS].safeParse(value).success, type).toBe(true);
    }
  });
});

describe("formatTimestamp", () => {
  it("uses mm:ss below an hour and h:mm:ss from an hour on", () => {
    expect(formatTimestamp(0)).toBe("00:00");
    expect(formatTimestamp(754.9)).toBe("12:34");
    expect(formatTimestamp(3599)).toBe("59:59");
    expect(formatTimestamp(3600)).toBe("1:00:00");
    expect(formatTimestamp(3725.4)).toBe("1:02:05");
    expect(formatTimestamp(-5)).toBe("00:00");
  });
});

describe("renderMarkdown", () => {
  const bundle = lectureFixture();
  const md = renderMarkdown(bundle);
  const lines = md.split("\n");

  it("has the title line and every section heading, in order", () => {
    expect(lines[0]).toBe("# Entropy, Boltzmann & Carnot — Lecture 7");
    const headings = lines.filter((l) => l.startsWith("## "));
    expect(headings).toEqual(["## Summary", "## Outline", "## Key Terms", "## Flashcards", "## Exam Questions", "## Threads"]);
    expect(md).toContain("Course: PHYS 214: Thermal Physics · Preset: Exam Mode · Duration: 1:30:00 · Generated: 2026-11-26 02:38 UTC");
  });

  it("renders the summary overview and one ### heading with bullets per section", () => {
    expect(md).toContain("Prof. Iñaki Muñoz introduced entropy");
    expect(lines).toContain("### Entropy as missing information _(12:34)_");
    expect(lines).toContain("### Heat engines & Carnot’s bound _(1:02:05)_");
    expect(lines).toContain("- Isolated systems evolve towards larger Ω, so ΔS ≥ 0 — the second law.");
  });

  it("renders the outline at full depth with two spaces per level", () => {
    expect(lines).toContain("- **Thermodynamic entropy**");
    expect(lines).toContain("  - **Reversible vs. irreversible processes**");
    expect(lines).toContain("    - **Free expansion of an ideal gas**");
    expect(lines).toContain(`      - **${SAMPLES.deepestTitle}**`);
    expect(lines).toContain("        - Error below 1 % for N ≥ 100");
    // And CommonMark reads it as four nested lists.
    const doc = html(md);
    const deepest = doc.indexOf(SAMPLES.deepestTitle);
    const before = doc.slice(doc.indexOf("<h2>Outline</h2>"), deepest);
    const open = (before.match(/<ul>/g) ?? []).length - (before.match(/<\/ul>/g) ?? []).length;
    expect(open).toBe(4);
  });

  it("appends the first source's timestamp to items that have sources", () => {
    expect(lines).toContain("- **Entropy (S)**: A state function measuring the number of accessible microstates: S = k_B ln Ω. _(12:34)_");
    expect(lines).toContain("- Q: Carnot efficiency for T_h = 500 K, T_c = 300 K? _(1:02:20)_");
    expect(lines).toContain("- Which expression gives the Carnot efficiency? _(1:02:05)_");
    // Items without sources get no stamp.
    expect(md).toContain("- Q: How do you compute S for an isolated system?\n");
  });

  it("makes the timestamp of a card or question with a link a Markdown link that plays the moment", () => {
    const linked = lectureFixture();
    const card = linked.artifacts.flashcards.cards.find((c) => c.front.startsWith("Carnot efficiency"))!;
    card.link = "/lectures/phys-214-07/audio#t=3740,3760.5";
    const question = linked.artifacts["exam-questions"].questions.find((q) => q.prompt.startsWith("Which expression"))!;
    question.link = "/lectures/phys-214-07/audio#t=3725.4,3740";
    const out = renderMarkdown(linked);
    expect(out.split("\n")).toContain("- Q: Carnot efficiency for T_h = 500 K, T_c = 300 K? _([1:02:20](</lectures/phys-214-07/audio#t=3740,3760.5>))_");
    expect(out.split("\n")).toContain("- Which expression gives the Carnot efficiency? _([1:02:05](</lectures/phys-214-07/audio#t=3725.4,3740>))_");
    expect(html(out)).toContain('<em>(<a href="/lectures/phys-214-07/audio#t=3740,3760.5">1:02:20</a>)</em>');
  });

  it("renders key-term examples, flashcard answers and exam answers", () => {
    expect(lines).toContain("  - Example: Melting 1 kg of ice at 0 °C raises S by ≈ 1.22 kJ/K.");
    expect(lines).toContain("  - A: For an isolated system ΔS ≥ 0; equality only for reversible processes.");
    expect(lines).toContain("  - Answer: False — ΔS = 0 for reversible, > 0 otherwise.");
  });

  it("lists multiple-choice options as a lettered sub-list and names the right one", () => {
    const start = lines.indexOf("- Which expression gives the Carnot efficiency? _(1:02:05)_");
    expect(lines.slice(start + 1, start + 6)).toEqual([
      "  - A. η = T_c/T_h",
      "  - B. η = 1 − T_c/T_h",
      "  - C. η = 1 − T_h/T_c",
      "  - D. η = T_h − T_c",
      "  - Answer: B. η = 1 − T_c/T_h",
    ]);
  });

  it("lists the threads", () => {
    expect(lines).toContain(
      "- **Entropy** (advanced, complexity 3/5, 2 lectures): Grows from Clausius’s heat ratio to Boltzmann’s microstate count; next: information entropy.",
    );
  });

  it("leaves out the threads section when there are none", () => {
    expect(renderMarkdown({ ...bundle, threads: [] })).not.toContain("## Threads");
  });

  it("escapes user text so it cannot change the structure", () => {
    const doc = html(md);
    // `*args` stays literal inside the bold term and does not start emphasis.
    expect(doc).toContain("<strong>*args</strong>: Wrapping a call in &lt;code&gt;simulate(*args)&lt;/code&gt; passes a tuple; `kT` sets the scale.");
    // A card starting with `#` is not a heading.
    expect(doc).toContain("<li>Q: # of microstates Ω for two dice summing to 7?");
    expect(doc).not.toMatch(/<h\d>[^<]*microstates Ω for two dice/);
    // Quotes pass through; the second line of a multi-line answer stays in its list item.
    expect(doc).toMatch(/<li>A: Because entropy is at its maximum:\nno free energy is left, so no &quot;work&quot; can be done.<\/li>/);
    // A numbered line inside an answer is text, not a new ordered list.
    expect(doc).not.toContain("<ol>");
    expect(doc).toContain("1. isolate the system");
    // No stray emphasis anywhere: every <em> is a timestamp.
    for (const em of doc.match(/<em>[^<]*<\/em>/g) ?? []) expect(em).toMatch(/^<em>\(\d+(:\d\d){1,2}\)<\/em>$/);
  });

  it("keeps hostile titles and terms on their own line", () => {
    const hostile = lectureFixture();
    hostile.lecture.title = "Intro #\n## not a heading";
    hostile.artifacts["key-terms"].terms[0]!.term = "**bold** `code` [link](x)\n- item";
    hostile.artifacts["key-terms"].terms[1]!.definition = "snake_case stays, _this is not emphasis_ and __neither is this__, a &amp; b.";
    const out = renderMarkdown(hostile);
    expect(out.split("\n")[0]).toBe("# Intro \\# \\#\\# not a heading");
    const doc = html(out);
    expect(doc).toContain("<h1>Intro # ## not a heading</h1>");
    expect(doc).toContain("<strong>**bold** `code` [link](x) - item</strong>:");
    expect(doc).toContain("snake_case stays, _this is not emphasis_ and __neither is this__, a &amp;amp; b.");
    expect(out).toContain("snake_case stays, \\_this is not emphasis\\_ and \\_\\_neither is this\\_\\_, a \\&amp; b.");
  });

  it("is deterministic and ends with one newline", () => {
    expect(renderMarkdown(lectureFixture())).toBe(md);
    expect(md.endsWith("\n")).toBe(true);
    expect(md.endsWith("\n\n")).toBe(false);
    expect(md).not.toMatch(/\n{3,}/);
  });
});
