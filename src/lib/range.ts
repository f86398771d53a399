/**
 * The `Range: bytes=…` request header (RFC 9110 §14), as far as a media player uses it: one
 * range, `first-last`, `first-` or `-suffix`. Anything else (other units, several ranges, bad
 * syntax) is ignored, which RFC 9110 allows: the whole representation is sent with 200.
 */
export type ByteRange = { kind: "from"; first: number; last?: number } | { kind: "suffix"; length: number };

const SINGLE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function parseRange(header: string | undefined): ByteRange | null {
  if (!header) return null;
  const match = SINGLE.exec(header);
  if (!match) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const length = Number(last);
    return Number.isSafeInteger(length) ? { kind: "suffix", length } : null;
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return null;
  if (last === "") return { kind: "from", first: start };
  const end = Number(last);
  // A last position before the first makes the header invalid (ignored), not unsatisfiable.
  if (!Number.isSafeInteger(end) || end < start) return null;
  return { kind: "from", first: start, last: end };
}
