// Bounded time: a server dripping bytes must not hold a download forever. The mock on
// 127.0.0.1:0 drips with its throttle fault; tiny floor values keep the test short.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadBackup, IncompleteDownloadError, MANIFEST_NAME, PART_SUFFIX } from '../../src/download/index.js';
import { eventLog, perTestMock, sha256File } from './helpers.js';

const setup = perTestMock();

async function smallBackup(m: Awaited<ReturnType<typeof setup>>['m'], size: number) {
  const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
  return { instanceId: added.backup.instance_id as string, backupId: added.backup.id as string };
}

describe('the speed floor (speedLimit / speedTimeMs)', () => {
  it('a drip below the floor is aborted and retried; each such attempt counts, then IncompleteDownloadError', async () => {
    const { m, dir } = await setup(true);
    const ids = await smallBackup(m, 64 * 1024);
    // 20 bytes/s (the mock sends 2 bytes every 100 ms), against a floor of 1000 bytes/s over 300 ms.
    await m.admin('POST', 'faults', { target: 'download', kind: 'throttle', bytes_per_second: 20 });
    const log = eventLog();
    const error = await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      speedLimit: 1000,
      speedTimeMs: 300,
      onEvent: log.onEvent,
    }).catch((e) => e);

    expect(error).toBeInstanceOf(IncompleteDownloadError);
    expect(error.message).toMatch(
      /bytes\/s over the last 0\.3 s, below the floor of 1000 bytes\/s \(--speed-limit, --speed-time\)/,
    );
    expect(error.message).toMatch(/Progress is saved; run the same download again to resume/);
    expect(error.cause.name).toBe('SlowTransferError');
    // The test client makes 4 attempts: 3 retries, numbered, then it gives up.
    const slow = log.of('retry').filter((r) => /below the floor/.test(r.error.message));
    expect(slow.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // What dripped in is kept (resumable), nothing under the final name.
    expect(await readdir(dir)).not.toContain('data.tar.gz');
    expect((await stat(join(dir, `data.tar.gz${PART_SUFFIX}`))).isFile()).toBe(true);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
    expect(Object.values(manifest.files)).toEqual([expect.objectContaining({ state: 'partial' })]);
  });

  it('slow but above the floor completes without a retry', async () => {
    const { m, dir } = await setup(true);
    const ids = await smallBackup(m, 48 * 1024);
    await m.admin('POST', 'faults', { target: 'download', kind: 'throttle', bytes_per_second: 64 * 1024 });
    const log = eventLog();
    const result = await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      speedLimit: 1000,
      speedTimeMs: 200,
      onEvent: log.onEvent,
    });
    expect(log.of('retry')).toEqual([]);
    const [f] = await m.files(ids.backupId);
    expect(await sha256File(result.files[0]!.path)).toBe(f!.sha256);
  });

  it('rejects a negative speed floor', async () => {
    const { m, dir } = await setup(false);
    await expect(
      downloadBackup({ client: m.client, ...m.mock.defaults.replicaSet, dir, speedLimit: -1 }),
    ).rejects.toThrow(/speedLimit must be a number >= 0/);
  });
});
