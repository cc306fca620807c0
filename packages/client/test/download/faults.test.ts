import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadBackup, IncompleteDownloadError, MANIFEST_NAME } from '../../src/download/index.js';
import { eventLog, perTestMock, SCHEMES, sha256File } from './helpers.js';

const setup = perTestMock();
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe.each(SCHEMES)('download faults ($label)', ({ tls }) => {
  it('a truncated body is retried from where it stopped and the file completes', async () => {
    const { m, dir } = await setup(tls);
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    await m.admin('POST', 'faults', { target: 'download', kind: 'truncate', after_bytes: 1_000_000, times: 2 });
    const log = eventLog();
    const result = await downloadBackup({ client: m.client, ...ids, dir, onEvent: log.onEvent });

    expect(await sha256File(result.files[0]!.path)).toBe(file!.sha256);
    expect(result.files[0]!.md5Verified).toBe(true);
    const retries = log.of('retry');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]!.error.kind).toBe('NETWORK_ERROR');
    // Each retry resumed from the bytes already written, not from 0.
    const gets = await m.downloads();
    expect(gets).toHaveLength(3);
    expect(gets.reduce((n, g) => n + g.bytes_sent, 0)).toBe(file!.size_bytes);
  });
});

describe('download faults', () => {
  it('a body that is always cut before any byte fails as IncompleteDownloadError (resumable), no final file', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    await m.admin('POST', 'faults', { target: 'download', kind: 'truncate', after_bytes: 0 });
    const error = await downloadBackup({ client: m.client, ...ids, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(IncompleteDownloadError);
    expect(error).toMatchObject({ kind: 'INCOMPLETE', retryable: true, resumable: true, file: file!.name });
    expect(await exists(join(dir, file!.name))).toBe(false);
    // The retries were the client's: `attempts` (4 in the test client) requests.
    expect(await m.downloads()).toHaveLength(4);

    // Once the fault is gone, the same call completes.
    await m.admin('DELETE', 'faults');
    const result = await downloadBackup({ client: m.client, ...ids, dir });
    expect(await sha256File(result.files[0]!.path)).toBe(file!.sha256);
  });

  it('503 with Retry-After is retried after exactly the delay the server asked for', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    await m.admin('POST', 'faults', { target: 'download', kind: 'status', status: 503, retry_after: 1, times: 1 });
    const log = eventLog();
    const result = await downloadBackup({ client: m.client, ...ids, dir, onEvent: log.onEvent });
    // Backoff in the test client is at most 5 ms: 1000 can only come from Retry-After.
    expect(log.of('retry')).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: 1000, error: expect.objectContaining({ status: 503 }) }),
    ]);
    expect(result.files[0]!.md5Verified).toBe(true);
  });

  it('a request that stalls (no byte for stallTimeoutMs) is aborted and retried', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    await m.admin('POST', 'faults', { target: 'download', kind: 'latency', latency_ms: 3000, times: 1 });
    const log = eventLog();
    const result = await downloadBackup({ client: m.client, ...ids, dir, stallTimeoutMs: 100, onEvent: log.onEvent });
    expect(log.of('retry')[0]).toMatchObject({ error: expect.objectContaining({ kind: 'TIMEOUT' }) });
    const [file] = await m.files(ids.backupId);
    expect(await sha256File(result.files[0]!.path)).toBe(file!.sha256);
  });

  it('after a failed run, files already in place are kept and a re-run fetches only the rest', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    await m.admin('POST', 'faults', { target: 'download', kind: 'status', status: 500, path_contains: 'shard_3' });
    const error = await downloadBackup({ client: m.client, ...ids, dir, concurrency: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(IncompleteDownloadError);
    expect(error.file).toMatch(/_shard_3\.tar\.gz$/);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
    const states = Object.fromEntries(
      Object.values(manifest.files as Record<string, { name: string; state: string }>).map((e) => [
        e.name.split('_').slice(1).join('_'),
        e.state,
      ]),
    );
    // concurrency 1: files go in the API's order and the run stops at the first failure.
    expect(states).toEqual({
      'shard_1.tar.gz': 'complete',
      'shard_2.tar.gz': 'complete',
      'shard_3.tar.gz': 'partial',
      'config.tar.gz': 'partial',
    });

    await m.admin('DELETE', 'faults');
    await m.admin('DELETE', 'requests');
    const result = await downloadBackup({ client: m.client, ...ids, dir });
    expect(result.files.map((f) => f.skipped)).toEqual([true, true, false, false]);
    const gets = await m.downloads();
    expect(gets.every((g) => /_(shard_3|config)\.tar\.gz$/.test(g.path))).toBe(true);
    for (const f of published) expect(await sha256File(join(dir, f.name))).toBe(f.sha256);
  });
});
