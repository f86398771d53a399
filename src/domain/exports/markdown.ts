/**
 * Markdown export. The document is a `# title` followed by `## Summary`, `## Outline`,
 * `## Key Terms`, `## Flashcards` and `## Exam Questions` sections, then `## Threads` when the
 * lecture has any. It carries the outline at full depth, transcript timestamps and answer
 * choices, and escapes user text so that it cannot change the document structure.
 */
import type { OutlineNode, SourceRef } from "../artifacts.ts";
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
  normalizeNewlines,
  presetLabel,
  singleLine,
} from "./shared.ts";
import type { ExportBundle } from "./types.ts";

// Characters with inline meaning: code spans, emphasis, links, raw HTML, strikethrough, tables.
const INLINE_SPECIAL = /[\\`*[\]<~|]/g;
// `_` between two letters or digits (snake_case, k_B) can never open or close emphasis, so only
// the others are escaped; that keeps formulas readable in the raw file.
const LOOSE_UNDERSCORE = /(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
// Something `&…;` would be read as a character reference.
const ENTITY_LIKE = /&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)/g;

/** Escapes one line so it renders as the same literal text wherever it starts. */
function escapeLine(line: string): string {
  let out = line.trimStart().replace(INLINE_SPECIAL, "\\$&").replace(LOOSE_UNDERSCORE, "\\_").replace(ENTITY_LIKE, "\\&");
  // Block markers only count at the start of a line: headings, quotes, list items,
  // setext underlines and ordered-list numbers.
  out = out.replace(/^([#>+=-])/, "\\$1").replace(/^(\d{1,9})([.)])(?=\s|$)/, "$1\\$2");
  return out.trimEnd();
}

/** Inline text on one line (titles, terms). */
function inline(text: string): string {
  return escapeLine(singleLine(text));
}

/** Headings: also escape every `#`, since a trailing ` #` would be taken as a closing sequence. */
function headingText(text: string): string {
  return inline(text).replace(/(?<!\\)#/g, "\\#");
}

/**
 * Multi-line text inside a list item: continuation lines are indented to the item's content
 * column so they stay in the item; runs of blank lines collapse to one paragraph break.
 */
function block(text: string, indent: number): string {
  const pad = " ".repeat(indent);
  const lines = normalizeNewlines(text).split("\n").map(escapeLine);
  const kept: string[] = [];
  for (const line of lines) {
    if (line === "" && (kept.length === 0 || kept.at(-1) === "")) continue;
    kept.push(line);
  }
  while (kept.at(-1) === "") kept.pop();
  return kept.map((line, i) => (i === 0 || line === "" ? line : pad + line)).join("\n");
}

/** The item's time in the recording; a link that plays it when the item has one (cards, questions). */
function stamp(sources: readonly SourceRef[] | undefined, link?: string): string {
  const ts = firstSourceTimestamp(sources);
  if (!ts) return "";
  return link ? ` _([${ts}](<${link.replace(/[<>\s]/g, encodeURIComponent)}>))_` : ` _(${ts})_`;
}

function outlineLines(nodes: readonly OutlineNode[], depth: number, out: string[]): void {
  const pad = "  ".repeat(depth);
  for (const node of nodes) {
    out.push(`${pad}- **${inline(node.title)}**`);
    for (const point of node.points ?? []) out.push(`${pad}  - ${block(point, pad.length + 4)}`);
    if (node.children?.length) outlineLines(node.children, depth + 1, out);
  }
}

export function renderMarkdown(bundle: ExportBundle): string {
  const { artifacts, lecture } = bundle;
  const blocks: string[] = [];

  blocks.push(`# ${headingText(lectureLabel(bundle))}`);
  const meta = [`Course: ${inline(courseLabel(bundle))}`, `Preset: ${inline(presetLabel(bundle))}`];
  if (lecture.durationSec && lecture.durationSec > 0) meta.push(`Duration: ${formatTimestamp(lecture.durationSec)}`);
  meta.push(`Generated: ${inline(formatGeneratedAt(bundle.generatedAt))}`);
  blocks.push(meta.join(" · "));

  const summary = artifacts.summary;
  blocks.push(`## ${SECTION_TITLES.summary}`);
  const overview = block(summary.overview, 0);
  if (overview) blocks.push(overview);
  for (const section of summary.sections) {
    blocks.push(`### ${headingText(section.title)}${stamp(section.sources)}`);
    blocks.push(section.bullets.map((b) => `- ${block(b, 2)}`).join("\n"));
  }

  blocks.push(`## ${SECTION_TITLES.outline}`);
  const outline: string[] = [];
  outlineLines(artifacts.outline.outline, 0, outline);
  blocks.push(outline.join("\n"));

  blocks.push(`## ${SECTION_TITLES["key-terms"]}`);
  blocks.push(
    artifacts["key-terms"].terms
      .map((t) => {
        const line = `- **${inline(t.term)}**: ${block(t.definition, 2)}${stamp(t.sources)}`;
        const example = t.example?.trim() ? `\n  - Example: ${block(t.example, 4)}` : "";
        return line + example;
      })
      .join("\n"),
  );

  blocks.push(`## ${SECTION_TITLES.flashcards}`);
  blocks.push(
    artifacts.flashcards.cards
      .map((c) => `- Q: ${block(c.front, 2)}${stamp(c.sources, c.link)}\n  - A: ${block(c.back, 4)}`)
      .join("\n"),
  );

  blocks.push(`## ${SECTION_TITLES["exam-questions"]}`);
  blocks.push(
    artifacts["exam-questions"].questions
      .map((q) => {
        const lines = [`- ${block(q.prompt, 2)}${stamp(q.sources, q.link)}`];
        if (q.type === "multiple-choice" && q.choices?.length) {
          q.choices.forEach((choice, i) => lines.push(`  - ${choiceLetter(i)}. ${block(choice, 4)}`));
        }
        lines.push(`  - Answer: ${block(describeAnswer(q), 4)}`);
        return lines.join("\n");
      })
      .join("\n"),
  );

  if (bundle.threads.length > 0) {
    blocks.push(`## ${THREADS_HEADING}`);
    blocks.push(
      bundle.threads
        .map((t) => {
          const n = t.lecture_refs.length;
          const facts = `${inline(t.status)}, complexity ${t.complexity_level}/5, ${n} lecture${n === 1 ? "" : "s"}`;
          return `- **${inline(t.title)}** (${facts}): ${block(t.summary, 2)}`;
        })
        .join("\n"),
    );
  }

  return `${blocks.filter((b) => b !== "").join("\n\n")}\n`;
}
