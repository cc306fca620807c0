import { describe, expect, it } from 'vitest';
import { datasetFromFixtures } from '../../src/fixtures.js';
import { createClock, createMockServer } from '../../src/index.js';
import { newMock, ORIGIN, specJson } from '../helpers.js';

type Mock = ReturnType<typeof newMock>;

async function listInstances(
  mock: Mock,
  query: Record<string, string> = {},
  projectId = mock.defaults.projectId,
): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(query).toString();
  const res = await mock.fetch(
    new Request(`${ORIGIN}/v3/${projectId}/instances${qs ? `?${qs}` : ''}`, { headers: { 'X-Auth-Token': 't' } }),
  );
  return { status: res.status, body: await specJson('ListInstances', res) };
}

const ids = (body: any) => body.instances.map((i: any) => i.id);

describe('ListInstances', () => {
  const mock = newMock({ clock: createClock({ start: '2030-01-10T12:00:00Z', frozen: true }) });
  const d = mock.defaults;

  it('lists the default project in creation order, with policies, groups and network', async () => {
    const { body } = await listInstances(mock);
    expect(body.total_count).toBe(3);
    expect(ids(body)).toEqual([d.replicaSet.instanceId, d.sharded.instanceId, d.empty.instanceId]);
    const [replica, cluster, empty] = body.instances;
    expect(replica).toMatchObject({
      name: 'dds-replica-demo',
      status: 'normal',
      mode: 'ReplicaSet',
      region: 'cn-north-4',
      port: 8635,
      engine: 'wiredTiger',
      datastore: { type: 'DDS-Community', version: '4.0' },
      backup_strategy: { start_time: '02:00-03:00', keep_days: 7 },
      created: '2025-06-01 08:00:00',
    });
    expect(replica.groups).toMatchObject([{ type: 'replica', nodes: [{ role: 'Primary' }, {}, {}] }]);
    expect(cluster.backup_strategy).toEqual({ start_time: '03:00-04:00', keep_days: 7 });
    expect(cluster.groups.map((g: any) => g.name)).toEqual(['shard_1', 'shard_2', 'shard_3', 'config', 'mongos']);
    expect(cluster.datastore.type).toBe('DDS-Enhanced');
    expect(empty.backup_strategy).toBeUndefined();
    expect(replica.vpc_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // The group ids are the group_id of the cluster backup's files.
    const backupGroups = ['shard_1', 'shard_2', 'shard_3', 'config'].map(
      (n) => cluster.groups.find((g: any) => g.name === n).id,
    );
    const links = await mock.fetch(
      new Request(
        `${ORIGIN}/v3/${d.projectId}/backups/download-file?instance_id=${d.sharded.instanceId}&backup_id=${d.sharded.backupId}`,
        { headers: { 'X-Auth-Token': 't' } },
      ),
    );
    expect((await specJson('ShowBackupDownloadLink', links)).files.map((f: any) => f.group_id)).toEqual(backupGroups);
  });

  it('the second project holds the large instance, unscheduled', async () => {
    const { body } = await listInstances(mock, {}, d.large.projectId);
    expect(body.instances).toMatchObject([{ id: d.large.instanceId, region: 'cn-east-3' }]);
    expect(body.instances[0].backup_strategy).toBeUndefined();
  });

  it.each([
    ['id', () => ({ id: d.sharded.instanceId }), () => [d.sharded.instanceId]],
    ['an unknown id', () => ({ id: `${'0'.repeat(32)}in02` }), () => []],
    ['an exact name', () => ({ name: 'dds-empty-demo' }), () => [d.empty.instanceId]],
    ['a name that is only a part', () => ({ name: 'demo' }), () => []],
    ['a fuzzy name', () => ({ name: '*cluster' }), () => [d.sharded.instanceId]],
    [
      'a fuzzy name matching all',
      () => ({ name: '*-demo' }),
      () => [d.replicaSet.instanceId, d.sharded.instanceId, d.empty.instanceId],
    ],
    ['mode', () => ({ mode: 'Single' }), () => [d.empty.instanceId]],
    ['datastore_type', () => ({ datastore_type: 'DDS-Enhanced' }), () => [d.sharded.instanceId]],
    ['one tag', () => ({ tags: 'env=demo' }), () => [d.replicaSet.instanceId, d.sharded.instanceId]],
    ['two tags (all must match)', () => ({ tags: 'env=demo,team=db' }), () => [d.replicaSet.instanceId]],
    ['a tag value nobody has', () => ({ tags: 'env=prod' }), () => []],
  ])('filters by %s', async (_, query, expected) => {
    const { body } = await listInstances(mock, query());
    expect(ids(body)).toEqual(expected());
    expect(body.total_count).toBe(expected().length);
  });

  it('filters by vpc_id and subnet_id', async () => {
    const replica = (await listInstances(mock)).body.instances[0];
    expect(ids((await listInstances(mock, { vpc_id: replica.vpc_id })).body)).toEqual([
      d.replicaSet.instanceId,
      d.sharded.instanceId,
    ]);
    expect(ids((await listInstances(mock, { subnet_id: replica.subnet_id, mode: 'ReplicaSet' })).body)).toEqual([
      d.replicaSet.instanceId,
    ]);
  });

  it('pages by offset/limit against total_count', async () => {
    const pages = [];
    for (let offset = 0; offset < 4; offset++)
      pages.push((await listInstances(mock, { offset: String(offset), limit: '1' })).body);
    expect(pages.map((p) => p.total_count)).toEqual([3, 3, 3, 3]);
    expect(pages.flatMap(ids)).toEqual([d.replicaSet.instanceId, d.sharded.instanceId, d.empty.instanceId]);
    expect(pages[3].instances).toEqual([]);
  });

  it('pages across more than 100 instances', async () => {
    const many = createMockServer({
      dataset: datasetFromFixtures(
        {
          projects: [
            {
              instances: Array.from({ length: 130 }, (_, i) => ({
                id: `${String(i).padStart(32, '0')}in02`,
                created: `2030-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
              })),
            },
          ],
        },
        1,
      ),
    });
    const first = (await listInstances(many)).body;
    expect([first.instances.length, first.total_count]).toEqual([100, 130]);
    const second = (await listInstances(many, { offset: '100' })).body;
    expect(second.instances.length).toBe(30);
    expect([...ids(first), ...ids(second)]).toEqual(
      Array.from({ length: 130 }, (_, i) => `${String(i).padStart(32, '0')}in02`),
    );
  });

  it.each([
    ['limit=0', { limit: '0' }, 'query.limit'],
    ['limit=101', { limit: '101' }, 'limit'],
    ['offset=-5', { offset: '-5' }, 'offset'],
    ['a tag without =', { tags: 'env' }, 'tags'],
    ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `k${i}=v`).join(',') }, 'tags'],
    ['an unknown mode', { mode: 'Cluster' }, 'mode'],
  ])('%s: 400 DBS.200001', async (_, query, parameter) => {
    const { status, body } = await listInstances(mock, query);
    expect([status, body.error_code]).toEqual([400, 'DBS.200001']);
    expect(body.error_msg).toContain(parameter.replace('query.', ''));
  });

  it('an unknown project is 400 DBS.280408; no credentials 401 APIGW.0301', async () => {
    const { status, body } = await listInstances(mock, {}, 'f'.repeat(32));
    expect([status, body.error_code]).toEqual([400, 'DBS.280408']);
    const res = await mock.fetch(new Request(`${ORIGIN}/v3/${d.projectId}/instances`));
    expect([res.status, (await specJson('ListInstances', res)).error_code]).toEqual([401, 'APIGW.0301']);
  });
});
