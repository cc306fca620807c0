/** A half-open byte range [start, end). */
export type ByteRange = readonly [start: number, end: number];

/**
 * The byte ranges of a file that are on disk: sorted, disjoint, merged. This is what the
 * manifest records, so it is also what resume trusts.
 */
export class RangeSet {
  private ranges: [number, number][] = [];

  constructor(ranges: Iterable<ByteRange> = []) {
    for (const [s, e] of ranges) this.add(s, e);
  }

  /** Marks [start, end) as present. */
  add(start: number, end: number): void {
    if (!(end > start)) return;
    const out: [number, number][] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.ranges) {
      if (r[1] < s) out.push(r);
      else if (r[0] > e) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push(r);
      } else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    if (!placed) out.push([s, e]);
    this.ranges = out;
  }

  /** Bytes present. */
  get size(): number {
    return bytesIn(this.ranges);
  }

  /** Largest end offset present (0 when empty). */
  get end(): number {
    return this.ranges.at(-1)?.[1] ?? 0;
  }

  /** End of the contiguous run from offset 0 (0 when byte 0 is missing): what can be hashed in order. */
  get prefixEnd(): number {
    const first = this.ranges[0];
    return first && first[0] === 0 ? first[1] : 0;
  }

  /** True when [0, total) is entirely present. */
  covers(total: number): boolean {
    return total === 0 || (this.ranges.length === 1 && this.ranges[0]![0] === 0 && this.ranges[0]![1] >= total);
  }

  /** The ranges of [0, total) not present. */
  gaps(total: number): ByteRange[] {
    const out: ByteRange[] = [];
    let pos = 0;
    for (const [s, e] of this.ranges) {
      if (s >= total) break;
      if (s > pos) out.push([pos, s]);
      pos = Math.max(pos, e);
    }
    if (pos < total) out.push([pos, total]);
    return out;
  }

  toJSON(): [number, number][] {
    return this.ranges.map(([s, e]) => [s, e]);
  }
}

/** Bytes in a list of disjoint ranges. */
export function bytesIn(ranges: readonly ByteRange[]): number {
  let n = 0;
  for (const [s, e] of ranges) n += e - s;
  return n;
}

/**
 * Splits the missing ranges of a file into about `segments` requests of equal size, never
 * cutting a piece below `minBytes` (so small files stay one stream). Each gap yields at least
 * one request, so a resume with many small gaps may use more.
 */
export function planSegments(gaps: readonly ByteRange[], segments: number, minBytes: number): ByteRange[] {
  const missing = bytesIn(gaps);
  const wanted = Math.max(1, segments);
  // Rounded down, with the count capped below: a rounded-up piece made a size that `segments`
  // does not divide one piece short (1001 bytes in 4 gave 3 pieces of 251 and more).
  const target = Math.max(minBytes, Math.floor(missing / wanted), 1);
  const out: ByteRange[] = [];
  for (const [s, e] of gaps) {
    const count = Math.min(wanted, Math.max(1, Math.floor((e - s) / target)));
    for (let i = 0; i < count; i++) {
      out.push([s + Math.floor(((e - s) * i) / count), s + Math.floor(((e - s) * (i + 1)) / count)]);
    }
  }
  return out;
}
