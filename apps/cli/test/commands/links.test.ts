import { validateResponse } from '@dds-backup/contract';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers.js';

let mock: MockServer;
beforeEach(() => {
  mock = createMockServer();
});
afterEach(() => mock.close());

const ORIGIN = 'http://mock.test';
const TOKEN = 'cli-test-token-123';

/** `dds-backup links` against the mock in-process (default: the sharded backup, a token in env). */
const run = (
  args: string[],
  options: {
    env?: Record<string, string>;
    tty?: boolean;
    ids?: { instanceId: string; backupId: string };
    stdin?: () => Promise<string>;
  } = {},
) => {
  const { ids = mock.defaults.sharded, env = { DDS_BACKUP_TOKEN: TOKEN }, ...rest } = options;
  return runCli(
    [
      ...['--endpoint', ORIGIN, '--project-id', mock.defaults.projectId, 'links'],
      ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId, ...args],
    ],
    { env, fetch: (r) => mock.fetch(r), ...rest },
  );
};

describe('dds-backup links', () => {
  it('--output json prints exactly the API response body (spec shape)', async () => {
    const r = await run(['-o', 'json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(validateResponse('ShowBackupDownloadLink', 200, body)).toEqual({ valid: true, issues: [] });
    expect(Object.keys(body).sort()).toEqual(['bucket', 'files']);
    expect(body.files.length).toBeGreaterThan(1);
  });

  it('--output yaml is the same body', async () => {
    const json = JSON.parse((await run(['-o', 'json'])).stdout);
    const yaml = parse((await run(['-o', 'yaml'])).stdout);
    expect(yaml.bucket).toBe(json.bucket);
    expect(yaml.files.map((f: { name: string }) => f.name)).toEqual(json.files.map((f: { name: string }) => f.name));
  });

  it('--output tsv has one line per file: name, size, group id, group name, expiry, link', async () => {
    const lines = (await run(['-o', 'tsv'])).stdout.trimEnd().split('\n');
    const json = JSON.parse((await run(['-o', 'json'])).stdout);
    expect(lines).toHaveLength(json.files.length);
    const cells = lines[0]!.split('\t');
    expect(cells).toHaveLength(6);
    expect(cells[0]).toBe(json.files[0].name);
    expect(Number(cells[1])).toBe(json.files[0].size);
    expect(cells[4]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/);
    expect(cells[5]).toMatch(/^http:\/\/mock\.test\/obs\//);
  });

  it('prints a table on a TTY (name, size, group, expires in) without the secret links', async () => {
    const r = await run([], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+SIZE\s+GROUP\s+EXPIRES IN\n/);
    expect(r.stdout).toMatch(/1[45]m \d\ds/);
    expect(r.stdout).not.toContain('Signature=');
  });

  it('--verbose logs requests and responses with the token redacted', async () => {
    const r = await run(['-o', 'json', '--verbose'], { env: { DDS_BACKUP_TOKEN: 'super-secret-token-xyz' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('> GET http://mock.test/v3/');
    expect(r.stderr).toContain('< 200');
    expect(r.stderr + r.stdout).not.toContain('super-secret-token-xyz');
  });

  it('exit 4 for an unknown instance or a backup of another instance, with a hint', async () => {
    const a = await run([], { ids: { instanceId: 'nope', backupId: 'nope' } });
    expect(a.code).toBe(4);
    expect(a.stderr).toContain('DBS.200002');
    expect(a.stderr).toContain('hint: No such instance');
    const b = await run([], {
      ids: { instanceId: mock.defaults.replicaSet.instanceId, backupId: mock.defaults.sharded.backupId },
    });
    expect(b.code).toBe(4);
    expect(b.stderr).toContain('DBS.201214');
  });

  it('exit 3 for a refused token (APIGW.0307) saying it expired or belongs to another region', async () => {
    await mock.close();
    mock = createMockServer({ tokens: ['the-only-token'] });
    const r = await run(['-o', 'json'], { env: { DDS_BACKUP_TOKEN: 'not-the-token-abc' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('APIGW.0307');
    expect(r.stderr).toContain('expired or belongs to another region');
    expect(r.stderr).not.toContain('not-the-token-abc');
  });

  it('exit 5 when the API keeps failing with a retryable error', async () => {
    await mock.fetch(
      new Request(`${ORIGIN}/__mock/faults`, {
        method: 'POST',
        body: JSON.stringify({ target: 'api', kind: 'status', error_code: 'DBS.280005', times: 100 }),
      }),
    );
    const r = await run(['-o', 'json', '--retries', '1']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('DBS.280005');
  });

  it('reads the token from --token-file and from --token-stdin', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { tempDir } = await import('../helpers.js');
    const file = `${await tempDir()}/token`;
    await writeFile(file, 'file-token-123\n');
    await mock.close();
    mock = createMockServer({ tokens: ['file-token-123'] });
    expect((await run(['-o', 'json', '--token-file', file], { env: {} })).code).toBe(0);
    expect((await run(['-o', 'json', '--token-stdin'], { env: {}, stdin: async () => 'file-token-123\n' })).code).toBe(
      0,
    );
  });
});
