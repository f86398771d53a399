/**
 * PDF export with pdf-lib. The document is laid out in three steps, each a plain function:
 * build paragraphs from the bundle, wrap them into measured lines, and paginate the lines
 * (headings are kept with what follows them). Only the last step touches pdf-lib, so the layout
 * can be tested without parsing a PDF.
 *
 * Text is set in DejaVu Sans, embedded as a subset, because the standard 14 PDF fonts only cover
 * WinAnsi (no Greek, no math operators). There is one face only; bold is drawn by also stroking
 * the glyph outline, which saves shipping a second 700 KB font.
 *
 * The font engine is upstream `fontkit` rather than the `@pdf-lib/fontkit` fork, whose TrueType
 * subsetter can corrupt glyphs (it writes a short `loca` table without padding odd-length
 * glyphs). pdf-lib only needs `create()` plus a stream-style `encodeStream()` on subsets, which
 * the adapter below supplies.
 */
import { create as createFontkitFont, type Font as FontkitFont } from "fontkit";
import {
  type Color,
  PDFDocument,
  type PDFFont,
  type PDFPage,
  PageSizes,
  TextRenderingMode,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setLineWidth,
  setStrokingColor,
  setTextRenderingMode,
} from "pdf-lib";
import type { OutlineNode, SourceRef } from "../artifacts.ts";
import dejaVuSansBytes from "./fonts/DejaVuSans.ttf";
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

// ---- page geometry and type scale (points) ----

const [PAGE_WIDTH, PAGE_HEIGHT] = PageSizes.A4;
const MARGIN_X = 56.7; // 20 mm
const MARGIN_TOP = 56.7;
const MARGIN_BOTTOM = 62; // leaves room for the footer line
const FOOTER_BASELINE = 30;
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X;

const BODY = { size: 10.5, leading: 14.7 };
const SMALL = { size: 9.5, leading: 13.3 };
const H1 = { size: 20, leading: 25 };
const H2 = { size: 15, leading: 19.5 };
const H3 = { size: 12, leading: 16 };
const FOOTER_SIZE = 8.5;

const LEVEL_INDENT = 14;
const MAX_INDENT_LEVEL = 8; // deeper outline levels share this indent so text keeps some width
const BULLETS = ["•", "◦", "▪", "–"];

const INK = rgb(0.11, 0.11, 0.13);
const ACCENT = rgb(0.09, 0.24, 0.48);
const MUTED = rgb(0.42, 0.42, 0.46);
const RULE = rgb(0.78, 0.8, 0.84);

// ---- font ----

let cachedFont: FontkitFont | undefined;

/** Parsed once per isolate; fontkit fonts are read-only apart from internal glyph caches. */
function bodyFont(): FontkitFont {
  if (!cachedFont) {
    const parsed = createFontkitFont(new Uint8Array(dejaVuSansBytes) as unknown as Buffer) as FontkitFont;
    const createSubset = parsed.createSubset.bind(parsed);
    parsed.createSubset = () => {
      const subset = createSubset();
      // pdf-lib reads `subset.encodeStream()` as a Node-style stream (on data/end/error);
      // upstream fontkit only offers the synchronous `encode()`.
      const encodeStream = () => {
        const handlers: Record<string, ((arg?: unknown) => void) | undefined> = {};
        let scheduled = false;
        const stream = {
          on(event: string, handler: (arg?: unknown) => void) {
            handlers[event] = handler;
            if (!scheduled) {
              scheduled = true;
              queueMicrotask(() => {
                try {
                  const bytes = subset.encode();
                  handlers.data?.(bytes);
                  handlers.end?.();
                } catch (err) {
                  handlers.error?.(err);
                }
              });
            }
            return stream;
          },
        };
        return stream;
      };
      return Object.assign(subset, { encodeStream });
    };
    cachedFont = parsed;
  }
  return cachedFont;
}

// Characters that draw nothing; kept out so they cannot turn into fallback marks.
const IGNORABLE =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E0FFF}]/gu;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const WIDE_SPACE = /[\t\u1680\u2000-\u200A\u205F\u3000]/g;

export const FALLBACK_CHAR = "?";

/** Text the font can draw: normalised, cleaned, and with "?" for every character it lacks. */
export function sanitizeForFont(text: string, font: FontkitFont = bodyFont()): string {
  const cleaned = text
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(WIDE_SPACE, " ")
    .replace(IGNORABLE, "")
    .replace(CONTROL, "")
    .normalize("NFC");
  let out = "";
  for (const ch of cleaned) {
    const cp = ch.codePointAt(0) ?? 0;
    out += cp === 10 || font.hasGlyphForCodePoint(cp) ? ch : FALLBACK_CHAR;
  }
  return out;
}

/** Advance widths as pdf-lib will draw them (its encoder uses the same `layout`), cached. */
class Measurer {
  private readonly cache = new Map<string, number>();
  private readonly unitsPerEm: number;
  private readonly ascent: number;
  private readonly descent: number;

