import { describe, expect, it } from 'vitest';
import { datasetFromFixtures } from '../../src/fixtures.js';
import { createClock, createMockServer, expectedHashes } from '../../src/index.js';
import { admin, downloadFileUrl, getLinks, newMock, ORIGIN, specJson } from '../helpers.js';

const T0 = '2030-01-10T12:00:00Z';
const frozenAt = (start: string, seed = 1) => newMock({ seed, clock: createClock({ start, frozen: true }) });

type Mock = ReturnType<typeof newMock>;

/** GET /v3/{project}/backups with a query; the answer checked against the spec. */
async function listBackups(
  mock: Mock,
  query: Record<string, string> = {},
  projectId = mock.defaults.projectId,
): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(query).toString();
  const res = await mock.fetch(
    new Request(`${ORIGIN}/v3/${projectId}/backups${qs ? `?${qs}` : ''}`, { headers: { 'X-Auth-Token': 't' } }),
  );
  return { status: res.status, body: await specJson('ListBackups', res) };
}

/** Every backup over all pages of `limit`, and the pages' total_count values. */
async function allPages(mock: Mock, query: Record<string, string>, limit: number) {
  const items: any[] = [];
  const totals = new Set<number>();
  for (let offset = 0; ; offset += limit) {
    const { body } = await listBackups(mock, { ...query, offset: String(offset), limit: String(limit) });
    expect(body.backups.length).toBeLessThanOrEqual(limit);
    totals.add(body.total_count);
    items.push(...body.backups);
    if (body.backups.length < limit) break;
  }
  return { items, totals };
}

const clock = (mock: Mock, body: unknown) => admin(mock, 'SetMockClock', 'POST', '/__mock/clock', body);

describe('ListBackups on a fresh mock', () => {
  it('lists the last 7 days of automated backups of each scheduled instance and the manual ones, newest first', async () => {
    const mock = frozenAt(T0);
    const d = mock.defaults;
    const { body } = await listBackups(mock, { instance_id: d.replicaSet.instanceId });
    expect(body.total_count).toBe(8);
    const auto = body.backups.filter((b: any) => b.type === 'auto');
    expect(auto.map((b: any) => b.begin_time)).toEqual(
      [10, 9, 8, 7, 6, 5, 4].map((day) => `2030-01-${String(day).padStart(2, '0')} 02:00:00`),
    );
    expect(auto.every((b: any) => b.status === 'COMPLETED' && b.size > 0 && b.size < 1024)).toBe(true);
    expect(auto.every((b: any) => /^[0-9a-f]{32}br02$/.test(b.id) && b.instance_name === 'dds-replica-demo')).toBe(
      true,
    );
    // The manual demo backup (2025) is the oldest and never expires.
    expect(body.backups.at(-1)).toMatchObject({ id: d.replicaSet.backupId, type: 'manual', status: 'COMPLETED' });
    const all = (await listBackups(mock)).body;
    expect(all.total_count).toBe(16); // 7 + 1 per scheduled instance; the empty one has none
    const begins = all.backups.map((b: any) => b.begin_time);
    expect([...begins].sort().reverse()).toEqual(begins);
  });

  it('the 1.5 GiB instance is alone in the second project, without a schedule', async () => {
    const mock = frozenAt(T0);
    const d = mock.defaults;
    expect((await listBackups(mock)).body.backups.some((b: any) => b.instance_id === d.large.instanceId)).toBe(false);
    const { body } = await listBackups(mock, {}, d.large.projectId);
    expect(body.backups.map((b: any) => [b.id, b.type])).toEqual([[d.large.backupId, 'manual']]);
    expect(body.backups[0].size).toBe(Math.ceil((1536 * 1024 * 1024 + 123_457) / 1024));
  });

  it('is deterministic from the seed: same seed same answer, another seed other ids', async () => {
    const a = (await listBackups(frozenAt(T0))).body;
    expect((await listBackups(frozenAt(T0))).body).toEqual(a);
    const other = (await listBackups(frozenAt(T0, 2))).body;
    expect(other.backups.map((b: any) => b.id)).not.toEqual(a.backups.map((b: any) => b.id));
    expect(other.backups.map((b: any) => b.begin_time)).toEqual(a.backups.map((b: any) => b.begin_time));
  });

  it('a scheduled backup downloads with the bytes (and hashes) the seed gives', async () => {
    const mock = frozenAt(T0);
    const d = mock.defaults;
    const newest = (await listBackups(mock, { instance_id: d.sharded.instanceId, limit: '1' })).body.backups[0];
    const links = await getLinks(mock, { instanceId: d.sharded.instanceId, backupId: newest.id });
    expect(links.files.map((f: any) => f.group_name)).toEqual(['shard_1', 'shard_2', 'shard_3', 'config']);
    expect(links.files.reduce((n: number, f: any) => n + f.size, 0)).toBe(newest.size);
    const f = links.files[0];
    const bytes = Buffer.from(await (await mock.fetch(new Request(f.download_link))).arrayBuffer());
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      (await expectedHashes({ seed: 1, backupId: newest.id, fileName: f.name, size: bytes.length })).sha256,
    );
  });
});

