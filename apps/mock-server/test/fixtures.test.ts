import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FixturesError, loadFixtures } from '../src/fixtures.js';
import { createMockServer } from '../src/index.js';
import { getLinks } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'dds-mock-fixtures-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

describe('fixtures files', () => {
  it('a YAML file replaces the dataset', async () => {
    const path = await file(
      'ok.yaml',
      `projects:
  - name: eu-west-101
    instances:
      - id: 11111111111111111111111111111111in02
        mode: Sharding
        backups:
          - id: 22222222222222222222222222222222br02
            end_time: 2025-01-02T03:04:05+0800
            files:
              - {name: shard_1.tar.gz, size_bytes: 2048, group_id: g1, group_name: shard_1}
              - {name: config.tar.gz, size_bytes: 1}
`,
    );
    const dataset = await loadFixtures(path, 3);
    const mock = createMockServer({ seed: 3, dataset });
    expect(mock.defaults.region).toBe('eu-west-101');
    const body = await getLinks(mock, {
      instanceId: '11111111111111111111111111111111in02',
      backupId: '22222222222222222222222222222222br02',
    });
    expect(body.files.map((f: any) => [f.name, f.size])).toEqual([
      ['shard_1.tar.gz', 2],
      ['config.tar.gz', 1],
    ]);
    const obj = await mock.fetch(new Request(body.files[1].download_link));
    expect(obj.headers.get('last-modified')).toBe('Wed, 01 Jan 2025 19:04:05 GMT');
  });

  it('JSON works too', async () => {
    const path = await file('ok.json', JSON.stringify({ projects: [{ instances: [{ id: 'i' }] }] }));
    expect((await loadFixtures(path)).projects[0]!.instances[0]!.backups).toEqual([]);
  });

  it.each([
    ['not YAML', 'projects: [', /not valid YAML or JSON/],
    ['no projects', 'foo: 1', /projects/],
    ['a file without size', 'projects: [{instances: [{id: i, backups: [{id: b, files: [{name: f}]}]}]}]', /size_bytes/],
    [
      'a negative size',
      'projects: [{instances: [{id: i, backups: [{id: b, files: [{name: f, size_bytes: -1}]}]}]}]',
      /size_bytes/,
    ],
    ['a duplicate instance', 'projects: [{instances: [{id: i}, {id: i}]}]', /instance id i appears twice/],
    [
      'a bad time',
      'projects: [{instances: [{id: i, backups: [{id: b, end_time: 2025-13-45T99, files: []}]}]}]',
      /end_time/,
    ],
  ])('%s -> FixturesError naming the file and the problem', async (_, text, pattern) => {
    const path = await file(`bad-${Math.random()}.yaml`, text);
    const error = await loadFixtures(path).catch((e) => e);
    expect(error).toBeInstanceOf(FixturesError);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(pattern);
  });

  it('a missing file -> FixturesError', async () => {
    await expect(loadFixtures(join(dir, 'nope.yaml'))).rejects.toThrow(/Cannot read fixtures file/);
  });

  it('an instance with backup_strategy gets its automated backups; the new instance fields are served', async () => {
    const path = await file(
      'scheduled.yaml',
      `projects:
  - name: cn-north-4
    instances:
      - id: 33333333333333333333333333333333in02
        name: nightly
        datastore: {type: DDS-Enhanced, version: '3.4'}
        vpc_id: vpc-1
        tags: [{key: env, value: ci}]
        backup_strategy: {start_time: '23:00-00:00', keep_days: 2}
        auto_backup_bytes: 4096
        backups:
          - {id: 44444444444444444444444444444444br02, type: manual, description: kept, files: [{name: m.tar.gz, size_bytes: 1}]}
`,
    );
    const { createClock } = await import('../src/index.js');
    const mock = createMockServer({
      dataset: await loadFixtures(path),
      clock: createClock({ start: '2030-01-10T12:00:00Z', frozen: true }),
    });
    const get = async (p: string) =>
      (
        await mock.fetch(
          new Request(`http://mock.test/v3/${mock.defaults.projectId}/${p}`, { headers: { 'X-Auth-Token': 't' } }),
        )
      ).json() as Promise<any>;
    const backups = await get('backups');
    expect(backups.backups.map((b: any) => [b.type, b.begin_time, b.datastore.version])).toEqual([
      ['auto', '2030-01-09 23:00:00', '3.4'],
      ['auto', '2030-01-08 23:00:00', '3.4'],
      ['manual', '2025-11-28 02:00:00', '3.4'],
    ]);
    expect(backups.backups[2].description).toBe('kept');
    expect(backups.backups[0].size).toBeGreaterThanOrEqual(4);
    const instances = await get('instances');
    expect(instances.instances[0]).toMatchObject({
      vpc_id: 'vpc-1',
      tags: [{ key: 'env', value: 'ci' }],
      backup_strategy: { start_time: '23:00-00:00', keep_days: 2 },
    });
  });

  it('a bad backup_strategy is refused with its JSON pointer', async () => {
    const path = await file(
      'bad-strategy.yaml',
      `projects:
  - instances:
      - id: x
        backup_strategy: {start_time: '2am', keep_days: 0}
`,
    );
    const error = await loadFixtures(path).catch((e) => e);
    expect(error).toBeInstanceOf(FixturesError);
    expect(error.message).toContain('/projects/0/instances/0/backup_strategy/start_time');
    expect(error.message).toContain('/projects/0/instances/0/backup_strategy/keep_days');
  });
});
