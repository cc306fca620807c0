// `dds-backup mirror --to s3://` end to end: the real mock on 127.0.0.1:0 (frozen clock moved by
// days through its admin API) and s3rver 3.7 (a real S3 protocol server) on 127.0.0.1:0 behind a
// journaling front, so the test counts the PUTs and DELETEs the mirror sends.

import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createClock } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockPerTest, runCli, tempDir } from '../helpers.js';
import { type S3Server, startS3Server } from '../s3-server.js';

const TOKEN = 'cli-mirror-s3-token-secret';
const DAY_S = 86_400;
const m = mockPerTest(() => ({ clock: createClock({ start: '2026-03-10T12:00:00Z', frozen: true }) }));
let s3: S3Server;
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
const mirror = async (extra: string[] = [], to = 's3://backups/dds', envOverride: Record<string, string> = {}) => {
  const r = await runCli(
    [
      ...['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'mirror', '--to', to],
      ...['--s3-endpoint', s3.endpoint, '--s3-path-style', '--s3-part-size', '5', '--json', ...extra],
    ],
    {
      env: { ...env(), ...envOverride },
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

  it('wrong credentials: exit 3 before any backup is looked at, naming the bucket; the secret is never printed and no state is written', async () => {
    const r = await mirror([], 's3://backups/dds', {
      AWS_ACCESS_KEY_ID: 'AKIAWRONG',
      AWS_SECRET_ACCESS_KEY: 'wrong-mirror-secret',
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/S3 refused the credentials for checking the bucket .* in bucket backups/);
    expect(r.stdout + r.stderr).not.toContain('wrong-mirror-secret');
    expect(r.events.at(-1)).toMatchObject({ type: 'error', exitCode: 3 });
    expect(r.of('backup-failed')).toHaveLength(0);
    expect(seen.filter((u) => u.pathname.endsWith('/backups/download-file'))).toHaveLength(0);
    expect(writes()).toHaveLength(0);
    await expect(readdir(join(stateHome, 'dds-backup', 's3'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a missing bucket: exit 1 before any backup is looked at, saying to create it', async () => {
    const r = await mirror([], 's3://no-such-bucket/dds');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /bucket no-such-bucket does not exist \(checking the bucket before the mirror starts\).*create it/,
    );
    expect(r.of('backup-failed')).toHaveLength(0);
    expect(seen.filter((u) => u.pathname.endsWith('/backups/download-file'))).toHaveLength(0);
    expect(writes()).toHaveLength(0);
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

  it('verify --to re-checks the bucket against the mirror manifest: size/ETag/metadata/tag by default, the bytes with --recheck; a replaced or missing object is exit 6', {
    timeout: 120_000,
  }, async () => {
    const instanceId = m.mock.defaults.sharded.instanceId;
    const mirrored = await mirror(['--instance-id', instanceId]);
    expect(mirrored.code, mirrored.stdout + mirrored.stderr).toBe(0);
    const verify = (extra: string[] = []) =>
      runCli(['verify', '--to', 's3://backups/dds', '--s3-endpoint', s3.endpoint, '--s3-path-style', ...extra], {
        env: env(),
      });
    const ok = await verify();
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('bytes not read');
    expect(ok.stdout).toMatch(/All \d+ object\(s\) in s3:\/\/backups\/dds match the mirror manifest/);
    const rechecked = await verify(['--recheck']);
    expect(rechecked.code, rechecked.stderr).toBe(0);
    expect(rechecked.stdout).toContain('bytes read back, SHA-256 matches');

    // Bit rot: one byte of an object changed in the server's store, metadata and ETag untouched.
    const [rotKey, replacedKey, goneKey] = await keys();
    const stored = join(s3.directory, s3.bucket, `${rotKey}._S3rver_object`);
    const bytes = await readFile(stored);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(stored, bytes);
    const metadataOnly = await verify();
    expect(metadataOnly.code, 'what S3 reports is unchanged: the default check cannot see bit rot').toBe(0);
    const caught = await verify(['--recheck']);
    expect(caught.code, caught.stdout).toBe(6);
    expect(caught.stdout).toContain(`BAD  s3://backups/${rotKey}`);
    expect(caught.stdout).toContain('SHA-256 DIFFERS');

    await bucket.send(new PutObjectCommand({ Bucket: s3.bucket, Key: replacedKey!, Body: 'someone else' }));
    await bucket.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: goneKey! }));
    const bad = await verify();
    expect(bad.code).toBe(6);
    expect(bad.stdout.split('\n').find((l) => l.includes(replacedKey!))).toMatch(/^BAD .*: REPLACED/);
    expect(bad.stdout.split('\n').find((l) => l.includes(goneKey!))).toMatch(/^BAD .*: MISSING/);
    expect(bad.stderr).toMatch(/failed verification against .*\.dds-backup-mirror\.json/);
    expect(bad.stdout + bad.stderr).not.toContain(s3.credentials.secretAccessKey + '"');

    // No mirror manifest for another prefix, and no backup named: nothing to compare with, a
    // configuration error (exit 2) that says what to pass.
    const none = await runCli(
      ['verify', '--to', 's3://backups/other', '--s3-endpoint', s3.endpoint, '--s3-path-style'],
      { env: env() },
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('pass --instance-id and --backup-id');
  });

  it('verify --to with --instance-id/--backup-id checks a download --to against the metadata and tags of its objects', {
    timeout: 120_000,
  }, async () => {
    const ids = m.mock.defaults.sharded;
    const up = await runCli(
      [
        ...['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'download'],
        ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId, '--to', 's3://backups/dl'],
        ...['--s3-endpoint', s3.endpoint, '--s3-path-style'],
      ],
      { env: env(), fetch: (r: Request) => m.mock.fetch(r) },
    );
    expect(up.code, up.stderr).toBe(0);
    const args = [
      'verify',
      '--to',
      's3://backups/dl',
      '--s3-endpoint',
      s3.endpoint,
      '--s3-path-style',
      '--instance-id',
      ids.instanceId,
      '--backup-id',
      ids.backupId,
    ];
    const ok = await runCli([...args, '--recheck'], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('match the metadata and tags they were written with');
    expect(ok.stdout.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength((await m.files(ids.backupId)).length);
    const wrongKeys = await runCli(args, {
      env: { ...env(), AWS_ACCESS_KEY_ID: 'AKIAWRONG', AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' },
    });
    expect(wrongKeys.code).toBe(3);
    expect(wrongKeys.stdout + wrongKeys.stderr).not.toContain('wrong-secret-value');
    const noBucket = await runCli(
      [
        'verify',
        '--to',
        's3://nobucket/dl',
        '--s3-endpoint',
        s3.endpoint,
        '--s3-path-style',
        '--instance-id',
        ids.instanceId,
        '--backup-id',
        ids.backupId,
      ],
      { env: env() },
    );
    expect(noBucket.code, noBucket.stderr).toBe(1);
    expect(noBucket.stderr).toContain('does not exist');
  });
  it('--require-checksum: a backup with one file the server gives no checksum for (multipart ETag) exits 6 naming it, no upload of it is started and the manifest does not call the backup verified; without the flag the same file goes in size-only, and the flag then refuses that copy instead of skipping it', {
    timeout: 180_000,
  }, async () => {
    // One file with a plain-MD5 ETag, one above the mock's single-part limit (a multipart ETag,
    // not a content MD5): only the second has nothing to check its content against.
    const added = await m.admin('backups', {
      instance_name: 'mixed-etags',
      files: [
        { name: 'small.tar.gz', size_bytes: 1024 * 1024 },
        { name: 'big.tar.gz', size_bytes: 64 * 1024 * 1024 + 1 },
      ],
    });
    const instanceId = added.backup.instance_id as string;
    const backupId = added.backup.id as string;
    const bigKey = `dds/${instanceId}/${backupId}/big.tar.gz`;
    const plain = (extra: string[]) =>
      runCli(
        [
          ...['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'mirror', '--to', 's3://backups/dds'],
          ...['--s3-endpoint', s3.endpoint, '--s3-path-style', '--s3-part-size', '5', '--instance-id', instanceId],
          ...extra,
        ],
        { env: env(), fetch: (req: Request) => m.mock.fetch(req) },
      );
    const secrets = [TOKEN, s3.credentials.secretAccessKey];
    const manifest = async () =>
      JSON.parse(await readFile(join(await stateDir(), '.dds-backup-mirror.json'), 'utf8')).instances[instanceId]
        .backups[backupId];
    /** Every object of the backup with its dds-backup-verified tag. */
    const objects = async () => {
      const out = new Map<string, string | undefined>();
      for (const key of (await keys()).filter((k) => k.startsWith(`dds/${instanceId}/${backupId}/`))) {
        const tags = await bucket.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
        out.set(key, tags.TagSet?.find((t) => t.Key === 'dds-backup-verified')?.Value);
      }
      return out;
    };

    /** Exit 6, the FAILED line naming the file and the flag, no secret printed. */
    const expectRefused = (r: { code: number; stdout: string; stderr: string }) => {
      expect(r.code, r.stderr).toBe(6);
      const failedLine = r.stderr.split('\n').find((l) => l.startsWith('FAILED'));
      expect(failedLine, r.stderr).toContain('big.tar.gz');
      expect(failedLine).toContain('--require-checksum');
      for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
    };
    expectRefused(await plain(['--require-checksum']));
    // Refused once part 1 gave the ETag, before an upload was created for it: no object, and no
    // write (create upload, part, put) under its key in the journal of the S3 server's requests;
    // the HEAD that looks for an existing object comes before and writes nothing.
    const objectsAfterRefusal = await objects();
    expect([...objectsAfterRefusal.keys()]).not.toContain(bigKey);
    expect(writes().filter((r) => r.url.includes('big.tar.gz'))).toEqual([]);
    // The small file may or may not have gone in before the run stopped; if it did, it is MD5-checked.
    for (const [key, verified] of objectsAfterRefusal) expect(verified, key).toBe('md5');
    const record = await manifest();
    expect(record.state).toBe('failed');
    expect((record.files ?? []).map((f: { name: string }) => f.name)).not.toContain('big.tar.gz');

    // Without the flag: the same file goes in, checked by size only (tagged so), the backup verified.
    const sizeOnly = await plain([]);
    expect(sizeOnly.code, sizeOnly.stderr).toBe(0);
    const tagged = await objects();
    expect(tagged.get(bigKey)).toBe('size-only');
    expect(tagged.get(`dds/${instanceId}/${backupId}/small.tar.gz`)).toBe('md5');
    const published = await m.files(backupId);
    const o = await bucket.send(new GetObjectCommand({ Bucket: s3.bucket, Key: bigKey }));
    expect(
      createHash('sha256')
        .update(await o.Body!.transformToByteArray())
        .digest('hex'),
    ).toBe(published.find((f) => f.name === 'big.tar.gz')!.sha256);
    const verified = await manifest();
    expect(verified.state).toBe('verified');
    expect(verified.files.find((f: { name: string }) => f.name === 'big.tar.gz')).toMatchObject({
      checksum: 'size-only',
      md5: null,
    });

    // With the flag again: the size-only copy is refused, not skipped as verified (as download
    // refuses it), and left as it is: nothing written, the record still verified for retention.
    const writesBefore = writes().length;
    expectRefused(await plain(['--require-checksum']));
    expect(writes().length - writesBefore, 'PUT/POST/DELETE on the refused rerun').toBe(0);
    expect(await objects()).toEqual(tagged);
    expect((await manifest()).state).toBe('verified');
  });
});