describe('ListBackups paging', () => {
  // One instance with a 150-day policy: a fresh mock lists 150 automated backups.
  const longPolicy = () =>
    createMockServer({
      clock: createClock({ start: T0, frozen: true }),
      dataset: datasetFromFixtures(
        {
          projects: [
            {
              instances: [
                {
                  id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaain02',
                  name: 'long-keeper',
                  backup_strategy: { start_time: '04:00-05:00', keep_days: 150 },
                  auto_backup_bytes: 1000,
                  backups: [
                    {
                      id: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbr02',
                      type: 'incremental',
                      begin_time: '2030-01-01T00:00:00Z',
                      files: [{ name: 'incr.tar.gz', size_bytes: 10 }],
                    },
                  ],
                },
              ],
            },
          ],
        },
        1,
      ),
    });

  it('pages across more than 100 backups by offset/limit: every backup once, total_count on every page', async () => {
    const mock = longPolicy();
    const first = (await listBackups(mock)).body;
    expect(first.total_count).toBe(150);
    expect(first.backups).toHaveLength(100); // the default limit is the maximum, 100
    const second = (await listBackups(mock, { offset: '100' })).body;
    expect(second).toMatchObject({ total_count: 150 });
    expect(second.backups).toHaveLength(50);
    const ids = [...first.backups, ...second.backups].map((b: any) => b.id);
    expect(new Set(ids).size).toBe(150);
    for (const limit of [1, 7, 100]) {
      const { items, totals } = await allPages(mock, {}, limit);
      expect([...totals]).toEqual([150]);
      expect(items.map((b) => b.id)).toEqual(ids);
    }
    expect((await listBackups(mock, { offset: '150' })).body).toEqual({ backups: [], total_count: 150 });
    expect((await listBackups(mock, { offset: '2147483647', limit: '100' })).body.backups).toEqual([]);
  });

  it('incremental backups only with backup_type=Incremental and an instance', async () => {
    const mock = longPolicy();
    const id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaain02';
    expect((await listBackups(mock)).body.backups.some((b: any) => b.type === 'incremental')).toBe(false);
    const incremental = await listBackups(mock, { backup_type: 'Incremental', instance_id: id });
    expect(incremental.body.backups.map((b: any) => b.id)).toEqual(['bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbr02']);
    const without = await listBackups(mock, { backup_type: 'Incremental' });
    expect(without.status).toBe(400);
    expect(without.body.error_msg).toContain('`backup_type=Incremental` needs `instance_id`');
  });
});

