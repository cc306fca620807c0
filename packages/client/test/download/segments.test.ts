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
