import { UnsupportedAudioError } from "./errors.ts";

/** One decodable piece of a stream (an MP3 frame, an Ogg page, a FLAC frame, an AAC sample...). */
export interface Unit {
  /** Position in the stream's sequence of units (sample number for MP4). */
  index: number;
  /** Where its bytes are in the source. */
  offset: number;
  size: number;
  /** Start and length in ticks of the stream's time base. */
  start: number;
  duration: number;
}

export interface UnitRange {
  firstIndex: number;
  lastIndex: number;
  /** Bytes [from, to) of the source hold the range (for contiguous layouts). */
  from: number;
  to: number;
  startTick: number;
  endTick: number;
}

export interface UnitGrouping {
  /** Bytes a chunk may spend on units (the limit minus the container's fixed overhead). */
  budget: number;
  /** Extra output bytes per unit (an MP4 sample size entry, Ogg lacing...). */
  perUnitOverhead: number;
  /** true: a chunk costs the whole byte span it covers; false: only its units' bytes. */
  contiguous: boolean;
  overlapTicks: number;
}

/**
 * Groups a stream of units into ranges that fit the budget, each starting `overlapTicks` before
 * the previous one ends. Holds only the units of the current range's tail, and returns one entry
 * per range, so a plan stays O(chunks) whatever the recording's length.
 */
export async function groupUnits(units: AsyncIterable<Unit> | Iterable<Unit>, grouping: UnitGrouping): Promise<UnitRange[]> {
  const ranges: UnitRange[] = [];
  // Units of the current range from `head` on; tail[head] is the latest unit that starts at
  // least overlapTicks before the range's end, i.e. where the next range would start. Units
  // before it can no longer start a range (the end only grows) and are dropped in batches.
  let tail: Unit[] = [];
  let head = 0;
  let first: Unit | null = null;
  let last: Unit | null = null;
  let unitBytes = 0; // sum of unit sizes in the current range (non-contiguous layouts)
  let count = 0;
  // What a range from unit a to unit b costs in output bytes.
  const cost = (a: Unit, b: Unit, bytes: number, n: number) =>
    (grouping.contiguous ? b.offset + b.size - a.offset : bytes) + n * grouping.perUnitOverhead;

  const close = (from: Unit, to: Unit) => {
    ranges.push({
      firstIndex: from.index,
      lastIndex: to.index,
      from: from.offset,
      to: to.offset + to.size,
      startTick: from.start,
      endTick: to.start + to.duration,
    });
  };

  for await (const unit of units) {
    if (unit.size + grouping.perUnitOverhead > grouping.budget) {
      throw new UnsupportedAudioError("a frame is larger than the chunk size limit");
    }
    if (first && last && cost(first, unit, unitBytes + unit.size, count + 1) > grouping.budget) {
      close(first, last);
      // The next range repeats the end of this one from tail[head], but never starts where this
      // one did, and its repeated part must leave room for new audio.
      let carried = tail.slice(tail[head] === first ? head + 1 : head);
      let carriedBytes = carried.reduce((n, u) => n + u.size, 0);
      while (carried.length > 0 && cost(carried[0]!, unit, carriedBytes + unit.size, carried.length + 1) > grouping.budget / 2) {
        carriedBytes -= carried[0]!.size;
        carried = carried.slice(1);
      }
      tail = carried;
      head = 0;
      first = carried[0] ?? null;
      unitBytes = carriedBytes;
      count = carried.length;
    }
    first ??= unit;
    last = unit;
    tail.push(unit);
    unitBytes += unit.size;
    count++;
    const end = unit.start + unit.duration;
    while (head + 1 < tail.length && tail[head + 1]!.start <= end - grouping.overlapTicks) head++;
    if (head > 1024) {
      tail = tail.slice(head);
      head = 0;
    }
  }
  if (first && last) close(first, last);
  if (ranges.length === 0) throw new UnsupportedAudioError("no audio frames were found");
  return ranges;
}
