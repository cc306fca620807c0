import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClock } from '@dds-backup/mock-server';
import { afterEach, describe, expect, it } from 'vitest';
import { type MirrorEvent, mirrorBackups } from '../../src/mirror/index.js';
import { type MockHandle, startMock } from '../download/helpers.js';
import { rewritingProxy } from '../download/rewriting-proxy.js';

const START = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** The mock on 127.0.0.1:0 (objects travel over real sockets), on a frozen clock. */
const mockAt = async (): Promise<MockHandle> => {
  const m = await startMock({ clock: createClock({ start: START, frozen: true }) });
  cleanups.push(() => m.close());
  return m;
};
const temp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'dds-mirror-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
};

describe('mirrorBackups', () => {
  it('runs several backups at once within ONE connection budget across all of them', async () => {
    const m = await mockAt();
    let inFlight = 0;
    let most = 0;
    // Counts object requests from their arrival until their last body byte is handed to the
    // socket: inside the time the engine holds a budget slot for them (it sends after taking one
    // and gives it back once it has read that last byte), so this can only exceed the budget if
    // the engine does.
    const counting = await rewritingProxy(m, {
      request: (_headers, req) => {
        if (!req.url!.startsWith('/obs/')) return;
        inFlight++;
        most = Math.max(most, inFlight);
      },
      object: () => {
        inFlight--;
      },
    });
    cleanups.push(counting.close);
    // Paced bodies keep each answer open for a while at the proxy (it reads the whole answer
    // before sending it), so requests the budget lets run together are seen together.
    await m.admin('POST', 'faults', { target: 'download', kind: 'throttle', bytes_per_second: 4 * 1024 * 1024 });
    const events: MirrorEvent[] = [];
    const result = await mirrorBackups({
      client: counting.client,
      dir: await temp(),
      parallelBackups: 4,
      concurrency: 4,
      maxConnections: 2,
      onEvent: (e) => events.push(e),
    });
    expect(result.summary.failed).toBe(0);
    expect(result.summary.new).toBeGreaterThan(4);
    expect(most).toBe(2);
    // Backups overlapped: a second one started before the first was done.
    const order = events.filter((e) => e.type === 'backup-start' || e.type === 'backup-done').map((e) => e.type);
    expect(order.slice(0, 2)).toEqual(['backup-start', 'backup-start']);
  });

  it('--keep-days D removes the verified copies that ended more than D days ago, and only those; a fresh mirror does not fetch them', async () => {
    const m = await mockAt();
    const dir = await temp();
    const instanceId = m.mock.defaults.replicaSet.instanceId;
    const { client } = m;
    const everything = await mirrorBackups({ client, dir, instanceIds: [instanceId], now: () => START });
    expect(everything.summary.failed).toBe(0);
    const listed = new Map<string, number>();
    for await (const b of client.listBackups({ instanceId }))
      if (b.status === 'COMPLETED') listed.set(b.id, Date.parse(`${b.end_time.replace(' ', 'T')}Z`));
    const old = [...listed].filter(([, end]) => end < START - 3 * DAY).map(([id]) => id);
    const recent = [...listed].filter(([, end]) => end >= START - 3 * DAY).map(([id]) => id);
    expect(old.length).toBeGreaterThan(0);
    expect(recent.length).toBeGreaterThan(0);
    expect(everything.summary.new).toBe(listed.size);

    const pruned = await mirrorBackups({ client, dir, instanceIds: [instanceId], keepDays: 3, now: () => START });
    expect(pruned.removed.map((r) => r.backupId).sort()).toEqual(old.sort());
    expect(pruned.summary).toMatchObject({ new: 0, skipped: listed.size, excluded: 0 });
    expect((await readdir(join(dir, instanceId))).sort()).toEqual(recent.sort());

    const fresh = await temp();
    const direct = await mirrorBackups({
      client,
      dir: fresh,
      instanceIds: [instanceId],
      keepDays: 3,
      now: () => START,
    });
    expect(direct.summary).toMatchObject({ new: recent.length, excluded: old.length, removed: [] });
    expect((await readdir(join(fresh, instanceId))).sort()).toEqual(recent.sort());
  });
});
