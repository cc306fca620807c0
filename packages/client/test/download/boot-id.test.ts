// Two-tier checkpoints: recorded ranges are trusted within the boot that wrote them (a killed
// process leaves its writes in the page cache); after a reboot only the fdatasync'ed ones are.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, MANIFEST_NAME } from '../../src/download/index.js';
import { AbortError } from '../../src/index.js';
import { eventLog, sha256File, startMock, tempDir } from './helpers.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

type Entry = { ranges: [number, number][]; syncedRanges?: [number, number][]; bootId?: string };
const bytesOf = (r: [number, number][] = []) => r.reduce((n, [s, e]) => n + e - s, 0);

async function interruptedDownload() {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  const size = 16 * MiB + 99;
  const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
  const ids = { instanceId: added.backup.instance_id, backupId: added.backup.id };
  const options = {
    client: m.client,
    ...ids,
    dir: t.dir,
    segmentsPerFile: 1,
    checkpointBytes: MiB,
    progressIntervalMs: 0,
  };
  const controller = new AbortController();
  const error = await downloadBackup({
    ...options,
    bootId: 'boot-A',
    syncBytes: 4 * MiB,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'progress' && e.bytes >= 10 * MiB) controller.abort();
    },
  }).catch((e) => e);
  expect(error).toBeInstanceOf(AbortError);
  return { m, options, size, ids, manifestPath: join(t.dir, MANIFEST_NAME) };
}

/** Rewrites the manifest as a kill -9 would have left it: synced ranges behind the recorded ones. */
async function pretendUnsynced(path: string, synced: [number, number][]) {
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  const entry = Object.values(manifest.files)[0] as Entry;
  expect(entry.bootId).toBe('boot-A');
  expect(bytesOf(entry.ranges)).toBeGreaterThanOrEqual(10 * MiB);
  entry.syncedRanges = synced;
  await writeFile(path, JSON.stringify(manifest));
  return bytesOf(entry.ranges);
}

describe('resume across a reboot', () => {
  it('abort syncs everything it records: the synced ranges equal the recorded ones', async () => {
    const { manifestPath } = await interruptedDownload();
    const entry = Object.values(JSON.parse(await readFile(manifestPath, 'utf8')).files)[0] as Entry;
    expect(entry.syncedRanges).toEqual(entry.ranges);
  });

  it('same boot: the recorded ranges are trusted', async () => {
    const { m, options, size, ids, manifestPath } = await interruptedDownload();
    const recorded = await pretendUnsynced(manifestPath, [[0, 2 * MiB]]);
    const log = eventLog();
    const result = await downloadBackup({ ...options, bootId: 'boot-A', onEvent: log.onEvent });
    expect(result.files[0]!.resumedBytes).toBe(recorded);
    expect(result.transferredBytes).toBe(size - recorded);
    const [published] = await m.files(ids.backupId);
    expect(await sha256File(result.files[0]!.path)).toBe(published!.sha256);
  });

  it('another boot: only the synced ranges are trusted, the rest is fetched again', async () => {
    const { m, options, size, ids, manifestPath } = await interruptedDownload();
    await pretendUnsynced(manifestPath, [[0, 2 * MiB]]);
    const result = await downloadBackup({ ...options, bootId: 'boot-B' });
    expect(result.files[0]!.resumedBytes).toBe(2 * MiB);
    expect(result.transferredBytes).toBe(size - 2 * MiB);
    const [published] = await m.files(ids.backupId);
    expect(await sha256File(result.files[0]!.path)).toBe(published!.sha256);
  });
});
