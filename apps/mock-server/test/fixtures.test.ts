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
});