describe('ListBackups filters', () => {
  const mock = frozenAt(T0);
  const d = mock.defaults;

  it('backup_type Auto / Manual, backup_id, mode', async () => {
    const auto = (await listBackups(mock, { backup_type: 'Auto' })).body;
    expect(auto.total_count).toBe(14);
    expect(auto.backups.every((b: any) => b.type === 'auto')).toBe(true);
    const manual = (await listBackups(mock, { backup_type: 'Manual' })).body;
    expect(manual.backups.map((b: any) => b.id).sort()).toEqual([d.replicaSet.backupId, d.sharded.backupId].sort());
    expect((await listBackups(mock, { backup_id: d.sharded.backupId })).body.backups).toHaveLength(1);
    expect((await listBackups(mock, { backup_id: `${'0'.repeat(32)}br02` })).body).toEqual({
      backups: [],
      total_count: 0,
    });
    const sharding = (await listBackups(mock, { mode: 'Sharding' })).body;
    expect(sharding.total_count).toBe(8);
    expect(sharding.backups.every((b: any) => b.instance_id === d.sharded.instanceId)).toBe(true);
    expect((await listBackups(mock, { mode: 'Single' })).body.total_count).toBe(0);
  });

  it('begin_time/end_time select by begin time, both ends included, in either documented form', async () => {
    const window = { begin_time: '2030-01-08 02:00:00', end_time: '2030-01-09T02:00:00Z' };
    const { body } = await listBackups(mock, { ...window, instance_id: d.replicaSet.instanceId });
    expect(body.backups.map((b: any) => b.begin_time)).toEqual(['2030-01-09 02:00:00', '2030-01-08 02:00:00']);
    const narrow = await listBackups(mock, { begin_time: '2030-01-08 02:00:01', end_time: '2030-01-09 01:59:59' });
    expect(narrow.body.backups.map((b: any) => b.begin_time)).toEqual(['2030-01-08 03:00:00']); // the cluster's
  });

  it.each([
    ['limit=0', { limit: '0' }, 'must be >= 1'],
    ['limit=101', { limit: '101' }, 'must be <= 100'],
    ['limit=ten', { limit: 'ten' }, 'must be of type integer'],
    ['offset=-1', { offset: '-1' }, 'must be >= 0'],
    ['offset=1e3', { offset: '1e3' }, 'must be of type integer'],
    ['begin_time alone', { begin_time: '2030-01-01 00:00:00' }, '`begin_time` needs `end_time`'],
    ['end_time alone', { end_time: '2030-01-01 00:00:00' }, '`end_time` needs `begin_time`'],
    [
      'end before begin',
      { begin_time: '2030-01-02 00:00:00', end_time: '2030-01-01 00:00:00' },
      '`end_time` (2030-01-01 00:00:00) is before `begin_time`',
    ],
    [
      'a time with an offset',
      { begin_time: '2030-01-01T00:00:00+0800', end_time: '2030-01-02 00:00:00' },
      'must match',
    ],
    [
      'an impossible date',
      { begin_time: '2030-02-30 00:00:00', end_time: '2030-03-01 00:00:00' },
      'not a Huawei UTC time',
    ],
    ['the answer spelling of a type', { backup_type: 'auto' }, 'must be one of "Auto", "Manual", "Incremental"'],
    ['an unknown mode', { mode: 'Cluster' }, 'must be one of'],
  ])('%s: 400 DBS.200001 naming the parameter', async (_, query, message) => {
    const { status, body } = await listBackups(mock, query as Record<string, string>);
    expect(status).toBe(400);
    expect(body.error_code).toBe('DBS.200001');
    expect(body.error_msg).toContain(message);
  });

  it('an unknown instance is 404 DBS.200002, an unknown project 400 DBS.280408, no token 401 APIGW.0301', async () => {
    const unknown = await listBackups(mock, { instance_id: `${'f'.repeat(32)}in02` });
    expect([unknown.status, unknown.body.error_code]).toEqual([404, 'DBS.200002']);
    const project = await listBackups(mock, {}, 'f'.repeat(32));
    expect([project.status, project.body.error_code]).toEqual([400, 'DBS.280408']);
    const res = await mock.fetch(new Request(`${ORIGIN}/v3/${d.projectId}/backups`));
    expect(res.status).toBe(401);
    expect((await specJson('ListBackups', res)).error_code).toBe('APIGW.0301');
  });

  it('Prefer: example= answers the spec example of the operation', async () => {
    const res = await mock.fetch(
      new Request(`${ORIGIN}/v3/${d.projectId}/backups`, {
        headers: { 'X-Auth-Token': 't', Prefer: 'example=two-backups' },
      }),
    );
    expect((await specJson('ListBackups', res)).total_count).toBe(2);
  });
});

