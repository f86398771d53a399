/**
 * How the bench prints what it found: aligned tables, quantiles, ms/MiB formatting, section
 * headings (which also name the current phase, so a Worker reload can be blamed on it), and the
 * list of failed checks that decides the exit code.
 */

/** Every check that failed, in the words printed under FAIL at the end. */
export const problems: string[] = [];

export function table(head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  console.log([line(head), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n"));
}
export const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
export const mib = (kB: number) => `${(kB / 1024).toFixed(0)} MiB`;
export function quantile(samples: number[], q: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
/** What the bench is doing now ("startup", "seeding", then the section letter); importers read it live. */
export let phase = "startup";
export function setPhase(name: string) {
  phase = name;
}
/** Prints a section heading; the part before the first colon becomes the phase. */
export function section(title: string) {
  setPhase(title.split(":")[0]!);
  console.log(`\n== ${title}\n`);
}
