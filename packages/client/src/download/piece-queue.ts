import type { ByteRange } from './segments.js';

/**
 * Pieces of a segmented file, handed out lowest offset first (issue #15).
 *
 * Why pieces and not one contiguous segment per connection: every file gets a SHA-256, which
 * can only be computed in file order. With N contiguous segments the hasher keeps up with
 * segment 0 alone and hashes (N-1)/N of the file after the transfer ended. When every
 * connection takes the next lowest piece, what is written runs at most a few pieces ahead of the
 * hasher's in-order frontier, and hashing ends with the transfer. Measured (1 GiB from the mock,
 * 4 connections, 5 alternated rounds, medians): tmpfs 482 -> 542 MB/s, disk 474 -> 575 MB/s;
 * 256 MiB through 20 MB/s per connection: 3.49x / 5.67-5.97x curl with 4 / 8 connections (the
 * full bench before pieces and synchronous writes: 3.30x / 5.33x). What the transfer still loses
 * there is the start (~0.3 s to the API's answer, bench first-byte), not the end.
 *
 * The price is one request per piece, so pieces stay large: at least `minPieceBytes` (4 MiB by
 * default) and as large as a connection moves in about PIECE_ROUND_TRIPS round trips
 * (`nextPieceBytes`), so that asking for a new piece costs about 5% of a connection's time even
 * on a WAN link (on loopback pieces stay at the minimum).
 */
export class PieceQueue {
  /** What is left to hand out, in order. The last may be open-ended: [start, undefined). */
  private left: [number, number | undefined][];

  /**
   * `openEndAfter`: the object's end is not known, only estimated (the API's KB size); the last
   * gap then runs to the object's end, and the piece that reaches the estimate is open-ended.
   */
  constructor(
    gaps: readonly ByteRange[],
    private openEndAfter?: number,
  ) {
    this.left = gaps.map(([s, e]) => [s, e]);
    if (openEndAfter !== undefined && this.left.length > 0) this.left[this.left.length - 1]![1] = undefined;
  }

  /** True when every byte has been handed out. */
  get empty(): boolean {
    return this.left.length === 0;
  }

  /** Bytes not handed out yet (an open end counted up to the estimate). */
  get bytesLeft(): number {
    let n = 0;
    for (const [s, e] of this.left) n += Math.max(0, (e ?? this.openEndAfter ?? s) - s);
    return n;
  }

  /**
   * The next piece of about `size` bytes, from the lowest offset not handed out. A remainder
   * smaller than half a piece goes with the piece before it (no tiny last request).
   */
  take(size: number): { start: number; end: number | undefined } | undefined {
    const gap = this.left[0];
    if (!gap) return undefined;
    const [start, end] = gap;
    const limit = end ?? this.openEndAfter ?? Number.POSITIVE_INFINITY;
    if (limit - start <= size * 1.5) {
      this.left.shift();
      return { start, end };
    }
    gap[0] = start + size;
    return { start, end: start + size };
  }

  /** The exact size became known: nothing at or past it is handed out; the open end closes there. */
  clip(total: number): void {
    this.openEndAfter = undefined;
    this.left = this.left
      .map(([s, e]): [number, number | undefined] => [s, e === undefined ? total : Math.min(e, total)])
      .filter(([s, e]) => s < e!);
  }

  /** Hands out nothing more (one request carries the whole object). */
  clear(): void {
    this.left = [];
  }
}

/** A new piece should take about this many round trips (time to a response's headers) to move. */
const PIECE_ROUND_TRIPS = 20;
/** Larger pieces gain nothing, and hold the hasher's frontier further behind. */
export const MAX_PIECE_BYTES = 64 * 1024 * 1024;
/** About this many pieces per connection: the frontier is then at most a few pieces behind. */
const PIECES_PER_LANE = 16;

/** Piece sizes of one file: where they start, and how far they may grow. */
export interface PieceSizes {
  first: number;
  /** Never more than a quarter of a connection's share: the frontier stays a few pieces behind. */
  max: number;
  min: number;
}

/**
 * The piece sizes of a file, or undefined when it should not be cut into pieces: one
 * connection (in order anyway), or a share per connection under two pieces (small files keep
 * one contiguous segment per connection, which costs no extra request).
 */
export function pieceSizes(missing: number, lanes: number, minPieceBytes: number): PieceSizes | undefined {
  if (lanes <= 1 || missing / lanes < 2 * minPieceBytes) return undefined;
  const max = Math.max(minPieceBytes, Math.min(MAX_PIECE_BYTES, Math.floor(missing / (lanes * 4))));
  const first = Math.min(max, Math.max(minPieceBytes, Math.floor(missing / (lanes * PIECES_PER_LANE))));
  return { first, max, min: minPieceBytes };
}

/**
 * The size to take now: at most an even share of what is left among the connections, so that
 * near the end pieces shrink and the connections finish together (guided self-scheduling),
 * instead of up to one piece's transfer time apart. Not below a quarter of the minimum piece:
 * each piece costs a request. Measured (256 MiB through 20 MB/s per connection, bench/lib
 * tcp-proxy.mjs, per-connection timelines): with equal 4 MiB pieces the connections' last bytes
 * were 166 ms (4 connections) and 218 ms (8) apart, about one piece at 20 MB/s.
 */
export function endgamePieceBytes(piece: number, bytesLeft: number, lanes: number, sizes: PieceSizes): number {
  return Math.max(Math.floor(sizes.min / 4), Math.min(piece, Math.ceil(bytesLeft / lanes)));
}

/**
 * The next piece of a connection that moved its last piece at `bytesPerSecond` after waiting
 * `headersMs` for the answer's headers: large enough that the request of the next one costs
 * about 1/PIECE_ROUND_TRIPS of its time, within the file's bounds.
 */
export function nextPieceBytes(
  current: number,
  sizes: PieceSizes,
  observed: { bytesPerSecond: number; headersMs: number },
): number {
  const wanted = (observed.bytesPerSecond * observed.headersMs * PIECE_ROUND_TRIPS) / 1000;
  return Math.min(sizes.max, Math.max(current, sizes.min, Math.floor(wanted)));
}