describe('the schedule on the mock clock', () => {
  it('a backup appears BUILDING when the window starts (no links, no objects), COMPLETED minutes later', async () => {
    const mock = frozenAt('2030-01-10T01:59:00Z');
    const d = mock.defaults;
    const q = { instance_id: d.replicaSet.instanceId, backup_type: 'Auto' };
    expect((await listBackups(mock, q)).body.backups[0].begin_time).toBe('2030-01-09 02:00:00');
    const moved = await clock(mock, { advance_seconds: 61 });
    expect(moved.body.schedule).toEqual({ created: 1, completed: 0, expired: 1 });
    const building = (await listBackups(mock, q)).body.backups[0];
    expect(building).toMatchObject({ begin_time: '2030-01-10 02:00:00', end_time: '2030-01-10 02:00:00' });
    expect(building).toMatchObject({ status: 'BUILDING', size: 0 });
    const res = await mock.fetch(
      new Request(downloadFileUrl(mock, { instanceId: d.replicaSet.instanceId, backupId: building.id }), {
        headers: { 'X-Auth-Token': 't' },
      }),
    );
    expect(res.status).toBe(400);
    const refused = await specJson('ShowBackupDownloadLink', res);
    expect(refused.error_code).toBe('DBS.280124');
    expect(refused.error_msg).toContain('BUILDING');
    // The admin state says when it completes: three to seven mock minutes after it began.
    const state = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
    expect(state.projects[0].instances[0].backups.find((b: any) => b.id === building.id).completes_at).toMatch(
      /^2030-01-10T02:0[3-7]:/,
    );

    expect((await clock(mock, { advance_seconds: 8 * 60 })).body.schedule).toEqual({
      created: 0,
      completed: 1,
      expired: 0,
    });
    const done = (await listBackups(mock, q)).body.backups[0];
    expect(done).toMatchObject({ id: building.id, status: 'COMPLETED' });
    expect(done.size).toBeGreaterThan(0);
    expect(done.end_time > done.begin_time).toBe(true);
    const links = await getLinks(mock, { instanceId: d.replicaSet.instanceId, backupId: building.id });
    expect((await mock.fetch(new Request(links.files[0].download_link))).status).toBe(200);
  });

  it('advancing ten days makes those days at once and expires the oldest: always the last 7, as a mock started then', async () => {
    const mock = frozenAt(T0);
    const d = mock.defaults;
    const q = { instance_id: d.replicaSet.instanceId, backup_type: 'Auto' };
    const before = (await listBackups(mock, q)).body.backups.map((b: any) => b.id);
    const moved = await clock(mock, { advance_days: 10 });
    expect(moved.body.now).toBe('2030-01-20T12:00:00.000Z');
    // Per scheduled instance: the 7 of before expired; of the 10 new days the 3 that would already
    // be expired are skipped, 7 made (and completed).
    expect(moved.body.schedule).toEqual({ created: 14, completed: 14, expired: 14 });
    const after = (await listBackups(mock, q)).body.backups;
    expect(after.map((b: any) => b.begin_time.slice(0, 10))).toEqual(
      [20, 19, 18, 17, 16, 15, 14].map((day) => `2030-01-${day}`),
    );
    expect(after.some((b: any) => before.includes(b.id))).toBe(false);
    // The same backups (ids, sizes, times) as a mock started at that time.
    expect((await listBackups(mock)).body).toEqual((await listBackups(frozenAt('2030-01-20T12:00:00Z'))).body);
    // Expired backups' objects are gone with them.
    const oldLink = await mock.fetch(
      new Request(downloadFileUrl(mock, { instanceId: d.replicaSet.instanceId, backupId: before[0] }), {
        headers: { 'X-Auth-Token': 't' },
      }),
    );
    expect((await specJson('ShowBackupDownloadLink', oldLink)).error_code).toBe('DBS.201214');
  });

  it('expiry after keep days: one day on, the oldest is gone and a new one came', async () => {
    const mock = frozenAt(T0);
    const q = { instance_id: mock.defaults.sharded.instanceId, backup_type: 'Auto' };
    const before = (await listBackups(mock, q)).body.backups;
    await clock(mock, { advance_days: 1 });
    const after = (await listBackups(mock, q)).body.backups;
    expect(after).toHaveLength(7);
    expect(after.slice(1)).toEqual(before.slice(0, 6));
    expect(after[0].begin_time).toBe('2030-01-11 03:00:00');
  });

  it('setting the clock back un-does nothing, and going forward again makes nothing twice', async () => {
    const mock = frozenAt(T0);
    const before = (await listBackups(mock)).body;
    expect((await clock(mock, { advance_days: -3 })).body.schedule).toEqual({ created: 0, completed: 0, expired: 0 });
    expect((await listBackups(mock)).body).toEqual(before);
    await clock(mock, { set: T0 });
    expect((await listBackups(mock)).body).toEqual(before);
    await clock(mock, { advance_days: 1 });
    const later = (await listBackups(mock)).body;
    expect(later.total_count).toBe(16);
    expect(new Set(later.backups.map((b: any) => b.id)).size).toBe(16);
  });

  it('reset brings back the fresh dataset with the last keep days at the current clock', async () => {
    const mock = frozenAt(T0);
    await clock(mock, { advance_days: 2 });
    const moved = (await listBackups(mock)).body;
    await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', { files: [{ name: 'x', size_bytes: 1 }] });
    await admin(mock, 'ResetMock', 'POST', '/__mock/reset');
    expect((await listBackups(mock)).body).toEqual(moved);
  });

  it('POST /__mock/backups: a manual backup BUILDING for building_seconds, and a policy for a new instance', async () => {
    const mock = frozenAt(T0);
    const instanceId = `${'c'.repeat(32)}in02`;
    const added = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      instance_id: instanceId,
      instance_name: 'partner',
      description: 'before the upgrade',
      building_seconds: 120,
      backup_strategy: { start_time: '13:00-14:00' },
      files: [{ name: 'manual.tar.gz', size_bytes: 5000 }],
    });
    expect(added.status).toBe(201);
    expect(added.body.backup).toMatchObject({ status: 'BUILDING', description: 'before the upgrade' });
    const q = { instance_id: instanceId };
    expect((await listBackups(mock, q)).body.backups).toMatchObject([{ status: 'BUILDING', type: 'manual' }]);
    await clock(mock, { advance_seconds: 120 });
    expect((await listBackups(mock, q)).body.backups).toMatchObject([{ status: 'COMPLETED', size: 5 }]);
    // The policy brings backups from now on (the new instance has no past), keep_days default 7.
    await clock(mock, { advance_days: 9, advance_seconds: 7200 });
    const listed = (await listBackups(mock, { ...q, backup_type: 'Auto' })).body;
    expect(listed.total_count).toBe(7);
    expect(listed.backups[0].begin_time).toBe('2030-01-19 13:00:00');
    const bad = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      backup_strategy: { start_time: '25:00-26:00' },
      files: [],
    });
    expect(bad.status).toBe(400);
  });
});
