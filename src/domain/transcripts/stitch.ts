/**
 * Stitching a long recording's chunk transcripts into one transcript on the lecture's clock.
 * Chunks of one recording overlap by a few seconds so no word is lost at a cut; here each stretch
 * of the overlap is kept from one chunk only (the earlier chunk up to the middle of the overlap,
 * the later one from there), and an utterance cut at a chunk's end is completed from the next
 * chunk instead of appearing twice. Recordings follow one another with running offsets. Pure.
 */
import type { TranscriptSegment } from "../transcript.ts";

export interface ChunkTranscript {
  /** Seconds from the start of the lecture to the start of the chunk's recording. */
  offsetSec: number;
  /** The recording the chunk belongs to (chunks of different recordings never overlap). */
  recording: number;
  /** Seconds from the start of its recording that the chunk covers, overlap included. */
  startSec: number;
  endSec: number;
  /** Times from the start of the chunk. */
  segments: readonly TranscriptSegment[];
}

export interface StitchedTranscript {
  segments: TranscriptSegment[];
  text: string;
  durationSec: number;
}

/** A chunk's segment this close to the chunk's edge may have been cut there. */
const EDGE_SEC = 0.35;
const round = (sec: number) => Math.round(sec * 1000) / 1000;

const words = (text: string) => text.split(/\s+/).filter(Boolean);
const norm = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, "");

/**
 * The text of one utterance heard in two chunks: the fuller one when one contains the other,
 * else `a` followed by what `b` adds after the words they share at the seam.
 */
export function mergeUtterance(a: string, b: string): string {
  const na = words(a).map(norm).join(" ");
  const nb = words(b).map(norm).join(" ");
  if (nb.includes(na)) return b;
  if (na.includes(nb)) return a;
  const wa = words(a);
  const wb = words(b);
  for (let k = Math.min(wa.length, wb.length); k >= 1; k--) {
    const tail = wa.slice(-k).map(norm).join(" ");
    const head = wb.slice(0, k).map(norm).join(" ");
    if (tail === head) return [...wa, ...wb.slice(k)].join(" ");
  }
  return `${a} ${b}`;
}

/**
 * `durations` are the recordings' lengths in order (recording n starts after 1..n-1); `chunks`
 * may come in any order.
 */
export function stitchChunks(chunks: readonly ChunkTranscript[], durations: readonly number[]): StitchedTranscript {
  const ordered = [...chunks].sort((x, y) => x.recording - y.recording || x.startSec - y.startSec);
  const totalSec = durations.reduce((sum, d) => sum + d, 0);
  const out: TranscriptSegment[] = [];
  let previous: ChunkTranscript | null = null;

  for (const chunk of ordered) {
    const base = chunk.offsetSec + chunk.startSec;
    const absolute = chunk.segments
      .map((s) => ({ startSec: base + s.startSec, endSec: base + Math.max(s.startSec, s.endSec), text: s.text.trim() }))
      .filter((s) => s.text.length > 0)
      .sort((x, y) => x.startSec - y.startSec);
    const overlapping = previous !== null && previous.recording === chunk.recording && chunk.startSec < previous.endSec;
    if (!overlapping) {
      out.push(...absolute);
      previous = chunk;
      continue;
    }
    const prev = previous!;
    const prevEnd = prev.offsetSec + prev.endSec;
    const seam = (base + prevEnd) / 2;
    // The later chunk heard everything from the seam on in full: it owns what starts there.
    while (out.length > 0 && out[out.length - 1]!.startSec >= seam) out.pop();
    for (const segment of absolute) {
      if (segment.startSec >= seam) {
        out.push(segment);
        continue;
      }
      // Heard by the earlier chunk too. It adds something only when the earlier chunk's last
      // utterance was cut at that chunk's end and this one goes on past it.
      const last = out[out.length - 1];
      const cutAtEnd = last !== undefined && last.endSec >= prevEnd - EDGE_SEC;
      if (last && cutAtEnd && segment.startSec <= last.endSec + EDGE_SEC && segment.endSec > last.endSec) {
        last.endSec = segment.endSec;
        last.text = mergeUtterance(last.text, segment.text);
      }
    }
    previous = chunk;
  }

  // Monotonic and within the recording: a segment never starts before the one before it ends.
  const segments: TranscriptSegment[] = [];
  let clock = 0;
  for (const s of out) {
    const startSec = round(Math.min(Math.max(s.startSec, clock), totalSec));
    const endSec = round(Math.min(Math.max(s.endSec, startSec), totalSec));
    segments.push({ startSec, endSec, text: s.text });
    clock = endSec;
  }
  return { segments, text: segments.map((s) => s.text).join(" "), durationSec: round(totalSec) };
}
