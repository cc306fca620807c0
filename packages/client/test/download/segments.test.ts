import { describe, expect, it } from 'vitest';
import { parseContentRange, rangeHeader } from '../../src/download/content-range.js';
import { planSegments, RangeSet } from '../../src/download/segments.js';
import { md5FromEtag } from '../../src/download/verify.js';

describe('RangeSet', () => {
  it('merges touching and overlapping ranges, in any order', () => {
    const r = new RangeSet();
    r.add(10, 20);
    r.add(0, 5);
    r.add(5, 10);
    r.add(30, 40);
    r.add(35, 50);
    expect(r.toJSON()).toEqual([
      [0, 20],
      [30, 50],
    ]);
    expect(r.size).toBe(40);
    expect(r.gaps(60)).toEqual([
      [20, 30],
      [50, 60],
    ]);
    expect(r.covers(50)).toBe(false);
    r.add(20, 30);
    expect(r.covers(50)).toBe(true);
    expect(new RangeSet().covers(0)).toBe(true);
  });
});

describe('planSegments', () => {
  it('splits one gap into equal segments no smaller than the minimum', () => {
    expect(planSegments([[0, 100]], 4, 10)).toEqual([
      [0, 25],
      [25, 50],
      [50, 75],
      [75, 100],
    ]);
    expect(planSegments([[0, 100]], 4, 40)).toEqual([
      [0, 50],
      [50, 100],
    ]);
    expect(planSegments([[0, 100]], 4, 200)).toEqual([[0, 100]]);
  });

  it('keeps every gap of a resumed file, splitting only the large ones', () => {
    expect(
      planSegments(
        [
          [0, 10],
          [50, 130],
        ],
        4,
        20,
      ),
    ).toEqual([
      [0, 10],
      [50, 76],
      [76, 103],
      [103, 130],
    ]);
  });
});

describe('planSegments: edge cases', () => {
  it('nothing missing: no request', () => {
    expect(planSegments([], 4, 10)).toEqual([]);
  });

  it('a gap of one byte is one request, whatever the minimum', () => {
    expect(planSegments([[41, 42]], 4, 10)).toEqual([[41, 42]]);
    expect(planSegments([[41, 42]], 4, 0)).toEqual([[41, 42]]);
  });

  it('a minimum of 0 still cuts pieces of at least one byte, never empty ones', () => {
    expect(planSegments([[0, 3]], 8, 0)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('segments 0 or 1: one request per gap', () => {
    expect(planSegments([[0, 100]], 1, 1)).toEqual([[0, 100]]);
    expect(planSegments([[0, 100]], 0, 1)).toEqual([[0, 100]]);
  });

  it('sizes that do not divide: pieces differ by at most a byte and cover the gap exactly', () => {
    const plan = planSegments([[10, 10 + 1001]], 4, 1);
    expect(plan).toHaveLength(4);
    expect(plan[0]![0]).toBe(10);
    expect(plan.at(-1)![1]).toBe(1011);
    for (let i = 1; i < plan.length; i++) expect(plan[i]![0]).toBe(plan[i - 1]![1]);
    const lengths = plan.map(([s, e]) => e - s);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
  });

  it('just under two minimums stays one stream; exactly two minimums is two', () => {
    expect(planSegments([[0, 199]], 4, 100)).toEqual([[0, 199]]);
    expect(planSegments([[0, 200]], 4, 100)).toEqual([
      [0, 100],
      [100, 200],
    ]);
  });

  it('many small gaps: at least one request each, more than `segments`', () => {
    const gaps: [number, number][] = [
      [0, 5],
      [10, 15],
      [20, 25],
      [30, 35],
      [40, 45],
      [50, 55],
    ];
    expect(planSegments(gaps, 2, 100)).toEqual(gaps);
  });

  it('beyond 2^32 (a 5 GiB file): exact integer offsets', () => {
    const size = 5 * 1024 ** 3 + 3;
    const plan = planSegments([[0, size]], 4, 16 * 1024 * 1024);
    expect(plan).toHaveLength(4);
    expect(plan.at(-1)![1]).toBe(size);
    for (const [s, e] of plan) expect(Number.isSafeInteger(s) && Number.isSafeInteger(e) && e > s).toBe(true);
  });
});

describe('Content-Range and ETag', () => {
  it('parses satisfied ranges and rejects the rest', () => {
    expect(parseContentRange('bytes 0-99/1000')).toEqual({ start: 0, end: 100, total: 1000 });
    expect(parseContentRange('bytes */1000')).toBeUndefined();
    expect(parseContentRange('bytes 0-1000/1000')).toBeUndefined();
    expect(parseContentRange('bytes 0-99/*')).toBeUndefined();
    expect(rangeHeader(5, undefined)).toBe('bytes=5-');
    expect(rangeHeader(5, 10)).toBe('bytes=5-9');
  });

  it('only a plain 32-hex ETag is a content MD5', () => {
    expect(md5FromEtag('"9E878DD1020CD04A8D1757A9A4255ADA"')).toBe('9e878dd1020cd04a8d1757a9a4255ada');
    expect(md5FromEtag('"9e878dd1020cd04a8d1757a9a4255ada-3"')).toBeUndefined();
    expect(md5FromEtag('W/"9e878dd1020cd04a8d1757a9a4255ada"')).toBeUndefined();
    expect(md5FromEtag(undefined)).toBeUndefined();
  });
});
