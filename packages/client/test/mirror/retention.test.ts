import { describe, expect, it } from 'vitest';
import { backupsToRemove, checkRetentionRules } from '../../src/mirror/retention.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 0, 20);
// Ten daily backups, b0 newest (yesterday) to b9 (ten days ago).
const daily = Array.from({ length: 10 }, (_, i) => ({ backupId: `b${i}`, endTime: now - (i + 1) * DAY }));

describe('backupsToRemove', () => {
  it('with neither rule removes nothing', () => {
    expect(backupsToRemove(daily, {}, now)).toEqual([]);
  });

  it('--keep N keeps the N newest by end time, whatever order they come in', () => {
    const shuffled = [daily[4]!, daily[0]!, daily[9]!, daily[2]!, daily[1]!];
    expect(backupsToRemove(shuffled, { keep: 3 }, now).sort()).toEqual(['b4', 'b9']);
  });

  it('--keep-days D keeps those that ended within D days', () => {
    expect(backupsToRemove(daily, { keepDays: 7 }, now).sort()).toEqual(['b7', 'b8', 'b9']);
  });

  it('with both, a copy goes only when both rules would remove it', () => {
    // keep 3 alone removes b3..b9; keep-days 5 alone removes b5..b9: both remove b5..b9.
    expect(backupsToRemove(daily, { keep: 3, keepDays: 5 }, now).sort()).toEqual(['b5', 'b6', 'b7', 'b8', 'b9']);
    // keep 8 alone removes b8, b9; keep-days 2 alone removes b2..b9: both remove b8, b9.
    expect(backupsToRemove(daily, { keep: 8, keepDays: 2 }, now).sort()).toEqual(['b8', 'b9']);
  });

  it('never goes below N: with fewer verified copies than N, nothing is removed (a failed new backup is not a candidate)', () => {
    expect(backupsToRemove(daily.slice(5, 8), { keep: 3 }, now)).toEqual([]);
    expect(backupsToRemove(daily.slice(5, 8), { keep: 3, keepDays: 1 }, now)).toEqual([]);
  });

  it('breaks ties on end time by backup id, the same on every run', () => {
    const tied = [
      { backupId: 'a', endTime: now },
      { backupId: 'c', endTime: now },
      { backupId: 'b', endTime: now },
    ];
    expect(backupsToRemove(tied, { keep: 1 }, now).sort()).toEqual(['a', 'b']);
    expect(backupsToRemove([...tied].reverse(), { keep: 1 }, now).sort()).toEqual(['a', 'b']);
  });

  it('a copy exactly D days old is kept', () => {
    expect(backupsToRemove([{ backupId: 'x', endTime: now - 2 * DAY }], { keepDays: 2 }, now)).toEqual([]);
    expect(backupsToRemove([{ backupId: 'x', endTime: now - 2 * DAY - 1 }], { keepDays: 2 }, now)).toEqual(['x']);
  });

  it('refuses rules that would delete every copy or are not whole numbers', () => {
    for (const rules of [{ keep: 0 }, { keepDays: 0 }, { keepDays: -1 }, { keep: 1.5 }, { keep: Number.NaN }])
      expect(() => checkRetentionRules(rules)).toThrow(RangeError);
    expect(() => checkRetentionRules({ keep: 1, keepDays: 732 })).not.toThrow();
  });
});
