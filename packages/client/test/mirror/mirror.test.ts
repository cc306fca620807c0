import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClock, createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type FetchLike, tokenCredentials } from '../../src/index.js';
import { type MirrorEvent, mirrorBackups } from '../../src/mirror/index.js';

const ORIGIN = 'http://mock.test';
const START = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let mock: MockServer;
let dirs: string[] = [];
beforeEach(() => {
  mock = createMockServer({ clock: createClock({ start: START, frozen: true }) });
});
afterEach(async () => {
  await mock.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

const temp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'dds-mirror-'));
  dirs.push(d);
  return d;
};
const clientWith = (fetch: FetchLike) =>
  createClient({
    endpoint: ORIGIN,
    projectId: mock.defaults.projectId,
    credentials: tokenCredentials(mock.defaults.token),
    fetch,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });

describe('mirrorBackups', () => {
  it('runs several backups at once within ONE connection budget across all of them', async () => {
    let inFlight = 0;
    let most = 0;
    // Counts object requests from their start until their last body byte (what the budget bounds;
    // the engine stops reading at Content-Length, so the stream's end is not awaited).
    const counting: FetchLike = async (r) => {
      if (!new URL(r.url).pathname.startsWith('/obs/')) return mock.fetch(r);
      inFlight++;
      most = Math.max(most, inFlight);
      const res = await mock.fetch(r);
      const length = Number(res.headers.get('content-length') ?? 0);
      let received = 0;
      let ended = false;
      const end = () => {
        if (!ended) inFlight--;
        ended = true;
      };
      if (!res.body || length === 0) {
        end();
        return res;
      }
      const body = res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            received += chunk.byteLength;
            if (received >= length) end();
            controller.enqueue(chunk);
          },
          flush: end,
        }),
      );
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
    const events: MirrorEvent[] = [];
    const result = await mirrorBackups({
      client: clientWith(counting),
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
    const dir = await temp();
    const instanceId = mock.defaults.replicaSet.instanceId;
    const client = clientWith((r) => mock.fetch(r));
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
