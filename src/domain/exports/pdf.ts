/**
 * The Pegasus study document as a PDF: a title block (lecture, course, preset, duration when
 * known, generation date), then the summary, the outline at full depth, key terms, flashcards,
 * exam questions and, when the lecture has any, its threads, each under a section heading. It
 * is laid out in three steps, each a plain function: build paragraphs from the bundle (here),
 * then wrap them into measured lines and paginate the lines (pdf-layout.ts), headings kept with
 * what follows them. `planPdf` is that layout and never touches pdf-lib's document, so it can be
 * tested without parsing a PDF; `renderPdf` draws it, with the document metadata and a footer
 * carrying the page number (and, after the first page, the lecture title).
 */
import { PDFDocument, rgb } from "pdf-lib";
import type { OutlineNode, SourceRef } from "../artifacts.ts";
import dejaVuSansBytes from "./fonts/DejaVuSans.ttf";
import {
  CONTENT_WIDTH,
  FOOTER_BASELINE,
  MARGIN_X,
  Measurer,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  bodyFont,
  drawFrag,
  paginate,
  sanitizeForFont,
  truncateToWidth,
  wrap,
  type Para,
  type PlacedLine,
  type Run,
} from "./pdf-layout.ts";
import {
  SECTION_TITLES,
  THREADS_HEADING,
  choiceLetter,
  courseLabel,
  describeAnswer,
  firstSourceTimestamp,
  formatGeneratedAt,
  formatTimestamp,
  lectureLabel,
  presetLabel,
} from "./shared.ts";
import type { ExportBundle } from "./types.ts";

// ---- type scale (points) and colours ----

const BODY = { size: 10.5, leading: 14.7 };
const SMALL = { size: 9.5, leading: 13.3 };
const H1 = { size: 20, leading: 25 };
const H2 = { size: 15, leading: 19.5 };
const H3 = { size: 12, leading: 16 };
const FOOTER_SIZE = 8.5;

const LEVEL_INDENT = 14;
const MAX_INDENT_LEVEL = 8; // deeper outline levels share this indent so text keeps some width
const BULLETS = ["•", "◦", "▪", "–"];

const ACCENT = rgb(0.09, 0.24, 0.48);
const MUTED = rgb(0.42, 0.42, 0.46);
const RULE = rgb(0.78, 0.8, 0.84);

// ---- paragraphs ----

const BULLET_WIDTH = 12;

function levelIndent(level: number): number {
  return Math.min(level, MAX_INDENT_LEVEL) * LEVEL_INDENT;
}

function stampRun(sources: readonly SourceRef[] | undefined): Run[] {
  const ts = firstSourceTimestamp(sources);
  return ts ? [{ text: `  (${ts})`, color: MUTED }] : [];
}

function body(runs: Run[], indent: number, spaceBefore: number, extra: Partial<Para> = {}): Para {
  return { runs, size: BODY.size, leading: BODY.leading, indent, spaceBefore, ...extra };
}

function heading(text: string, style: { size: number; leading: number }, spaceBefore: number, extra: Run[] = []): Para {
  return {
    runs: [{ text, bold: true, color: ACCENT }, ...extra],
    size: style.size,
    leading: style.leading,
    indent: 0,
    spaceBefore,
    heading: true,
    keepWithNext: true,
  };
}

function sectionHeading(title: string): Para[] {
  return [heading(title, H2, 20), { runs: [], size: 4, leading: 6, indent: 0, spaceBefore: 1, rule: true, keepWithNext: true }];
}

function bullet(runs: Run[], level: number, spaceBefore = 2.5): Para {
  const x = levelIndent(level);
  return body(runs, x + BULLET_WIDTH, spaceBefore, {
    markers: [{ text: BULLETS[level % BULLETS.length] ?? "•", x, color: ACCENT }],
  });
}

function outlineParas(nodes: readonly OutlineNode[], level: number, out: Para[]): void {
  for (const node of nodes) {
    // A title keeps with its first point or child; a bare leaf title need not.
    const hasBody = (node.points?.length ?? 0) > 0 || (node.children?.length ?? 0) > 0;
    out.push({ ...bullet([{ text: node.title, bold: true }], level, level === 0 ? 5 : 2.5), keepWithNext: hasBody });
    for (const point of node.points ?? []) out.push(bullet([{ text: point }], level + 1));
    if (node.children?.length) outlineParas(node.children, level + 1, out);
  }
}

