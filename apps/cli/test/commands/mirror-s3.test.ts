// `dds-backup mirror --to s3://` end to end: the real mock on 127.0.0.1:0 (frozen clock moved by
// days through its admin API) and s3rver 3.7 (a real S3 protocol server) on 127.0.0.1:0 behind a
// journaling front, so the test counts the PUTs and DELETEs the mirror sends.

import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createClock } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type S3ServerHandle, startS3Server } from '../../../../packages/client/test/destination/s3-server.js';
import { mockPerTest, runCli, tempDir } from '../helpers.js';

const TOKEN = 'cli-mirror-s3-token-secret';
const DAY_S = 86_400;
const m = mockPerTest(() => ({ clock: createClock({ start: '2026-03-10T12:00:00Z', frozen: true }) }));
let s3: S3ServerHandle;
let stateHome = '';
let bucket: S3Client;
let seen: URL[] = [];
beforeEach(async () => {
  s3 = await startS3Server();
  stateHome = await tempDir('dds-cli-mirror-s3-state-');
  bucket = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  seen = [];
});
afterEach(async () => {
  bucket.destroy();
  await s3.close();
  await rm(stateHome, { recursive: true, force: true });
});

const env = () => ({
  DDS_BACKUP_TOKEN: TOKEN,
  XDG_STATE_HOME: stateHome,
  AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
});
const mirror = async (extra: string[] = [], to = 's3://backups/dds') => {
  const r = await runCli(
    [
      ...['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'mirror', '--to', to],
      ...['--s3-endpoint', s3.endpoint, '--s3-path-style', '--s3-part-size', '5', '--json', ...extra],
    ],
    {
      env: env(),
      fetch: (req: Request) => {
        seen.push(new URL(req.url));
        return m.mock.fetch(req);
      },
    },
  );
  const events = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { ...r, events, of: (type: string) => events.filter((e) => e.type === type) };
};
const keys = async () => {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await bucket.send(new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token }));
    out.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
};
const writes = () => s3.requests.filter((r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'DELETE');
/** The mirror's state directory for this bucket and prefix (one per endpoint, bucket, prefix). */
const stateDir = async () => {
  const base = join(stateHome, 'dds-backup', 's3');
  const dirs = (await readdir(base)).filter((d) => d.startsWith('mirror-backups-'));
  expect(dirs).toHaveLength(1);
  return join(base, dirs[0]!);
};
/** COMPLETED full backups per instance, as the API lists them. */
async function completed(): Promise<Map<string, { id: string; end_time: string }[]>> {
  const r = await runCli(['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'backups', '-o', 'json'], {
    env: { DDS_BACKUP_TOKEN: TOKEN },
    fetch: (req) => m.mock.fetch(req),
  });
  const out = new Map<string, { id: string; end_time: string }[]>();
  for (const b of JSON.parse(r.stdout).backups as {
    id: string;
    instance_id: string;
    status: string;
    end_time: string;
  }[])
    if (b.status === 'COMPLETED') out.set(b.instance_id, [...(out.get(b.instance_id) ?? []), b]);
  return out;
}

describe('dds-backup mirror --to s3://', () => {
  it('copies every COMPLETED backup into PREFIX/INSTANCE/BACKUP/FILE, each object hashing to the published SHA-256; a rerun sends no PUT and asks for no link', {
    timeout: 120_000,
  }, async () => {
    const instanceId = m.mock.defaults.sharded.instanceId;
    const first = await mirror(['--instance-id', instanceId]);
    expect(
      first.code,
      first.stderr +
        first
          .of('backup-failed')
          .map((e) => JSON.stringify(e.error))
          .join('\n'),
    ).toBe(0);
    const done = first.of('backup-done');
    expect(done.length).toBeGreaterThan(0);
    const expected: string[] = [];
    for (const d of done) {
      for (const f of await m.files(d.backupId)) {
        const key = `dds/${instanceId}/${d.backupId}/${f.name}`;
        expected.push(key);
        const o = await bucket.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
        const sha = createHash('sha256')
          .update(await o.Body!.transformToByteArray())
          .digest('hex');
        expect(sha, key).toBe(f.sha256);
      }
    }
    expect(await keys()).toEqual(expected.sort());
    // The manifest and lock for this bucket live in the XDG state directory, not in the bucket.
    const manifest = JSON.parse(await readFile(join(await stateDir(), '.dds-backup-mirror.json'), 'utf8'));
    const record = manifest.instances[instanceId].backups[done[0]!.backupId];
    expect(record.state).toBe('verified');
    expect(record.files[0]).toMatchObject({ key: expect.stringMatching(/^dds\//), etag: expect.stringMatching(/^"/) });
    expect(await readdir(await stateDir())).not.toContain('.dds-backup-lock');

    const before = writes().length;
    seen = [];
    const again = await mirror(['--instance-id', instanceId]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.of('backup-done')).toHaveLength(0);
    expect(again.of('backup-skipped').filter((e) => e.reason === 'verified')).toHaveLength(done.length);
    expect(writes().length - before, 'PUT/POST/DELETE on the rerun').toBe(0);
    expect(seen.filter((u) => u.pathname.endsWith('/backups/download-file'))).toHaveLength(0);
  });

  it('an object replaced in the bucket is not skipped: the rerun refuses to overwrite it (not ours) and exits 1', {
    timeout: 120_000,
  }, async () => {
    const instanceId = m.mock.defaults.sharded.instanceId;
    const first = await mirror(['--instance-id', instanceId]);
    expect(
      first.code,
      first.stderr +
        first
          .of('backup-failed')
          .map((e) => JSON.stringify(e.error))
          .join('\n'),
    ).toBe(0);
    const [key] = await keys();
    await bucket.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key!, Body: 'someone else' }));
    const again = await mirror(['--instance-id', instanceId]);
    expect(again.code).toBe(1);
    const failed = again.of('backup-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error.name).toBe('ObjectExistsError');
    const o = await bucket.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key! }));
    expect(await o.Body!.transformToString()).toBe('someone else');
  });

  it('ten mock days with --keep 3 end with the three newest backups per instance in the bucket; objects the mirror did not write stay', {
    timeout: 240_000,
  }, async () => {
    const first = await mirror(['--keep', '3']);
    expect(
      first.code,
      first.stderr +
        first
          .of('backup-failed')
          .map((e) => JSON.stringify(e.error))
          .join('\n'),
    ).toBe(0);
    const [someKey] = await keys();
    const [, inst, backup] = someKey!.split('/');
    // Not the mirror's: beside the instance folders, inside a backup folder, and an object
    // under a mirrored key's neighbour.
    const foreign = ['dds/README.txt', `dds/${inst}/notes.txt`, `dds/${inst}/${backup}/extra.txt`];
    for (const k of foreign)
      await bucket.send(new PutObjectCommand({ Bucket: s3.bucket, Key: k, Body: `not the mirror's: ${k}` }));
    const removed = new Set<string>();
    for (let day = 1; day <= 10; day++) {
      await m.admin('clock', { advance_seconds: DAY_S });
      const r = await mirror(['--keep', '3']);
      expect(r.code, `day ${day}: ${r.stderr}`).toBe(0);
      for (const id of r.of('backup-done').map((e) => e.backupId))
        expect(removed.has(id), `day ${day}: ${id} fetched again`).toBe(false);
      for (const e of r.of('removed')) removed.add(e.backupId);
    }
    expect(removed.size).toBeGreaterThan(0);
    expect(removed.has(backup!), 'the backup with a foreign object was removed').toBe(true);
    const all = await keys();
    for (const k of foreign) expect(all, k).toContain(k);
    const mirrored = all.filter((k) => !foreign.includes(k));
    for (const [instanceId, backups] of await completed()) {
      const newest = [...backups]
        .sort((a, b) => b.end_time.localeCompare(a.end_time))
        .slice(0, 3)
        .map((b) => b.id)
        .sort();
      const inBucket = [
        ...new Set(mirrored.filter((k) => k.startsWith(`dds/${instanceId}/`)).map((k) => k.split('/')[2])),
      ].sort();
      expect(inBucket, instanceId).toEqual(newest);
    }
  });
});
