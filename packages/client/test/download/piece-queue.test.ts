// PieceQueue and the piece sizes: pure functions of the gaps, the estimate and what a connection
// measured.
import { describe, expect, it } from 'vitest';
import {
  endgamePieceBytes,
  MAX_PIECE_BYTES,
  nextPieceBytes,
  PieceQueue,
  pieceSizes,
} from '../../src/download/piece-queue.js';

const MiB = 1024 * 1024;

describe('PieceQueue', () => {
  it('hands out pieces lowest offset first, across gaps, never across a gap boundary', () => {
    const q = new PieceQueue([
      [0, 10],
      [20, 45],
    ]);
    const out = [];
    for (let p = q.take(10); p; p = q.take(10)) out.push(p);
    expect(out).toEqual([
      { start: 0, end: 10 },
      { start: 20, end: 30 },
      { start: 30, end: 45 }, // 15 left: under 1.5 pieces, no 5-byte last piece
    ]);
    expect(q.empty).toBe(true);
    expect(q.take(10)).toBeUndefined();
  });

  it('an estimated end: the piece that reaches the estimate is open-ended', () => {
    const q = new PieceQueue([[0, 100]], 100);
    expect(q.take(40)).toEqual({ start: 0, end: 40 });
    expect(q.take(40)).toEqual({ start: 40, end: undefined });
    expect(q.empty).toBe(true);
  });

  it('clip: the exact size closes the open end there, and drops what is past it', () => {
    const larger = new PieceQueue([[0, 100]], 100);
    larger.take(40);
    larger.clip(130); // the object is larger than estimated
    expect(larger.take(40)).toEqual({ start: 40, end: 80 });
    expect(larger.take(40)).toEqual({ start: 80, end: 130 });
    const smaller = new PieceQueue([[0, 100]], 100);
    smaller.take(40);
    smaller.clip(40); // it ends where the first piece ends
    expect(smaller.empty).toBe(true);
    const gaps = new PieceQueue([
      [0, 10],
      [20, 30],
    ]);
    gaps.clip(25);
    expect([gaps.take(100), gaps.take(100), gaps.take(100)]).toEqual([
      { start: 0, end: 10 },
      { start: 20, end: 25 },
      undefined,
    ]);
  });

  it('bytesLeft: what is not handed out yet, an open end counted up to the estimate', () => {
    const q = new PieceQueue([[0, 10 * MiB]], 10 * MiB);
    expect(q.bytesLeft).toBe(10 * MiB);
    q.take(4 * MiB);
    expect(q.bytesLeft).toBe(6 * MiB);
    q.clip(7 * MiB);
    expect(q.bytesLeft).toBe(3 * MiB);
    const gaps = new PieceQueue([
      [0, MiB],
      [5 * MiB, 8 * MiB],
    ]);
    expect(gaps.bytesLeft).toBe(4 * MiB);
  });

  it('clear: nothing more is handed out', () => {
    const q = new PieceQueue([[0, 100]], 100);
    q.take(10);
    q.clear();
    expect(q.take(10)).toBeUndefined();
  });
});

describe('piece sizes', () => {
  it('near the end a piece is an even share of what is left, never under a quarter of the minimum', () => {
    const sizes = { first: 4 * MiB, max: 16 * MiB, min: 4 * MiB };
    // Far from the end: the connection's own piece.
    expect(endgamePieceBytes(8 * MiB, 200 * MiB, 4, sizes)).toBe(8 * MiB);
    // 10 MiB left for 4 connections: 2.5 MiB each, then less, down to 1 MiB.
    expect(endgamePieceBytes(8 * MiB, 10 * MiB, 4, sizes)).toBe(2.5 * MiB);
    expect(endgamePieceBytes(8 * MiB, 2 * MiB, 4, sizes)).toBe(MiB);
    expect(endgamePieceBytes(4 * MiB, 16 * MiB, 4, sizes)).toBe(4 * MiB);
  });

  it('no pieces for one connection, or under two minimum pieces per connection', () => {
    expect(pieceSizes(1024 * MiB, 1, 16 * MiB)).toBeUndefined();
    expect(pieceSizes(127 * MiB, 4, 16 * MiB)).toBeUndefined();
    expect(pieceSizes(128 * MiB, 4, 16 * MiB)).toEqual({ first: 16 * MiB, max: 16 * MiB, min: 16 * MiB });
  });

  it('about 16 pieces per connection to start with; growth up to a quarter of a share, at most 64 MiB', () => {
    expect(pieceSizes(2048 * MiB, 4, 16 * MiB)).toEqual({ first: 32 * MiB, max: MAX_PIECE_BYTES, min: 16 * MiB });
    expect(pieceSizes(1024 * MiB, 4, 16 * MiB)).toEqual({ first: 16 * MiB, max: MAX_PIECE_BYTES, min: 16 * MiB });
    expect(pieceSizes(512 * MiB, 4, 16 * MiB)).toEqual({ first: 16 * MiB, max: 32 * MiB, min: 16 * MiB });
    expect(pieceSizes(100 * 1024 * MiB, 4, 16 * MiB)!.first).toBe(MAX_PIECE_BYTES);
  });

  it('a connection with a long wait for headers gets larger pieces, within bounds; they never shrink', () => {
    const sizes = { first: 16 * MiB, max: MAX_PIECE_BYTES, min: 16 * MiB };
    // 20 MB/s after 50 ms to the headers: 20 round trips move 20 MB.
    expect(nextPieceBytes(16 * MiB, sizes, { bytesPerSecond: 20e6, headersMs: 50 })).toBe(20_000_000);
    // Loopback: 150 MB/s after 3 ms: stays at the minimum.
    expect(nextPieceBytes(16 * MiB, sizes, { bytesPerSecond: 150e6, headersMs: 3 })).toBe(16 * MiB);
    expect(nextPieceBytes(32 * MiB, sizes, { bytesPerSecond: 500e6, headersMs: 1 })).toBe(32 * MiB);
    expect(nextPieceBytes(16 * MiB, sizes, { bytesPerSecond: 100e6, headersMs: 1000 })).toBe(MAX_PIECE_BYTES);
    expect(nextPieceBytes(16 * MiB, { ...sizes, max: 24 * MiB }, { bytesPerSecond: 100e6, headersMs: 1000 })).toBe(
      24 * MiB,
    );
  });
});