  constructor(private readonly font: FontkitFont) {
    this.unitsPerEm = font.unitsPerEm;
    this.ascent = font.ascent / font.unitsPerEm;
    this.descent = font.descent / font.unitsPerEm; // negative
  }

  width(text: string, size: number): number {
    let units = this.cache.get(text);
    if (units === undefined) {
      units = 0;
      for (const glyph of this.font.layout(text).glyphs) units += glyph.advanceWidth;
      this.cache.set(text, units);
    }
    return (units * size) / this.unitsPerEm;
  }

  /** Distance from the top of a line box to the baseline, text centred in the box. */
  baselineOffset(size: number, lineHeight: number): number {
    return (lineHeight - (this.ascent - this.descent) * size) / 2 + this.ascent * size;
  }
}

// ---- paragraphs ----

interface Run {
  text: string;
  bold?: boolean;
  color?: Color;
}

interface Marker extends Run {
  /** From the left margin. */
  x: number;
}

interface Para {
  runs: Run[];
  size: number;
  leading: number;
  /** Where every line's text starts, from the margin; markers hang to its left. */
  indent: number;
  /** Bullets, numbers and labels drawn on the first line only. */
  markers?: Marker[];
  spaceBefore: number;
  heading?: boolean;
  /** Keep the paragraph's last line on the same page as the next line. */
  keepWithNext?: boolean;
  rule?: boolean;
}

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

// ---- line breaking ----

export type LineKind = "heading" | "text" | "rule";

export interface Frag {
  text: string;
  /** From the left margin. */
  x: number;
  width: number;
  bold: boolean;
  color: Color;
}

export interface Line {
  kind: LineKind;
  size: number;
  height: number;
  spaceBefore: number;
  keepWithNext: boolean;
  frags: Frag[];
}

interface Seg {
  text: string;
  bold: boolean;
  color: Color;
}

type Token = { t: "word"; segs: Seg[]; width: number } | { t: "space"; seg: Seg } | { t: "break" };

function sameStyle(a: Seg, b: Seg): boolean {
  return a.bold === b.bold && a.color === b.color;
}

function tokenize(runs: readonly Run[], size: number, m: Measurer): Token[] {
  const tokens: Token[] = [];
  let word: Seg[] = [];
  const flush = () => {
    if (word.length === 0) return;
    tokens.push({ t: "word", segs: word, width: word.reduce((w, s) => w + m.width(s.text, size), 0) });
    word = [];
  };
  for (const run of runs) {
    const style = { bold: run.bold ?? false, color: run.color ?? INK };
    for (const [piece] of sanitizeForFont(run.text).matchAll(/\n| +|[^ \n]+/g)) {
      if (piece === "\n") {
        flush();
        tokens.push({ t: "break" });
      } else if (piece.startsWith(" ")) {
        flush();
        tokens.push({ t: "space", seg: { text: " ", ...style } });
      } else {
        const last = word.at(-1);
        if (last && sameStyle(last, { text: "", ...style })) last.text += piece;
        else word.push({ text: piece, ...style });
      }
    }
  }
  flush();
  return tokens;
}

/** Cuts a word wider than the line into pieces that fit, at character boundaries. */
function splitLongWord(segs: readonly Seg[], maxWidth: number, size: number, m: Measurer): Seg[][] {
  const pieces: Seg[][] = [];
  let current: Seg[] = [];
  let width = 0;
  for (const seg of segs) {
    for (const ch of seg.text) {
      const w = m.width(ch, size);
      if (width + w > maxWidth && width > 0) {
        pieces.push(current);
        current = [];
        width = 0;
      }
      const last = current.at(-1);
      if (last && sameStyle(last, seg)) last.text += ch;
      else current.push({ ...seg, text: ch });
      width += w;
    }
  }
  if (current.length > 0) pieces.push(current);
  return pieces;
}

