// A run killed after renaming NAME.part to NAME but before recording it complete: the next run
// adopts the finished file instead of calling it someone else's.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, FileExistsError, MANIFEST_NAME } from '../../src/download/index.js';
import { startMock, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function finishedThenRewound(mutate: (entry: any) => void) {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  const options = { client: m.client, ...m.mock.defaults.replicaSet, dir: t.dir };
  await downloadBackup(options);
  const path = join(t.dir, MANIFEST_NAME);
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  const entry = Object.values(manifest.files)[0] as any;
  // As the crash left it: still partial, every range recorded, the file already renamed.
  entry.state = 'partial';
  entry.ranges = [[0, entry.size]];
  delete entry.mtimeMs;
  mutate(entry);
  await writeFile(path, JSON.stringify(manifest));
  return { options, dir: t.dir, name: entry.name as string };
}

describe('a file renamed into place but not yet recorded complete', () => {
  it('is adopted after its size and MD5 check out: nothing is downloaded again', async () => {
    const { options } = await finishedThenRewound(() => {});
    const result = await downloadBackup(options);
    expect(result.files[0]).toMatchObject({ skipped: true, md5Verified: true, transferredBytes: 0 });
    const again = await downloadBackup(options);
    expect(again.files[0]!.skipped).toBe(true);
  });

  it('is not adopted when its content does not match the recorded ETag MD5', async () => {
    const { options, dir, name } = await finishedThenRewound(() => {});
    const bytes = await readFile(join(dir, name));
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(join(dir, name), bytes);
    await expect(downloadBackup(options)).rejects.toBeInstanceOf(FileExistsError);
  });

  it('is not adopted when the recorded ranges do not cover it', async () => {
    const { options } = await finishedThenRewound((entry) => {
      entry.ranges = [[0, 1024]];
    });
    await expect(downloadBackup(options)).rejects.toBeInstanceOf(FileExistsError);
  });
});
