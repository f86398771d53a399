/**
 * `npm run check:imports`: the layers of src/ point one way, and no module imports itself in a
 * circle at run time. Reads every `import … from` / `export … from` in src/ (type-only imports
 * count for the layer rules, not for cycles, since they vanish at run time) and fails with the
 * offending edges. Run by CI.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src");

/** Which top-level areas of src/ an area may import from (beyond itself). */
const ALLOWED: Record<string, string[]> = {
  // Pure code: no I/O, no framework.
  domain: [],
  lib: ["domain", "context.ts", "config.ts"],
  db: ["domain", "lib", "config.ts"],
  storage: ["config.ts"],
  // The job runner gets the stages handed in; it never imports the pipeline.
  jobs: ["domain", "db", "lib", "storage", "push", "services.ts", "config.ts"],
  // Webhooks and live progress: what the runner announces, and how it reaches clients.
  push: ["domain", "db", "lib", "storage", "services.ts", "config.ts"],
  pipeline: ["domain", "db", "storage", "lib", "jobs", "push", "services.ts", "config.ts"],
  // Who is calling: credentials in, a principal out.
  auth: ["domain", "db", "lib", "config.ts", "context.ts", "services.ts"],
  routes: ["domain", "db", "storage", "lib", "jobs", "pipeline", "auth", "push", "services.ts", "readiness.ts", "config.ts", "context.ts"],
};

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+["']([^"']+)["']/gm;

function edgesOf(file: string): Edge[] {
  const text = readFileSync(file, "utf8");
  const edges: Edge[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const [, , typeKeyword, clause = "", specifier = ""] = match;
    if (!specifier.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), specifier);
    if (!target.startsWith(src) || !target.endsWith(".ts")) continue;
    // `import { type A, type B }` is type-only too.
    const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1]?.split(",").map((n) => n.trim()).filter(Boolean);
    const typeOnly = Boolean(typeKeyword) || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith("type ")));
    edges.push({ from: path.relative(src, file), to: path.relative(src, target), typeOnly });
  }
  return edges;
}

const area = (file: string) => file.split(path.sep)[0]!;
const edges = files(src).flatMap(edgesOf);
const problems: string[] = [];

for (const edge of edges) {
  const from = area(edge.from);
  const to = area(edge.to);
  const allowed = ALLOWED[from];
  if (!allowed || from === to) continue;
  if (!allowed.includes(to)) problems.push(`layer: ${edge.from} imports ${edge.to}${edge.typeOnly ? " (type)" : ""}`);
}

// Cycles among run-time imports: a depth-first search over value edges.
const graph = new Map<string, string[]>();
for (const edge of edges.filter((e) => !e.typeOnly)) graph.set(edge.from, [...(graph.get(edge.from) ?? []), edge.to]);
const state = new Map<string, "open" | "done">();
const stack: string[] = [];
function visit(node: string) {
  state.set(node, "open");
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (state.get(next) === "open") problems.push(`cycle: ${[...stack.slice(stack.indexOf(next)), next].join(" -> ")}`);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(node, "done");
}
for (const node of graph.keys()) if (!state.has(node)) visit(node);

if (problems.length) {
  console.error(`import check failed (${problems.length}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`imports ok: ${edges.length} imports in src/, layers respected, no run-time cycle`);
