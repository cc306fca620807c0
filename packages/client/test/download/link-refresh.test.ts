import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadBackup } from '../../src/download/index.js';
import { eventLog, type MockHandle, perTestMock, SCHEMES, sha256File } from './helpers.js';

const setup = perTestMock();
const apiCalls = async (m: MockHandle) =>
  ((await m.admin('GET', 'requests')) as { target: string }[]).filter((e) => e.target === 'api').length;

describe.each(SCHEMES)('link refresh ($label)', ({ tls }) => {
  it('a link expiring mid-download (mock clock + connection reset) is refreshed and the file completes', async () => {
    const { m, dir } = await setup(tls);
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    const shard1 = published.find((f) => f.name.endsWith('_shard_1.tar.gz'))!;
    // The connection drops after 2 MiB of shard 1; before its retry, the link's 15 minutes pass.
    await m.admin('POST', 'faults', {
      target: 'download',
      kind: 'reset',
      after_bytes: 2 * 1024 * 1024,
      times: 1,
      path_contains: 'shard_1',
    });
    const log = eventLog();
    let advanced = false;
    await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      concurrency: 1,
      onEvent: (e) => {
        log.onEvent(e);
        if (!advanced && e.type === 'retry' && e.file === shard1.name) {
          advanced = true;
          m.mock.clock.advance(m.mock.defaults.linkTtlSeconds + 60);
        }
      },
    });

    for (const f of published) expect(await sha256File(join(dir, f.name))).toBe(f.sha256);
    expect(log.of('refresh')).toEqual([
      expect.objectContaining({ type: 'refresh', reason: 'expired', file: shard1.name }),
    ]);
    expect(log.lines()).not.toMatch(/Signature|AccessKeyId/i);
    const gets = await m.downloads();
    expect(gets.filter((g) => g.status === 403)).toHaveLength(1);
    // The refresh fetched the links once more; shard 1 resumed where the reset left it.
    expect(await apiCalls(m)).toBe(2);
    expect(gets.filter((g) => g.path.includes('shard_1')).reduce((n, g) => n + g.bytes_sent, 0)).toBeLessThan(
      shard1.size_bytes + 2 * 1024 * 1024,
    );
  });
});

describe('link refresh', () => {
  it('all workers hitting expired links share ONE refresh', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.sharded;
    // The refresh call is slow, so every file's first request meets the expired links meanwhile.
    await m.admin('POST', 'faults', { target: 'api', kind: 'latency', latency_ms: 500, times: 2 });
    const log = eventLog();
    await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      concurrency: 4,
      segmentsPerFile: 4,
      minSegmentBytes: 512 * 1024,
      onEvent: (e) => {
        log.onEvent(e);
        // Links are listed; every first request will find them expired.
        if (e.type === 'link') m.mock.clock.advance(3600);
      },
    });
    expect(log.of('refresh')).toHaveLength(1);
    expect(await apiCalls(m)).toBe(2);
    expect((await m.downloads()).filter((g) => g.status === 403).length).toBeGreaterThan(1);
    for (const f of await m.files(ids.backupId)) expect(await sha256File(join(dir, f.name))).toBe(f.sha256);
  });

  it('a link about to expire is refreshed before a new request (no 403 needed)', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.sharded;
    const log = eventLog();
    let offset = 0;
    await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      concurrency: 1,
      refreshMarginMs: 60_000,
      // Our clock jumps 15 minutes once the first file is done: the links now expire within the margin.
      now: () => Date.now() + offset,
      onEvent: (e) => {
        log.onEvent(e);
        if (e.type === 'file-done' && offset === 0) offset = m.mock.defaults.linkTtlSeconds * 1000 - 10_000;
      },
    });
    expect(log.of('refresh')).toEqual([expect.objectContaining({ reason: 'expiring' })]);
    expect((await m.downloads()).filter((g) => g.status === 403)).toEqual([]);
    expect(await apiCalls(m)).toBe(2);
  });

  it('403 SignatureDoesNotMatch is its own error: no refresh, no retry', async () => {
    const { m, dir } = await setup();
    await m.admin('POST', 'faults', {
      target: 'download',
      kind: 'status',
      status: 403,
      error_code: 'SignatureDoesNotMatch',
    });
    const log = eventLog();
    const error = await downloadBackup({
      client: m.client,
      ...m.mock.defaults.replicaSet,
      dir,
      onEvent: log.onEvent,
    }).catch((e) => e);
    expect(error).toMatchObject({
      name: 'ObjectStorageError',
      status: 403,
      errorCode: 'SignatureDoesNotMatch',
      isAuthError: true,
      isExpiredLink: false,
    });
    expect(log.of('refresh')).toEqual([]);
    expect(log.of('retry')).toEqual([]);
    expect(JSON.stringify(error)).not.toMatch(/Signature=|AccessKeyId=/);
  });

  it('404 NoSuchKey is a not-found error', async () => {
    const { m, dir } = await setup();
    await m.admin('POST', 'faults', { target: 'download', kind: 'status', status: 404, error_code: 'NoSuchKey' });
    const error = await downloadBackup({ client: m.client, ...m.mock.defaults.replicaSet, dir }).catch((e) => e);
    expect(error).toMatchObject({
      name: 'ObjectStorageError',
      status: 404,
      errorCode: 'NoSuchKey',
      isNotFound: true,
      retryable: false,
    });
  });

  it('AccessDenied that a refresh does not cure ends as an auth error after a bounded number of refreshes', async () => {
    const { m, dir } = await setup();
    await m.admin('POST', 'faults', { target: 'download', kind: 'status', status: 403, error_code: 'AccessDenied' });
    const log = eventLog();
    const error = await downloadBackup({
      client: m.client,
      ...m.mock.defaults.replicaSet,
      dir,
      onEvent: log.onEvent,
    }).catch((e) => e);
    expect(error).toMatchObject({ name: 'ObjectStorageError', errorCode: 'AccessDenied', isAuthError: true });
    expect(log.of('refresh')).toHaveLength(2);
  });
});
