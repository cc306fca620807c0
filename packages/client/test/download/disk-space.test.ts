import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, InsufficientSpaceError } from '../../src/download/index.js';
import { startMock, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('free-disk check', () => {
  it('refuses to start when the file system has less room than the backup, saying how much of each', async () => {
    const m = await startMock();
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    const ids = m.mock.defaults.sharded;
    const published = await m.files(ids.backupId);
    const needed = published.reduce((n, f) => n + f.size * 1024, 0); // KB sizes: the exact ones are not known yet
    const probed: string[] = [];
    const error = await downloadBackup({
      client: m.client,
      ...ids,
      dir: t.dir,
      // 1 MiB free (the `statfs` option replaces fs.statfs, for exactly this test).
      statfs: async (dir) => {
        probed.push(dir);
        return { bavail: 256n, bsize: 4096n };
      },
    }).catch((e) => e);

    expect(probed).toEqual([t.dir]);
    expect(error).toBeInstanceOf(InsufficientSpaceError);
    expect(error).toMatchObject({ neededBytes: needed, availableBytes: 1024 * 1024, dir: t.dir });
    expect(error.message).toContain(`${needed} bytes`);
    expect(error.message).toContain('1048576 bytes');
    expect(await m.downloads()).toEqual([]);
    expect((await readdir(t.dir)).filter((n) => !n.startsWith('.dds-backup-'))).toEqual([]);
  });

  it('enough room: the download proceeds', async () => {
    const m = await startMock();
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    const result = await downloadBackup({
      client: m.client,
      ...m.mock.defaults.replicaSet,
      dir: t.dir,
      statfs: async () => ({ bavail: 1_000_000, bsize: 4096 }),
    });
    expect(result.files[0]!.md5Verified).toBe(true);
  });
});
