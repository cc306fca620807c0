import { describe, expect, it } from 'vitest';
import { defaultDataset, type InstanceDef } from '../src/dataset.js';
import {
  DAY_MS,
  nextStartAfter,
  runSchedule,
  scheduledBackup,
  startsBetween,
  windowStartMinutes,
} from '../src/schedule.js';

const strategy = { startTime: '02:30-03:30', keepDays: 3 };
const at = (iso: string) => Date.parse(iso);

describe('the schedule (pure functions)', () => {
  it('window starts: only those in (after, upTo] that are not already expired at upTo', () => {
    expect(windowStartMinutes(strategy)).toBe(150);
    const starts = startsBetween(strategy, Number.NEGATIVE_INFINITY, at('2030-01-10T02:30:00Z'));
    expect(starts.map((s) => new Date(s).toISOString())).toEqual([
      '2030-01-08T02:30:00.000Z',
      '2030-01-09T02:30:00.000Z',
      '2030-01-10T02:30:00.000Z',
    ]);
    // Exactly at a start: that start is in, the one keep days before is out (it expires then).
    expect(startsBetween(strategy, at('2030-01-10T02:30:00Z'), at('2030-01-10T02:30:00Z'))).toEqual([]);
    expect(startsBetween(strategy, at('2030-01-10T02:29:59Z'), at('2030-01-10T02:30:00Z'))).toEqual([
      at('2030-01-10T02:30:00Z'),
    ]);
    // A year at once still makes only the last keep days.
    expect(startsBetween(strategy, at('2029-01-10T00:00:00Z'), at('2030-01-10T12:00:00Z'))).toHaveLength(3);
    expect(nextStartAfter(strategy, at('2030-01-10T02:30:00Z'))).toBe(at('2030-01-11T02:30:00Z'));
    expect(nextStartAfter(strategy, at('2030-01-10T02:29:00Z'))).toBe(at('2030-01-10T02:30:00Z'));
  });

  it('a scheduled backup is BUILDING for three to seven minutes, small, and the same for the same seed', () => {
    const instance = defaultDataset(1).projects[0]!.instances[1]!; // the cluster
    const begin = at('2030-01-10T03:00:00Z');
    const b = scheduledBackup(1, instance, begin);
    expect(b).toEqual(scheduledBackup(1, instance, begin));
    expect(b.id).not.toBe(scheduledBackup(2, instance, begin).id);
    expect(b.id).not.toBe(scheduledBackup(1, instance, begin + DAY_MS).id);
    expect(b).toMatchObject({ type: 'auto', status: 'BUILDING', name: 'autobackup-203001100300' });
    expect(b.completesAt! - begin).toBeGreaterThanOrEqual(180_000);
    expect(b.completesAt! - begin).toBeLessThanOrEqual(420_000);
    expect(b.files.map((f) => f.groupName)).toEqual(['shard_1', 'shard_2', 'shard_3', 'config']);
    for (const f of b.files) expect(f.sizeBytes).toBeGreaterThanOrEqual(100_000);
    for (const f of b.files) expect(f.sizeBytes).toBeLessThan(125_000);
  });

  it('runSchedule completes, expires and says when the next event is', () => {
    const instance: InstanceDef = { id: 'i', name: 'n', mode: 'Single', backups: [], backupStrategy: strategy };
    const target = {
      instances: () => [instance],
      add: (_: InstanceDef, b: (typeof instance.backups)[number]) => {
        instance.backups.push(b);
        return true;
      },
      remove: (_: InstanceDef, b: (typeof instance.backups)[number]) => {
        instance.backups = instance.backups.filter((x) => x !== b);
      },
    };
    const first = runSchedule(target, 1, Number.NEGATIVE_INFINITY, at('2030-01-10T02:31:00Z'));
    expect(first.report).toEqual({ created: 3, completed: 2, expired: 0 });
    expect(instance.backups.map((b) => b.status)).toEqual(['COMPLETED', 'COMPLETED', 'BUILDING']);
    expect(first.nextEvent).toBe(instance.backups[2]!.completesAt);
    const later = runSchedule(target, 1, at('2030-01-10T02:31:00Z'), at('2030-01-11T02:30:00Z'));
    expect(later.report).toEqual({ created: 1, completed: 1, expired: 1 });
    expect(instance.backups).toHaveLength(3);
  });
});