const QUESTION_TYPE_LABELS = {
  "multiple-choice": "multiple choice",
  "short-answer": "short answer",
  essay: "essay",
  "true-false": "true/false",
} as const;

/** Room for the widest of `count` item numbers ("300."). */
function numberWidth(count: number, m: Measurer): number {
  return m.width(`${"0".repeat(String(count).length)}.`, BODY.size) + 6;
}

function buildParagraphs(bundle: ExportBundle, m: Measurer): Para[] {
  const { artifacts, lecture } = bundle;
  const paras: Para[] = [];

  // Title block.
  paras.push(heading(lectureLabel(bundle), H1, 0));
  const meta: [string, string][] = [
    ["Course", courseLabel(bundle)],
    ["Preset", presetLabel(bundle)],
  ];
  if (lecture.durationSec && lecture.durationSec > 0) meta.push(["Duration", formatTimestamp(lecture.durationSec)]);
  meta.push(["Generated", formatGeneratedAt(bundle.generatedAt)]);
  meta.forEach(([label, value], i) =>
    paras.push({
      runs: [{ text: `${label}: `, bold: true, color: MUTED }, { text: value, color: MUTED }],
      size: SMALL.size,
      leading: SMALL.leading,
      indent: 0,
      spaceBefore: i === 0 ? 6 : 0,
    }),
  );

  // Summary.
  const summary = artifacts.summary;
  paras.push(...sectionHeading(SECTION_TITLES.summary));
  for (const part of summary.overview.split(/\n\s*\n/)) {
    if (part.trim()) paras.push(body([{ text: part.trim() }], 0, 4));
  }
  for (const section of summary.sections) {
    paras.push(heading(section.title, H3, 10, stampRun(section.sources)));
    section.bullets.forEach((b, i) => paras.push(bullet([{ text: b }], 0, i === 0 ? 4 : 2.5)));
  }

  // Outline, at full depth.
  paras.push(...sectionHeading(SECTION_TITLES.outline));
  outlineParas(artifacts.outline.outline, 0, paras);

  // Key terms.
  paras.push(...sectionHeading(SECTION_TITLES["key-terms"]));
  for (const t of artifacts["key-terms"].terms) {
    paras.push(bullet([{ text: t.term, bold: true }, { text: ": " }, { text: t.definition }, ...stampRun(t.sources)], 0, 4));
    if (t.example?.trim()) {
      const example = [{ text: "Example: ", bold: true, color: MUTED }, { text: t.example.trim(), color: MUTED }];
      paras.push(body(example, BULLET_WIDTH, 1));
    }
  }

  // Flashcards: number, then "Q:"/"A:" labels, with the text hanging after the label.
  const cards = artifacts.flashcards.cards;
  const cardNumber = numberWidth(cards.length, m);
  const labelWidth = Math.max(m.width("Q:", BODY.size), m.width("A:", BODY.size)) + 5;
  const cardText = cardNumber + labelWidth;
  paras.push(...sectionHeading(SECTION_TITLES.flashcards));
  cards.forEach((c, i) => {
    paras.push(
      body([{ text: c.front }, ...stampRun(c.sources)], cardText, 6, {
        markers: [
          { text: `${i + 1}.`, x: 0, bold: true, color: ACCENT },
          { text: "Q:", x: cardNumber, bold: true, color: ACCENT },
        ],
        keepWithNext: true,
      }),
    );
    paras.push(body([{ text: c.back }], cardText, 1.5, { markers: [{ text: "A:", x: cardNumber, bold: true, color: ACCENT }] }));
  });

  // Exam questions: numbered prompts, lettered choices, then the answer.
  const questions = artifacts["exam-questions"].questions;
  const questionNumber = numberWidth(questions.length, m);
  paras.push(...sectionHeading(SECTION_TITLES["exam-questions"]));
  questions.forEach((q, i) => {
    const prompt = [{ text: q.prompt }, { text: `  (${QUESTION_TYPE_LABELS[q.type]})`, color: MUTED }, ...stampRun(q.sources)];
    paras.push(
      body(prompt, questionNumber, 7, { markers: [{ text: `${i + 1}.`, x: 0, bold: true, color: ACCENT }], keepWithNext: true }),
    );
    if (q.type === "multiple-choice" && q.choices?.length) {
      const letterWidth = m.width(`${choiceLetter(q.choices.length - 1)}.`, BODY.size) + 6;
      q.choices.forEach((choice, ci) =>
        paras.push(
          body([{ text: choice }], questionNumber + letterWidth, 1.5, {
            markers: [{ text: `${choiceLetter(ci)}.`, x: questionNumber }],
          }),
        ),
      );
    }
    paras.push(body([{ text: "Answer: ", bold: true, color: ACCENT }, { text: describeAnswer(q) }], questionNumber, 2));
  });

  // Threads this lecture contributes to.
  if (bundle.threads.length > 0) {
    paras.push(...sectionHeading(THREADS_HEADING));
    for (const t of bundle.threads) {
      const lectures = `${t.lecture_refs.length} lecture${t.lecture_refs.length === 1 ? "" : "s"}`;
      const facts = `  ${t.status} · complexity ${t.complexity_level}/5 · ${lectures}`;
      paras.push({ ...bullet([{ text: t.title, bold: true }, { text: facts, color: MUTED }], 0, 6), keepWithNext: true });
      paras.push(body([{ text: t.summary }], BULLET_WIDTH, 1));
    }
  }
  return paras;
}

