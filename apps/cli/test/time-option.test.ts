import { describe, expect, it } from 'vitest';
import { parseTimeArgument, sinceOption } from '../src/time-option.js';

describe('--since', () => {
  it.each([
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T22:10:05Z', '2026-01-31T22:10:05.000Z'],
    ['2026-01-31t22:10:05z', '2026-01-31T22:10:05.000Z'],
    ['2026-02-01T06:10:05+08:00', '2026-01-31T22:10:05.000Z'],
    ['2026-01-31T20:10:05.250-02:00', '2026-01-31T22:10:05.250Z'],
    ['2026-01-31 22:10:05Z', '2026-01-31T22:10:05.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseTimeArgument(text)?.toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '',
    '2026-1-31',
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-01-31T22:10Z',
    '2026-01-31T22:10:05',
    '2026-01-31T24:00:00Z',
    '2026-01-31T22:10:05+0800',
    '1769897405',
  ])('"%s" is refused', (text) => {
    expect(parseTimeArgument(text)).toBeUndefined();
    expect(() => sinceOption({ since: text })).toThrow(/--since must be an RFC 3339 time or a UTC date/);
  });

  it('is optional', () => {
    expect(sinceOption({})).toBeUndefined();
  });
});
