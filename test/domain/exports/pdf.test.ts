import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { CONTENT_WIDTH, FALLBACK_CHAR, planPdf, renderPdf, sanitizeForFont } from "../../../src/domain/exports/index.ts";
import { SAMPLES, lectureFixture, twoHourFixture } from "./fixture.ts";

/** Parses the PDF with pdf.js (unpdf's serverless build) and returns the text of each page. */
async function pagesText(bytes: Uint8Array): Promise<string[]> {
  const doc = await getDocumentProxy(bytes.slice());
  const { text } = await extractText(doc, { mergePages: false });
  return text;
}

// pdf.js may split or join runs differently from how they were drawn; compare without spaces.
const squash = (s: string) => s.replace(/\s+/g, "");

const SECTION_TITLES = ["Summary", "Outline", "Key Terms", "Flashcards", "Exam Questions", "Threads"];

describe("renderPdf", () => {
  it("produces a parseable PDF with every section and the non-ASCII text intact", async () => {
    const bundle = lectureFixture();
    const bytes = await renderPdf(bundle);
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe("%PDF-");

    const pages = await pagesText(bytes);
    const all = pages.join("\n");
    for (const title of SECTION_TITLES) expect(all).toContain(title);
    expect(all).toContain("Entropy, Boltzmann & Carnot — Lecture 7");
    const samples = ["α", "β", "Δ", "Σ", "λ", "π", "≤", "≥", "≠", "≈", "±", "×", "÷", "→", "∞", "√", "∑", "∫", "∂", "∈", "°"];
    for (const sample of [...samples, "é", "É", "ñ", "ü", "Ω", "“", "”", "’", "—", "–"]) {
      expect(all, sample).toContain(sample);
    }
    // Whole strings survive too (accents, subscripts, quotes).
    const squashed = squash(all);
    expect(squashed).toContain(squash("Prof. Iñaki Muñoz introduced entropy"));
    expect(squashed).toContain(squash(SAMPLES.quotedFront));
    expect(squashed).toContain(squash(SAMPLES.commaTerm));
    expect(squashed).toContain(squash(SAMPLES.deepestTitle));
    expect(squashed).toContain(squash("Émile Clapeyron"));
    expect(squashed).toContain("(12:34)");
    expect(squashed).toContain("(1:02:05)");
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
  });

  it("replaces characters the font lacks with a visible fallback instead of failing", async () => {
    expect(sanitizeForFont("ok 漢字 🙂\u200d\ufe0f é")).toBe(`ok ${FALLBACK_CHAR}${FALLBACK_CHAR} ${FALLBACK_CHAR} é`);
    expect(sanitizeForFont("tab\there\r\nnext\u0007")).toBe("tab here\nnext");
    // Decomposed accents are recomposed so they use the font's precomposed glyphs.
    expect(sanitizeForFont("e\u0301")).toBe("é");

    const bundle = lectureFixture();
    bundle.artifacts.flashcards.cards[0]!.front = "Kanji 漢字 and emoji 🙂 in a card";
    const text = (await pagesText(await renderPdf(bundle))).join("\n");
    expect(squash(text)).toContain(squash("Kanji ?? and emoji ? in a card"));
  });

  it("wraps long text within the margins, breaking words longer than a line", () => {
    const bundle = lectureFixture();
    const longWord = `https://example.org/${"a".repeat(400)}`;
    bundle.artifacts["key-terms"].terms[0]!.definition = `${"Wrapped text ".repeat(60)}${longWord}`;
    const plan = planPdf(bundle);
    const lines = plan.pages.flat();
    for (const line of lines) {
      for (const frag of line.frags) expect(frag.x + frag.width).toBeLessThanOrEqual(CONTENT_WIDTH + 0.01);
    }
    const pieces = lines.filter((l) => l.frags.some((f) => /a{20,}/.test(f.text)));
    expect(pieces.length).toBeGreaterThan(1);
  });

  it("moves a heading to the next page rather than leaving it last on a page", () => {
    // Growing the first section one bullet at a time walks every later heading past the page
    // bottom, so some of these layouts would strand a heading without keep-with-next.
    for (let extra = 0; extra < 60; extra++) {
      const bundle = lectureFixture();
      const first = bundle.artifacts.summary.sections[0]!;
      for (let i = 0; i < extra; i++) first.bullets.push(`Filler bullet ${i + 1} that fits on one line.`);
      const { pages } = planPdf(bundle);
      pages.forEach((page, p) => {
        const last = page.at(-1)!;
        expect(last.kind, `${extra} extra bullets: page ${p + 1} ends with ${last.frags.map((f) => f.text).join("")}`).toBe("text");
      });
    }
  });

  it("is deterministic", async () => {
    const a = await renderPdf(lectureFixture());
    const b = await renderPdf(lectureFixture());
    expect(a).toEqual(b);
  });
});

describe("renderPdf, two-hour lecture", () => {
  const bundle = twoHourFixture();

  it("never leaves a heading at the bottom of a page", () => {
    const { pages } = planPdf(bundle);
    expect(pages.length).toBeGreaterThan(20);
    pages.forEach((page, i) => {
      const last = page.at(-1)!;
      expect(last.kind, `page ${i + 1} ends with ${JSON.stringify(last.frags.map((f) => f.text).join(""))}`).toBe("text");
    });
    // A heading is followed by body text on the same page.
    for (const page of pages) {
      page.forEach((line, j) => {
        if (line.kind === "heading") expect(page.slice(j + 1).some((l) => l.kind === "text")).toBe(true);
      });
    }
  });

  it("renders within generous time and size bounds, numbering every page", async () => {
    const started = performance.now();
    const bytes = await renderPdf(bundle);
    const ms = performance.now() - started;
    const pageCount = planPdf(bundle).pages.length;
    console.log(`two-hour lecture PDF: ${pageCount} pages, ${bytes.length} bytes, ${ms.toFixed(0)} ms (performance.now in workerd)`);
    expect(bytes.length).toBeLessThan(5 * 1024 * 1024);
    expect(ms).toBeLessThan(20_000);

    const pages = await pagesText(bytes);
    expect(pages.length).toBe(planPdf(bundle).pages.length);
    pages.forEach((text, i) => expect(text).toContain(`Page ${i + 1} of ${pages.length}`));
    const all = pages.join("\n");
    for (const title of ["Summary", "Outline", "Key Terms", "Flashcards", "Exam Questions"]) expect(all).toContain(title);
    expect(all).toContain("∫");
    expect(squash(all)).toContain(squash(bundle.artifacts.flashcards.cards[299]!.back));
  });
});
