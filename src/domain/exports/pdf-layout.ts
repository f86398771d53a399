/**
 * Generic PDF layout on A4 pages: the page geometry, the one embedded font and text measured
 * with it, breaking paragraphs into lines that fit the content width, paginating those lines
 * (a line marked keepWithNext moves to the next page with what follows it), and drawing a line
 * fragment. Nothing here knows what the document says; pdf.ts builds its paragraphs.
 *
 * Text is set in DejaVu Sans, embedded as a subset, because the standard 14 PDF fonts only cover
 * WinAnsi (no Greek, no math operators). There is one face only; bold is drawn by also stroking
 * the glyph outline, which saves shipping a second 700 KB font.
 *
 * The font engine is upstream `fontkit` rather than the `@pdf-lib/fontkit` fork, whose TrueType
 * subsetter can corrupt glyphs (it writes a short `loca` table without padding odd-length
 * glyphs). pdf-lib only needs `create()` (given where pdf.ts registers the font) plus a
 * stream-style `encodeStream()` on subsets, which `bodyFont` below adds.
 */
import { create as createFontkitFont, type Font as FontkitFont } from "fontkit";
import {
  type Color,
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
import dejaVuSansBytes from "./fonts/DejaVuSans.ttf";

// ---- page geometry (points) ----

export const [PAGE_WIDTH, PAGE_HEIGHT] = PageSizes.A4;
export const MARGIN_X = 56.7; // 20 mm
const MARGIN_TOP = 56.7;
const MARGIN_BOTTOM = 62; // leaves room for the footer line
export const FOOTER_BASELINE = 30;
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X;

/** Text colour when a run or marker sets none. */
const INK = rgb(0.11, 0.11, 0.13);

// ---- font ----

let cachedFont: FontkitFont | undefined;

/** Parsed once per isolate; fontkit fonts are read-only apart from internal glyph caches. */
export function bodyFont(): FontkitFont {
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
export class Measurer {
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

export interface Run {
  text: string;
  bold?: boolean;
  color?: Color;
}

export interface Marker extends Run {
  /** From the left margin. */
  x: number;
}

export interface Para {
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

export function wrap(para: Para, m: Measurer): Line[] {
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

const PAGE_TOP = PAGE_HEIGHT - MARGIN_TOP;
const USABLE_HEIGHT = PAGE_TOP - MARGIN_BOTTOM;

export function paginate(lines: readonly Line[]): PlacedLine[][] {
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

// ---- drawing ----

export function drawFrag(page: PDFPage, font: PDFFont, frag: Frag, x: number, y: number, size: number): void {
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

export function truncateToWidth(text: string, maxWidth: number, size: number, m: Measurer): string {
  if (m.width(text, size) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && m.width(`${chars.join("")}…`, size) > maxWidth) chars.pop();
  return `${chars.join("").trimEnd()}…`;
}
