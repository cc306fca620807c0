// S3 credentials from a named profile of the shared files (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE), with no AWS_ACCESS_KEY_ID in the environment: the real binary (dist/bin.js)
// in its own process, since the SDK's chain reads the process environment, against s3rver 3.7
// (which accepts only the S3RVER key) on 127.0.0.1:0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const WRONG_SECRET = 'profile-wrong-secret-value';
let mock: MockServer;
let url: string;
let work: string;
let app: { close(): Promise<void> };
let endpoint: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test builds it first).`);
  mock = createMockServer();
  url = await mock.listen({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'dds-s3-profile-'));
  const s3 = new S3rver({
    silent: true,
    address: '127.0.0.1',
    port: 0,
    directory: join(work, 's3'),
    vhostBuckets: false,
    configureBuckets: [{ name: 'backups' }],
  });
  const { port } = await s3.run();
  app = s3;
  endpoint = `http://127.0.0.1:${port}`;
  // [default] holds keys s3rver refuses: only the named profile can succeed.
  await writeFile(
    join(work, 'credentials'),
    `[default]\naws_access_key_id = AKIADEFAULTWRONG\naws_secret_access_key = ${WRONG_SECRET}\n\n` +
      `[dds-minio]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n\n` +
      `[stale]\naws_access_key_id = AKIASTALE\naws_secret_access_key = ${WRONG_SECRET}\n`,
  );
  await writeFile(join(work, 'config'), '[default]\nregion = us-east-1\n\n[profile dds-minio]\nregion = us-east-1\n');
});
afterAll(async () => {
  await mock.close();
  await app.close();
  await rm(work, { recursive: true, force: true });
});

async function upload(profile: string, prefix: string) {
  const ids = mock.defaults.sharded;
  const child = spawn(
    process.execPath,
    [
      bin,
      ...['--endpoint', url, '--project-id', mock.defaults.projectId, 'download'],
      ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId, '--to', `s3://backups/${prefix}`],
      ...['--s3-endpoint', endpoint, '--s3-path-style'],
    ],
    {
      // No AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: the chain must reach the shared files.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        XDG_STATE_HOME: join(work, `state-${prefix}`),
        DDS_BACKUP_TOKEN: 'profile-token-secret',
        AWS_PROFILE: profile,
        AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
        AWS_CONFIG_FILE: join(work, 'config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, out };
}

describe('download --to s3:// with credentials from AWS_PROFILE in the shared files', () => {
  it('uploads with the keys of the named profile (not [default])', async () => {
    const r = await upload('dds-minio', 'good');
    expect(r.code, r.out).toBe(0);
    const ids = mock.defaults.sharded;
    expect(r.out).toContain(`to s3://backups/good/${ids.instanceId}/${ids.backupId}/ in`);
  }, 60_000);

  it('a profile whose keys S3 refuses exits 3, naming the bucket, never printing the secret', async () => {
    const r = await upload('stale', 'bad');
    expect(r.code, r.out).toBe(3);
    expect(r.out).toContain('backups');
    expect(r.out).not.toContain(WRONG_SECRET);
  }, 60_000);
});
