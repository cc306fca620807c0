import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackupToS3, META, TAGS } from '../../src/destination/index.js';
import { createS3Client } from '../../src/destination/s3-download-backup.js';
import { eventLog, type MockHandle, startMock, tempDir } from '../download/helpers.js';
import { type S3ServerHandle, startS3Server } from './s3-server.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** The resume state of the test (a temp dir: the user's ~/.local/state is never touched). */
let statePath = '';
async function setup(): Promise<{ m: MockHandle; s3: S3ServerHandle }> {
  const m = await startMock();
  const s3 = await startS3Server();
  const state = await tempDir();
  statePath = join(state.dir, 'uploads.json');
  cleanups.push(
    () => m.close(),
    () => s3.close(),
    state.cleanup,
  );
  return { m, s3 };
}

const settings = (s3: S3ServerHandle) => ({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: s3.credentials,
});

async function objectSha256(s3: S3ServerHandle, key: string): Promise<string> {
  const c = createS3Client(settings(s3));
  try {
    const o = await c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return createHash('sha256')
      .update(await o.Body!.transformToByteArray())
      .digest('hex');
  } finally {
    c.destroy();
  }
}

describe('downloadBackupToS3 (s3rver on 127.0.0.1:0, through the AWS SDK)', () => {
  it('streams a multi-file backup into PREFIX/{instance}/{backup}/{file}; objects hash to the published SHA-256, metadata and tags written', async () => {
    const { m, s3 } = await setup();
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    const log = eventLog();
    const result = await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}/dds/prod`,
      s3: settings(s3),
      partSize: 5 * MiB,
      onEvent: log.onEvent,
    });
    expect(result.files.map((f) => f.name)).toEqual(published.map((f) => f.name));
    const c = createS3Client(settings(s3));
    cleanups.push(async () => c.destroy());
    const listed = await c.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      published.map((f) => `dds/prod/${ids.instanceId}/${ids.backupId}/${f.name}`).sort(),
    );
    for (const f of published) {
      const key = `dds/prod/${ids.instanceId}/${ids.backupId}/${f.name}`;
      expect(await objectSha256(s3, key)).toBe(f.sha256);
      const r = result.files.find((x) => x.name === f.name)!;
      expect(r).toMatchObject({ key, bytes: f.size_bytes, sha256: f.sha256, skipped: false });
      expect(r.parts).toBe(Math.max(1, Math.ceil(f.size_bytes / (5 * MiB))));
      const head = await c.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(head.Metadata).toMatchObject({
        [META.instance]: ids.instanceId,
        [META.backup]: ids.backupId,
        [META.file]: f.name,
        [META.sizeKB]: String(f.size),
        [META.size]: String(f.size_bytes),
      });
      const tags = await c.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
      expect(tags.TagSet).toContainEqual({ Key: TAGS.sha256, Value: f.sha256 });
    }
    // shard 1 (5 MiB + 12,345 bytes) took two parts.
    expect(s3.partsReceived().length).toBe(
      published.reduce((n, f) => n + Math.max(1, Math.ceil(f.size_bytes / (5 * MiB))), 0),
    );
    // Parts are not SHA-256-hashed for SigV4 (UNSIGNED-PAYLOAD), each carries its Content-MD5.
    expect(s3.partHeaders.length).toBe(s3.partsReceived().length);
    for (const h of s3.partHeaders) {
      expect(h.contentSha256).toBe('UNSIGNED-PAYLOAD');
      expect(h.contentMd5).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    }
    expect(log.lines()).not.toMatch(/Signature|AccessKeyId|S3RVER/);

    // A second run finds every object written and verified: nothing fetched, nothing uploaded.
    const before = s3.requests.length;
    const again = await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}/dds/prod`,
      s3: settings(s3),
    });
    expect(again.files.every((f) => f.skipped)).toBe(true);
    expect(again.transferredBytes).toBe(0);
    expect(s3.requests.slice(before).filter((r) => r.method !== 'HEAD' && r.method !== 'GET')).toEqual([]);
  });

  it('a link expiring mid-upload is refreshed and the file completes (same fetchRange as disk)', async () => {
    const { m, s3 } = await setup();
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    const shard1 = published.find((f) => f.name.endsWith('_shard_1.tar.gz'))!;
    // The connection drops after 2 MiB of shard 1; before its retry, the links' 15 minutes pass.
    await m.admin('POST', 'faults', {
      target: 'download',
      kind: 'reset',
      after_bytes: 2 * MiB,
      times: 1,
      path_contains: 'shard_1',
    });
    const log = eventLog();
    let advanced = false;
    await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}`,
      s3: settings(s3),
      partSize: 5 * MiB,
      concurrency: 1,
      onEvent: (e) => {
        log.onEvent(e);
        if (!advanced && e.type === 'retry' && e.file === shard1.name) {
          advanced = true;
          m.mock.clock.advance(m.mock.defaults.linkTtlSeconds + 60);
        }
      },
    });
    expect(log.of('refresh')).toEqual([expect.objectContaining({ reason: 'expired', file: shard1.name })]);
    for (const f of published)
      expect(await objectSha256(s3, `${ids.instanceId}/${ids.backupId}/${f.name}`)).toBe(f.sha256);
    expect((await m.downloads()).filter((g) => g.status === 403)).toHaveLength(1);
  });

  it('a link expiring mid-upload (after part 1 of a file is in the bucket, before part 2 is fetched) is refreshed; the same upload goes on and no part is sent twice', async () => {
    const { m, s3 } = await setup();
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    const shard1 = published.find((f) => f.name.endsWith('_shard_1.tar.gz'))!;
    const name = encodeURIComponent(shard1.name).replace(/%2F/g, '/');
    // One part at a time: part 2's range is fetched only once part 1's upload is answered. The
    // links' 15 minutes pass while part 1 of shard 1 is on its way into the bucket.
    let advanced = false;
    s3.onRequest = (r) => {
      if (!advanced && r.method === 'PUT' && r.url.includes(name) && /partNumber=1\b/.test(r.url)) {
        advanced = true;
        m.mock.clock.advance(m.mock.defaults.linkTtlSeconds + 60);
      }
    };
    const log = eventLog();
    await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}`,
      s3: settings(s3),
      partSize: 5 * MiB,
      partsPerFile: 1,
      concurrency: 1,
      onEvent: log.onEvent,
    });
    s3.onRequest = undefined;
    expect(advanced).toBe(true);
    expect(log.of('refresh')).toEqual([expect.objectContaining({ reason: 'expired', file: shard1.name })]);
    const forbidden = (await m.downloads()).filter((g) => g.status === 403);
    expect(forbidden).toHaveLength(1);
    expect(forbidden[0]!.path).toContain('shard_1');
    const mine = s3.requests.filter((r) => r.url.includes(name));
    expect(mine.filter((r) => r.method === 'POST' && /[?&]uploads\b/.test(r.url))).toHaveLength(1);
    const parts = mine.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
    expect(parts.map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]))).toEqual([1, 2]);
    expect(new Set(parts.map((r) => /uploadId=([^&]+)/.exec(r.url)![1])).size).toBe(1);
    for (const f of published)
      expect(await objectSha256(s3, `${ids.instanceId}/${ids.backupId}/${f.name}`)).toBe(f.sha256);
  });

  it('a part corrupted on its way into the bucket is detected (its ETag is not the MD5 streamed): exit-6 VerificationError, no object left', async () => {
    const { m, s3 } = await setup();
    const ids = m.mock.defaults.replicaSet;
    s3.corruptParts = 1;
    const error = await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}/p`,
      s3: settings(s3),
    }).catch((e) => e);
    expect(error).toMatchObject({ name: 'VerificationError', check: 'md5' });
    expect(error.message).toMatch(/part 1/);
    const c = createS3Client(settings(s3));
    cleanups.push(async () => c.destroy());
    expect((await c.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).toEqual([]);
  });

  it('wrong credentials: CredentialsError naming the bucket and what to check, the secret never in it', async () => {
    const { m, s3 } = await setup();
    const error = await downloadBackupToS3({
      statePath,
      client: m.client,
      ...m.mock.defaults.replicaSet,
      to: `s3://${s3.bucket}/p`,
      s3: { ...settings(s3), credentials: { accessKeyId: 'AKIAWRONG', secretAccessKey: 'very-secret-sk' } },
    }).catch((e) => e);
    expect(error.name).toBe('CredentialsError');
    expect(error.message).toMatch(/refused the credentials .* bucket backups .*AWS_ACCESS_KEY_ID/);
    expect(JSON.stringify(error.toJSON())).not.toMatch(/very-secret-sk/);
    expect(s3.partsReceived()).toEqual([]);
  });

  it('a missing bucket: S3DestinationError (NoSuchBucket) before any transfer', async () => {
    const { m, s3 } = await setup();
    const error = await downloadBackupToS3({
      statePath,
      client: m.client,
      ...m.mock.defaults.replicaSet,
      to: 's3://no-such-bucket/p',
      s3: settings(s3),
    }).catch((e) => e);
    expect(error).toMatchObject({ name: 'S3DestinationError', code: 'NoSuchBucket', retryable: false });
    expect(error.message).toMatch(/bucket no-such-bucket does not exist.*create it/);
    expect(await m.downloads()).toEqual([]);
  });

  it('an object under our key that dds-backup did not write is refused (ObjectExistsError), and replaced with force', async () => {
    const { m, s3 } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    const key = `p/${ids.instanceId}/${ids.backupId}/${file!.name}`;
    const c = createS3Client(settings(s3));
    cleanups.push(async () => c.destroy());
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await c.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'not a backup' }));
    const error = await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}/p`,
      s3: settings(s3),
    }).catch((e) => e);
    expect(error.name).toBe('ObjectExistsError');
    expect(error.message).toContain(key);
    expect(await m.downloads()).toEqual([]);
    await downloadBackupToS3({
      statePath,
      client: m.client,
      ...ids,
      to: `s3://${s3.bucket}/p`,
      s3: settings(s3),
      force: true,
    });
    expect(await objectSha256(s3, key)).toBe(file!.sha256);
  });

  it('resume across runs: a cancelled run keeps its multipart upload; the next continues it and re-sends no confirmed part', async () => {
    const { m, s3 } = await setup();
    // Stopped as part 2 of shard 1 goes out: part 1 is confirmed and recorded by then.
    const { run, key, shard1, uploadId } = await cancelledRun(m, s3);
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    expect(saved.uploads[key].parts.map((p: { PartNumber: number }) => p.PartNumber)).toEqual([1]);
    const before = s3.requests.length;
    await run();
    const again = s3.requests.slice(before).filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
    const shard1Parts = again.filter((r) => r.url.includes(uploadId));
    expect(shard1Parts.map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]))).toEqual([2]);
    expect(await objectSha256(s3, key)).toBe(shard1.sha256);
    // Finished: nothing left to resume.
    expect(JSON.parse(await readFile(statePath, 'utf8')).uploads).toEqual({});
  });

  /** Run 1 of the sharded backup, cancelled as part 2 of shard 1 goes out: its upload id is left in the state. */
  async function cancelledRun(m: MockHandle, s3: S3ServerHandle) {
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    const shard1 = published.find((f) => f.name.endsWith('_shard_1.tar.gz'))!;
    const key = `${ids.instanceId}/${ids.backupId}/${shard1.name}`;
    const stop = new AbortController();
    s3.onRequest = (r) => {
      if (
        r.method === 'PUT' &&
        r.url.includes(encodeURIComponent(shard1.name).replace(/%2F/g, '/')) &&
        /partNumber=2\b/.test(r.url)
      )
        stop.abort();
    };
    const run = (signal?: AbortSignal, partSize = 5 * MiB) =>
      downloadBackupToS3({
        statePath,
        client: m.client,
        ...ids,
        to: `s3://${s3.bucket}`,
        s3: settings(s3),
        partSize,
        partsPerFile: 1,
        concurrency: 1,
        ...(signal ? { signal } : {}),
      });
    expect((await run(stop.signal).catch((e) => e)).name).toBe('AbortError');
    s3.onRequest = undefined;
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    return { run, key, shard1, uploadId: saved.uploads[key].uploadId as string, recorded: Object.keys(saved.uploads) };
  }

  it('a stale upload of an abandoned run (rerun with another part size) is aborted (the abort sent for its id) and forgotten; the file starts over and ends verified', async () => {
    const { m, s3 } = await setup();
    const { run, key, shard1, uploadId, recorded } = await cancelledRun(m, s3);
    expect(recorded).toEqual([key]);
    const before = s3.requests.length;
    // 6 MiB parts cannot continue an upload cut in 5 MiB parts: the old upload is abandoned.
    await run(undefined, 6 * MiB);
    const after = s3.requests.slice(before);
    // The abort is sent for exactly that upload id (s3rver 3.7 answers it 405: it implements no
    // AbortMultipartUpload nor ListMultipartUploads, so the server side cannot be counted here).
    const aborts = after.filter(
      (r) => r.method === 'DELETE' && r.url.includes(`uploadId=${encodeURIComponent(uploadId)}`),
    );
    expect(aborts).toHaveLength(1);
    // Nothing more was sent to the abandoned upload, and no upload is left recorded.
    expect(after.filter((r) => r.method === 'PUT' && r.url.includes(encodeURIComponent(uploadId)))).toEqual([]);
    expect(JSON.parse(await readFile(statePath, 'utf8')).uploads).toEqual({});
    expect(await objectSha256(s3, key)).toBe(shard1.sha256);
  });

  it('NoSuchUpload on resume (the recorded upload is gone server-side): the file restarts from part 1 in a new upload and ends verified', async () => {
    const { m, s3 } = await setup();
    const { run, key, shard1, uploadId } = await cancelledRun(m, s3);
    // s3rver 3.7 answers AbortMultipartUpload 405 and accepts parts for any id: its front
    // answers for this upload as AWS does for one aborted out of band (404 NoSuchUpload).
    s3.goneUploads.add(uploadId);
    const before = s3.requests.length;
    const result = await run();
    const parts = s3.requests.slice(before).filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
    const toOld = parts.filter((r) => r.url.includes(encodeURIComponent(uploadId)));
    // One attempt on the gone upload (refused), then every part of the file in a new upload.
    expect(toOld.map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]))).toEqual([2]);
    const file = result.files.find((f) => f.key === key)!;
    const fresh = parts
      .filter(
        (r) =>
          !r.url.includes(encodeURIComponent(uploadId)) &&
          r.url.includes(encodeURIComponent(shard1.name).replace(/%2F/g, '/')),
      )
      .map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]));
    expect(fresh).toEqual(Array.from({ length: file.parts }, (_, i) => i + 1));
    expect(JSON.parse(await readFile(statePath, 'utf8')).uploads).toEqual({});
    expect(await objectSha256(s3, key)).toBe(shard1.sha256);
  });
  it('two runs into the same bucket at once (any prefix) share its resume state: the second fails at once (DirectoryBusyError), the lock is released after the first', async () => {
    const { m, s3 } = await setup();
    const ids = m.mock.defaults.sharded;
    const run = (prefix: string) =>
      downloadBackupToS3({ statePath, client: m.client, ...ids, to: `s3://${s3.bucket}/${prefix}`, s3: settings(s3) });
    // The first is past its lock as soon as it sends its first part; the second starts then.
    let second: Promise<unknown> | undefined;
    s3.onRequest = (r) => {
      if (!second && r.method === 'PUT' && /partNumber=/.test(r.url)) second = run('b').catch((e) => e);
    };
    await run('a');
    s3.onRequest = undefined;
    const error = (await second) as Error;
    expect(error.name).toBe('DirectoryBusyError');
    expect(error.message).toContain(`is uploading into bucket ${s3.bucket}`);
    expect(error.message).toContain(statePath);
    // Released: the next run takes it.
    const again = await run('b');
    expect(again.files.every((f) => !f.skipped)).toBe(true);
  });
});
