// kill -9 of the real binary (dist/bin.js) in the middle of an upload to S3, then a re-run:
// the same multipart upload is continued and no part S3 confirmed is sent again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let mock: MockServer;
let url: string;
let work: string;
let server: Server;
let endpoint: string;
const requests: { method: string; url: string }[] = [];
/** Returns true to hold the request back (never answered: the process is being killed). */
let onPart: ((url: string) => boolean) | undefined;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test builds it first).`);
  mock = createMockServer();
  url = await mock.listen({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'dds-s3-kill-'));
  // s3rver 3.7 behind a journaling front on 127.0.0.1:0 (to count the parts it received).
  const app = new S3rver({
    silent: true,
    directory: join(work, 's3'),
    vhostBuckets: false,
    configureBuckets: [{ name: 'backups' }],
  });
  await app.configureBuckets();
  const serve = app.callback();
  server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    if (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '') && onPart?.(req.url ?? '')) {
      req.resume();
      req.on('end', () => res.destroy());
      return;
    }
    serve(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await mock.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

function start() {
  const ids = mock.defaults.sharded;
  const child = spawn(
    process.execPath,
    [
      bin,
      ...['--endpoint', url, '--project-id', mock.defaults.projectId, 'download'],
      ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId, '--to', 's3://backups/dds'],
      ...['--s3-endpoint', endpoint, '--s3-path-style', '--s3-part-size', '5', '--segments', '1', '--concurrency', '1'],
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        XDG_STATE_HOME: join(work, 'state'),
        DDS_BACKUP_TOKEN: 'e2e-token-secret',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const done = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal, stderr }));
  return { child, done };
}

describe('download --to s3:// killed with SIGKILL, then run again', () => {
  it('continues the same multipart upload and re-sends no confirmed part', async () => {
    const ids = mock.defaults.sharded;
    const state = (await (await mock.fetch(new Request(`${url}/__mock/state`))).json()) as any;
    const files = state.projects
      .flatMap((p: any) => p.instances.flatMap((i: any) => i.backups))
      .find((b: any) => b.id === ids.backupId).files;
    const shard1 = files.find((f: { name: string }) => f.name.endsWith('_shard_1.tar.gz'));
    // shard 1 is 5 MiB + 12,345 bytes: two 5 MiB parts. The process dies as its part 2 arrives
    // (part 1 confirmed and recorded before part 2 was fetched).
    const first = start();
    onPart = (u) => {
      if (!(u.includes('shard_1') && /partNumber=2\b/.test(u))) return false;
      first.child.kill('SIGKILL');
      return true;
    };
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    onPart = undefined;
    const uploadId = /uploadId=([0-9a-f]+)/.exec(
      requests.find((r) => r.url.includes('shard_1') && r.url.includes('partNumber=1'))!.url,
    )![1]!;

    const before = requests.length;
    const second = await start().done;
    expect(second.code, second.stderr).toBe(0);
    const parts = requests
      .slice(before)
      .filter((r) => r.method === 'PUT' && r.url.includes(uploadId))
      .map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]));
    expect(parts).toEqual([2]);

    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      for (const f of files) {
        const o = await client.send(
          new GetObjectCommand({ Bucket: 'backups', Key: `dds/${ids.instanceId}/${ids.backupId}/${f.name}` }),
        );
        expect(
          createHash('sha256')
            .update(await o.Body!.transformToByteArray())
            .digest('hex'),
        ).toBe(f.sha256);
      }
    } finally {
      client.destroy();
    }
    expect(shard1).toBeDefined();
  });
});