function wrap(para: Para, m: Measurer): Line[] {
  const textX = para.indent;
  const maxWidth = Math.max(CONTENT_WIDTH - textX, 40);
  const kind: LineKind = para.heading ? "heading" : "text";

  if (para.rule) {
    const keepWithNext = !!para.keepWithNext;
    return [{ kind: "rule", size: para.size, height: para.leading, spaceBefore: para.spaceBefore, keepWithNext, frags: [] }];
  }

  const rows: Seg[][] = [];
  let row: Seg[] = [];
  let rowWidth = 0;
  let pendingSpace: Seg | undefined;
  const emit = () => {
    // A run of blank lines collapses to one.
    if (row.length > 0 || (rows.length > 0 && rows.at(-1)!.length > 0)) rows.push(row);
    row = [];
    rowWidth = 0;
    pendingSpace = undefined;
  };

  for (const tok of tokenize(para.runs, para.size, m)) {
    if (tok.t === "break") {
      emit();
    } else if (tok.t === "space") {
      if (row.length > 0) pendingSpace = tok.seg;
    } else {
      const spaceWidth = pendingSpace ? m.width(" ", para.size) : 0;
      if (row.length > 0 && rowWidth + spaceWidth + tok.width > maxWidth) emit();
      if (row.length === 0 && tok.width > maxWidth) {
        const pieces = splitLongWord(tok.segs, maxWidth, para.size, m);
        pieces.slice(0, -1).forEach((piece) => {
          row = piece;
          emit();
        });
        row = pieces.at(-1) ?? [];
        rowWidth = row.reduce((w, s) => w + m.width(s.text, para.size), 0);
        continue;
      }
      if (pendingSpace && row.length > 0) {
        row.push({ ...pendingSpace });
        rowWidth += spaceWidth;
      }
      row.push(...tok.segs.map((s) => ({ ...s })));
      rowWidth += tok.width;
      pendingSpace = undefined;
    }
  }
  if (row.length > 0 || rows.length === 0) rows.push(row);
  while (rows.length > 1 && rows.at(-1)!.length === 0) rows.pop();

  return rows.map((segs, i) => {
    const frags: Frag[] = [];
    if (i === 0) {
      for (const marker of para.markers ?? []) {
        const text = sanitizeForFont(marker.text);
        const width = m.width(text, para.size);
        frags.push({ text, x: marker.x, width, bold: marker.bold ?? false, color: marker.color ?? INK });
      }
    }
    let x = textX;
    for (const seg of segs) {
      const width = m.width(seg.text, para.size);
      const last = frags.at(-1);
      if (last && last.x >= textX && last.bold === seg.bold && last.color === seg.color) {
        last.text += seg.text;
        last.width += width;
      } else {
        frags.push({ text: seg.text, x, width, bold: seg.bold, color: seg.color });
      }
      x += width;
    }
    return {
      kind,
      size: para.size,
      height: para.leading,
      spaceBefore: i === 0 ? para.spaceBefore : 0,
      // Every line of a kept paragraph keeps with the next, so the group moves as a whole.
      keepWithNext: !!para.keepWithNext,
      frags,
    };
  });
}

// ---- pagination ----

export interface PlacedLine extends Line {
  /** Top of the line box, in PDF coordinates (origin bottom-left). */
  top: number;
}

export interface PdfPlan {
  pages: PlacedLine[][];
}

const PAGE_TOP = PAGE_HEIGHT - MARGIN_TOP;
const USABLE_HEIGHT = PAGE_TOP - MARGIN_BOTTOM;

function paginate(lines: readonly Line[]): PlacedLine[][] {
  const pages: PlacedLine[][] = [[]];
  let y = PAGE_TOP;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let page = pages.at(-1)!;
    if (page.length > 0) {
      // The line plus everything chained to it by keepWithNext must fit, or move together.
      let need = line.spaceBefore + line.height;
      for (let j = i; j < lines.length - 1 && lines[j]!.keepWithNext; j++) {
        const next = lines[j + 1]!;
        need += next.spaceBefore + next.height;
      }
      const fitsOnEmptyPage = need <= USABLE_HEIGHT;
      if (y - need < MARGIN_BOTTOM && (fitsOnEmptyPage || y - line.spaceBefore - line.height < MARGIN_BOTTOM)) {
        page = [];
        pages.push(page);
        y = PAGE_TOP;
      }
    }
    if (page.length > 0) y -= line.spaceBefore;
    page.push({ ...line, top: y });
    y -= line.height;
  }
  return pages;
}

/** The laid-out document: which line goes where on which page. Pure and synchronous. */
export function planPdf(bundle: ExportBundle): PdfPlan {
  const m = new Measurer(bodyFont());
  const lines = buildParagraphs(bundle, m).flatMap((p) => wrap(p, m));
  return { pages: paginate(lines) };
}

// ---- drawing ----

function drawFrag(page: PDFPage, font: PDFFont, frag: Frag, x: number, y: number, size: number): void {
  if (!frag.text) return;
  if (!frag.bold) {
    page.drawText(frag.text, { x, y, size, font, color: frag.color });
    return;
  }
  // Synthetic bold: fill and stroke the outline with the same colour.
  page.pushOperators(
    pushGraphicsState(),
    setTextRenderingMode(TextRenderingMode.FillAndOutline),
    setLineWidth(size * 0.035),
    setStrokingColor(frag.color),
  );
  page.drawText(frag.text, { x, y, size, font, color: frag.color });
  page.pushOperators(popGraphicsState());
}

function truncateToWidth(text: string, maxWidth: number, size: number, m: Measurer): string {
  if (m.width(text, size) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && m.width(`${chars.join("")}…`, size) > maxWidth) chars.pop();
  return `${chars.join("").trimEnd()}…`;
}

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