// ---- the plan ----

export interface PdfPlan {
  pages: PlacedLine[][];
}

/** The laid-out document: which line goes where on which page. Pure and synchronous. */
export function planPdf(bundle: ExportBundle): PdfPlan {
  const m = new Measurer(bodyFont());
  const lines = buildParagraphs(bundle, m).flatMap((p) => wrap(p, m));
  return { pages: paginate(lines) };
}

// ---- drawing ----

type FontkitAdapter = Parameters<PDFDocument["registerFontkit"]>[0];

export async function renderPdf(bundle: ExportBundle): Promise<Uint8Array> {
  const fk = bodyFont();
  const m = new Measurer(fk);
  const plan = planPdf(bundle);

  // No automatic metadata: pdf-lib would stamp the current time, and output must be repeatable.
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit({ create: () => fk } as unknown as FontkitAdapter);
  // A fixed six-letter tag marks the font as a subset (PDF 32000 9.6.4) and keeps output stable.
  const font = await doc.embedFont(new Uint8Array(dejaVuSansBytes), { subset: true, customName: "PGSSUB+DejaVuSans" });

  const title = lectureLabel(bundle);
  doc.setTitle(title, { showInWindowTitleBar: true });
  doc.setSubject(`${courseLabel(bundle)}: study material (${presetLabel(bundle)})`);
  doc.setAuthor("Pegasus");
  doc.setCreator("Pegasus");
  doc.setProducer("Pegasus (pdf-lib)");
  const generated = Date.parse(bundle.generatedAt);
  if (!Number.isNaN(generated)) {
    doc.setCreationDate(new Date(generated));
    doc.setModificationDate(new Date(generated));
  }

  const footerTitle = truncateToWidth(sanitizeForFont(title), CONTENT_WIDTH * 0.6, FOOTER_SIZE, m);
  const total = plan.pages.length;
  plan.pages.forEach((lines, index) => {
    const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    for (const line of lines) {
      if (line.kind === "rule") {
        const y = line.top - line.height / 2;
        page.drawLine({ start: { x: MARGIN_X, y }, end: { x: PAGE_WIDTH - MARGIN_X, y }, thickness: 0.6, color: RULE });
        continue;
      }
      const baseline = line.top - m.baselineOffset(line.size, line.height);
      for (const frag of line.frags) drawFrag(page, font, frag, MARGIN_X + frag.x, baseline, line.size);
    }
    const pageLabel = `Page ${index + 1} of ${total}`;
    page.drawText(pageLabel, {
      x: PAGE_WIDTH - MARGIN_X - m.width(pageLabel, FOOTER_SIZE),
      y: FOOTER_BASELINE,
      size: FOOTER_SIZE,
      font,
      color: MUTED,
    });
    if (index > 0) page.drawText(footerTitle, { x: MARGIN_X, y: FOOTER_BASELINE, size: FOOTER_SIZE, font, color: MUTED });
  });

  return doc.save({ useObjectStreams: true });
}
