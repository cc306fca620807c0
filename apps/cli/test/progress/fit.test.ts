import { describe, expect, it } from 'vitest';
import { shortenEnd, shortenMiddle, usableWidth, visibleLength } from '../../src/progress/fit.js';

describe('shortenMiddle', () => {
  it.each([
    ['short.tar.gz', 20, 'short.tar.gz'],
    ['6dbe5a79a56d7de42c23cb5a955ce975br02_shard_1.tar.gz', 20, '6dbe5a79a5…_1.tar.gz'],
    ['abcdef', 5, 'ab…ef'],
    ['abcdef', 1, 'a'],
    ['abcdef', 0, ''],
  ])('%s in %i columns -> %s', (text, width, expected) => {
    const out = shortenMiddle(text, width);
    expect(out).toBe(expected);
    expect(visibleLength(out)).toBeLessThanOrEqual(Math.max(0, width));
  });

  it('keeps both ends of every length, never exceeding the width', () => {
    const name = `${'x'.repeat(10)}MIDDLE${'y'.repeat(10)}`;
    for (let w = 3; w < name.length; w++) {
      const out = shortenMiddle(name, w);
      expect([...out]).toHaveLength(w);
      expect(out.startsWith('x')).toBe(true);
      expect(out.endsWith('y')).toBe(true);
    }
  });
});

describe('shortenEnd, visibleLength, usableWidth', () => {
  it('cuts at the end with an ellipsis', () => {
    expect(shortenEnd('retrying file: Network error', 12)).toBe('retrying fi…');
    expect(shortenEnd('ok', 12)).toBe('ok');
  });

  it('colour codes take no columns', () => {
    expect(visibleLength('\x1b[2m(1/4 files)\x1b[0m')).toBe(11);
  });

  it('one column less than the terminal, 80 when unknown', () => {
    expect(usableWidth(80)).toBe(79);
    expect(usableWidth(undefined)).toBe(79);
    expect(usableWidth(0)).toBe(79);
    expect(usableWidth(10)).toBe(20);
  });
});
