import { formatHuaweiUtcTime, ID_SHAPES } from '@dds-backup/contract';
import {
  type BackupDef,
  type BackupStrategyDef,
  DEFAULT_AUTO_BACKUP_BYTES,
  type FileDef,
  groupsOf,
  hexId,
  type InstanceDef,
} from './dataset.js';

/**
 * The automated backup schedule, on the mock clock. Each instance with a backup policy gets one
 * full backup a day, beginning at the start of its `start_time` window (UTC): it appears
 * `BUILDING` (no files to download), becomes `COMPLETED` a few mock minutes later, and is
 * deleted `keep_days` days after it began. Everything about a scheduled backup (id, name,
 * duration, file names and sizes; the bytes follow from the id) derives from the seed, the
 * instance and the day, so two mocks with the same seed agree at every instant.
 *
 * The schedule runs up to the furthest time the clock has reached: setting the clock back
 * changes link and token expiry, but no backup un-happens (none disappears, none goes back to
 * BUILDING) and none happens twice.
 */

export const DAY_MS = 86_400_000;

/** What one run of the schedule did. */
export interface ScheduleReport {
  created: number;
  completed: number;
  expired: number;
}

/** Minutes after 00:00 UTC at which the policy's window starts (`02:00-03:00` -> 120). */
export function windowStartMinutes(strategy: BackupStrategyDef): number {
  const [h = '0', m = '0'] = strategy.startTime.slice(0, 5).split(':');
  return Number(h) * 60 + Number(m);
}

/** A number from the seed and a label (the first 32 bits of the label's hash). */
const draw = (seed: number, label: string) => Number.parseInt(hexId(seed, label).slice(0, 8), 16);

const compact = (ms: number) => formatHuaweiUtcTime(new Date(ms)).replace(/[-: ]/g, '').slice(0, 12);

/** The automated backup of `instance` that begins at `beginTime` (a start of its window), BUILDING. */
export function scheduledBackup(seed: number, instance: InstanceDef, beginTime: number): BackupDef {
  const label = `auto-backup:${instance.id}:${beginTime}`;
  const id = `${hexId(seed, label)}${ID_SHAPES.backup.suffix}`;
  // Three to seven mock minutes of BUILDING.
  const endTime = beginTime + (180 + (draw(seed, `${label}:duration`) % 241)) * 1000;
  const base = instance.autoBackupBytes ?? DEFAULT_AUTO_BACKUP_BYTES;
  const size = (part: string) => base + (draw(seed, `${label}:size:${part}`) % Math.max(1, Math.floor(base / 4)));
  const files: FileDef[] =
    instance.mode === 'Sharding'
      ? groupsOf(instance, seed)
          .filter((g) => g.type === 'shard' || g.type === 'config')
          .map((g) => ({
            name: `${id}_${g.name}.tar.gz`,
            sizeBytes: size(g.name),
            groupId: g.id,
            groupName: g.name,
          }))
      : [{ name: `${id}.tar.gz`, sizeBytes: size('file') }];
  return {
    id,
    name: `autobackup-${compact(beginTime)}`,
    type: 'auto',
    status: 'BUILDING',
    beginTime,
    endTime,
    completesAt: endTime,
    description: '',
    files,
  };
}

/** The window starts in `(after, upTo]` whose backups are not yet expired at `upTo`, oldest first. */
export function startsBetween(strategy: BackupStrategyDef, after: number, upTo: number): number[] {
  const offset = windowStartMinutes(strategy) * 60_000;
  const keep = strategy.keepDays * DAY_MS;
  const from = Math.max(after, upTo - keep);
  const starts: number[] = [];
  let day = Math.floor((from - offset) / DAY_MS) * DAY_MS;
  for (; day + offset <= upTo; day += DAY_MS) {
    const start = day + offset;
    if (start > from) starts.push(start);
  }
  return starts;
}

/** The first window start after `t`. */
export function nextStartAfter(strategy: BackupStrategyDef, t: number): number {
  const offset = windowStartMinutes(strategy) * 60_000;
  const start = Math.floor((t - offset) / DAY_MS) * DAY_MS + offset;
  return start > t ? start : start + DAY_MS;
}

/** When an automated backup of an instance with this policy is deleted. */
export const expiresAt = (backup: BackupDef, strategy: BackupStrategyDef) =>
  backup.beginTime + strategy.keepDays * DAY_MS;

/** Callbacks through which the schedule changes a namespace's state (so its indexes stay right). */
export interface ScheduleTarget {
  instances(): Iterable<InstanceDef>;
  add(instance: InstanceDef, backup: BackupDef): boolean;
  remove(instance: InstanceDef, backup: BackupDef): void;
}

/**
 * Runs the schedule from `after` (exclusive; -Infinity for a fresh dataset, which then gets the
 * last keep-days of backups) up to `t`. Returns what it did and when the next thing happens.
 */
export function runSchedule(
  target: ScheduleTarget,
  seed: number,
  after: number,
  t: number,
): { report: ScheduleReport; nextEvent: number } {
  const report: ScheduleReport = { created: 0, completed: 0, expired: 0 };
  let nextEvent = Number.POSITIVE_INFINITY;
  for (const instance of target.instances()) {
    const strategy = instance.backupStrategy;
    if (strategy) {
      for (const start of startsBetween(strategy, after, t)) {
        if (target.add(instance, scheduledBackup(seed, instance, start))) report.created++;
      }
      for (const b of [...instance.backups]) {
        if (b.type !== 'auto') continue;
        const expiry = expiresAt(b, strategy);
        if (expiry <= t) {
          target.remove(instance, b);
          report.expired++;
        } else nextEvent = Math.min(nextEvent, expiry);
      }
      nextEvent = Math.min(nextEvent, nextStartAfter(strategy, t));
    }
    for (const b of instance.backups) {
      if (b.status !== 'BUILDING' || b.completesAt === undefined) continue;
      if (b.completesAt <= t) {
        b.status = 'COMPLETED';
        report.completed++;
      } else nextEvent = Math.min(nextEvent, b.completesAt);
    }
  }
  return { report, nextEvent };
}
