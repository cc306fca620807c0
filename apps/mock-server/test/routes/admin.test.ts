import { getOperation } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIZES } from '../../src/dataset.js';
import { createClock, expectedHashes } from '../../src/index.js';
import { admin, getLinks, newMock, ORIGIN } from '../helpers.js';

describe('the admin API is described by openapi/mock-admin.openapi.yaml', () => {
  it('the contract registers it', () => {
    expect(getOperation('GetMockState').documentId).toBe('mock-admin');
    for (const id of [
      'ResetMock',
      'LoadMockFixtures',
      'AddMockBackup',
      'GetMockClock',
      'SetMockClock',
      'ListMockFaults',
      'AddMockFaults',
      'ClearMockFaults',
      'ListMockRequests',
      'ClearMockRequests',
    ]) {
      expect(getOperation(id).path.startsWith('/__mock/')).toBe(true);
    }
  });
});

describe('GET /__mock/state', () => {
  const mock = newMock();
  const d = mock.defaults;

  it('lists the default dataset: two projects (the large instance alone in the second), Huawei id shapes, ids as in server.defaults', async () => {
    const { body } = await admin(mock, 'GetMockState', 'GET', '/__mock/state');
    expect(body.namespace).toBe('default');
    expect(body.defaults).toEqual({
      project_id: d.projectId,
      region: d.region,
      replica_set: { instance_id: d.replicaSet.instanceId, backup_id: d.replicaSet.backupId },
      sharded: { instance_id: d.sharded.instanceId, backup_id: d.sharded.backupId },
      large: {
        project_id: d.large.projectId,
        region: 'cn-east-3',
        instance_id: d.large.instanceId,
        backup_id: d.large.backupId,
      },
      empty: { instance_id: d.empty.instanceId },
    });
    expect(body.projects.map((p: any) => [p.id, p.region])).toEqual([
      [d.projectId, 'cn-north-4'],
      [d.large.projectId, 'cn-east-3'],
    ]);
    const p = body.projects[0];
    expect(p.id).toMatch(/^[0-9a-f]{32}$/);
    expect(p.instances.map((i: any) => i.id)).toEqual([
      d.replicaSet.instanceId,
      d.sharded.instanceId,
      d.empty.instanceId,
    ]);
    for (const i of p.instances) {
      expect(i.id).toMatch(/^[0-9a-f]{32}in02$/);
      for (const b of i.backups) expect(b.id).toMatch(/^[0-9a-f]{32}br02$/);
    }
    const sharded = p.instances.find((i: any) => i.id === d.sharded.instanceId).backups[0];
    expect(sharded.files.length).toBeGreaterThan(2);
    expect(sharded.files.every((f: any) => f.group_id && f.group_name)).toBe(true);
    const total = sharded.files.reduce((n: number, f: any) => n + f.size_bytes, 0);
    expect(total).toBeLessThan(64 * 1024 * 1024);
    expect(Math.min(...sharded.files.map((f: any) => f.size_bytes))).toBeLessThan(64 * 1024);
    const largeInstance = body.projects[1].instances[0];
    expect(largeInstance.id).toBe(d.large.instanceId);
    expect(largeInstance.backup_strategy).toBeUndefined();
    expect(largeInstance.backups[0].files[0].size_bytes).toBe(DEFAULT_SIZES.large);
  });

  it('publishes exact size, md5 and sha256, equal to expectedHashes()', async () => {
    const { body } = await admin(mock, 'GetMockState', 'GET', '/__mock/state');
    const b = body.projects[0].instances.find((i: any) => i.id === d.replicaSet.instanceId).backups[0];
    const f = b.files[0];
    expect(await expectedHashes({ seed: d.seed, backupId: b.id, fileName: f.name, size: f.size_bytes })).toEqual({
      md5: f.md5,
      sha256: f.sha256,
    });
    expect(f.etag).toBe(`"${f.md5}"`);
    const none = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
    expect(none.projects[0].instances[0].backups[0].files[0].md5).toBe(f.md5); // cached
    expect((await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=bogus')).status).toBe(400);
  });

  it('ids derive from the seed: same seed same ids, other seed other ids', () => {
    expect(newMock({ seed: 1 }).defaults.projectId).toBe(newMock({ seed: 1 }).defaults.projectId);
    expect(newMock({ seed: 2 }).defaults.sharded.backupId).not.toBe(d.sharded.backupId);
  });
});

describe('POST /__mock/backups, /__mock/reset, /__mock/fixtures', () => {
  it('adds a backup to an instance (created when new) and reset removes it', async () => {
    const mock = newMock();
    const added = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      instance_id: `${'a'.repeat(32)}in02`,
      backup_id: `${'b'.repeat(32)}br02`,
      files: [{ name: 'x.tar.gz', size_bytes: 5000, group_id: 'g1', group_name: 'shard_9' }],
    });
    expect(added.status).toBe(201);
    expect(added.body.backup.files[0]).toMatchObject({
      name: 'x.tar.gz',
      size_bytes: 5000,
      size: 5,
      group_name: 'shard_9',
    });
    const links = await getLinks(mock, { instanceId: `${'a'.repeat(32)}in02`, backupId: `${'b'.repeat(32)}br02` });
    expect(links.files[0].group_id).toBe('g1');
    expect((await admin(mock, 'ResetMock', 'POST', '/__mock/reset')).status).toBe(204);
    const res = await mock.fetch(
      new Request(
        `${ORIGIN}/v3/${mock.defaults.projectId}/backups/download-file?instance_id=${'a'.repeat(32)}in02&backup_id=${'b'.repeat(32)}br02`,
        { headers: { 'X-Auth-Token': 't' } },
      ),
    );
    expect(res.status).toBe(404);
  });

  it('refuses bad bodies with a message naming the problem', async () => {
    const mock = newMock();
    for (const [body, needle] of [
      [{}, 'files'],
      [{ files: [{ name: '..', size_bytes: 1 }] }, 'name'],
      [{ files: [{ name: 'a', size_bytes: -1 }] }, 'size_bytes'],
      [
        {
          files: [
            { name: 'a', size_bytes: 1 },
            { name: 'a', size_bytes: 2 },
          ],
        },
        'unique',
      ],
      [{ files: [], extra: 1 }, 'extra'],
    ] as const) {
      const res = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', body);
      expect(res.status).toBe(400);
      expect(res.body.error_msg).toContain(needle);
    }
    const notJson = await mock.fetch(new Request(`${ORIGIN}/__mock/backups`, { method: 'POST', body: '{' }));
    expect(notJson.status).toBe(400);
  });

  it('POST /__mock/fixtures replaces the dataset; reset returns to it', async () => {
    const mock = newMock();
    const fixtures = {
      projects: [
        {
          id: 'p'.repeat(32).replace(/p/g, 'c'),
          name: 'ap-southeast-1',
          instances: [{ id: 'i1', backups: [{ id: 'b1', files: [{ name: 'f', size_bytes: 3 }] }] }],
        },
      ],
    };
    expect((await admin(mock, 'LoadMockFixtures', 'POST', '/__mock/fixtures', fixtures)).status).toBe(204);
    await admin(mock, 'ResetMock', 'POST', '/__mock/reset');
    const state = (await admin(mock, 'GetMockState', 'GET', '/__mock/state')).body;
    expect(state.projects.map((p: any) => p.name)).toEqual(['ap-southeast-1']);
    const bad = await admin(mock, 'LoadMockFixtures', 'POST', '/__mock/fixtures', {
      projects: [
        {
          instances: [
            {
              id: 'i',
              backups: [
                { id: 'b', files: [] },
                { id: 'b', files: [] },
              ],
            },
          ],
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error_msg).toContain('appears twice');
  });
});

describe('/__mock/clock', () => {
  it('advance, set (ISO, Huawei time, unix seconds), freeze, unfreeze', async () => {
    const mock = newMock({ clock: createClock({ start: '2030-01-01T00:00:00Z', frozen: true }) });
    const c = (body: unknown) => admin(mock, 'SetMockClock', 'POST', '/__mock/clock', body);
    expect((await c({ advance_seconds: 90 })).body).toEqual({
      now: '2030-01-01T00:01:30.000Z',
      now_unix: 1893456090,
      frozen: true,
      schedule: { created: 0, completed: 0, expired: 0 },
    });
    expect((await c({ set: '2030-06-01T08:00:00+0800' })).body.now).toBe('2030-06-01T00:00:00.000Z');
    expect((await c({ set: 1893456000 })).body.now).toBe('2030-01-01T00:00:00.000Z');
    expect((await c({ unfreeze: true })).body.frozen).toBe(false);
    expect((await c({ freeze: true })).body.frozen).toBe(true);
    expect((await admin(mock, 'GetMockClock', 'GET', '/__mock/clock')).body.frozen).toBe(true);
    expect((await c({})).status).toBe(400);
    expect((await c({ set: 'yesterday' })).status).toBe(400);
    expect((await c({ advance_seconds: 'x' })).status).toBe(400);
  });

  it('the clock drives link expiry', async () => {
    const mock = newMock();
    const link = (await getLinks(mock, mock.defaults.replicaSet)).files[0].download_link;
    await admin(mock, 'SetMockClock', 'POST', '/__mock/clock', { advance_seconds: 901 });
    expect((await mock.fetch(new Request(link, { method: 'HEAD' }))).status).toBe(403);
  });
});

describe('/__mock/requests (journal)', () => {
  it('records API and download requests with method, path (no query), status, bytes_sent, duration_ms', async () => {
    const mock = newMock();
    const link = (await getLinks(mock, mock.defaults.replicaSet)).files[0].download_link;
    await (await mock.fetch(new Request(link, { headers: { Range: 'bytes=0-99' } }))).arrayBuffer();
    const { body } = await admin(mock, 'ListMockRequests', 'GET', '/__mock/requests');
    expect(body).toHaveLength(2);
    expect(body[0]).toMatchObject({
      target: 'api',
      method: 'GET',
      status: 200,
      path: `/v3/${mock.defaults.projectId}/backups/download-file`,
    });
    expect(body[1]).toMatchObject({ target: 'download', method: 'GET', status: 206, bytes_sent: 100, aborted: false });
    for (const e of body) {
      expect(e.path).not.toContain('?');
      expect(e.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect((await admin(mock, 'ClearMockRequests', 'DELETE', '/__mock/requests')).status).toBe(204);
    expect((await admin(mock, 'ListMockRequests', 'GET', '/__mock/requests')).body).toEqual([]);
  });
});
