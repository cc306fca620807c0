import { mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFolder, isIntact, removeLocalCopy } from '../../src/mirror/local-copy.js';
import type { MirroredBackup } from '../../src/mirror/mirror-manifest.js';

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

async function copy(): Promise<{ root: string; record: MirroredBackup }> {
  const root = await mkdtemp(join(tmpdir(), 'dds-mirror-copy-'));
  dirs.push(root);
  const dir = join(root, 'i1', 'b1');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.tar.gz'), 'aaa');
  await writeFile(join(dir, '.dds-backup-manifest.json'), '{}');
  const st = await stat(join(dir, 'a.tar.gz'));
  return {
    root,
    record: {
      instanceId: 'i1',
      backupId: 'b1',
      dir: 'i1/b1',
      state: 'verified',
      endTime: new Date().toISOString(),
      files: [{ name: 'a.tar.gz', bytes: 3, mtimeMs: st.mtimeMs, sha256: 'x', md5: null, checksum: 'size-only' }],
      updatedAt: new Date().toISOString(),
    },
  };
}

describe('local copies', () => {
  it('refuses ids that are not plain folder names', () => {
    expect(backupFolder('i1', 'b1')).toEqual({ dir: join('i1', 'b1') });
    expect(backupFolder('..', 'b1')).toHaveProperty('refused');
    expect(backupFolder('i1', 'x/../../etc')).toHaveProperty('refused');
  });

  it('is intact while size and mtime are what was verified; a touched or resized file is not', async () => {
    const { root, record } = await copy();
    expect(await isIntact(root, record)).toBe(true);
    expect(await isIntact(root, { ...record, state: 'failed' })).toBe(false);
    await utimes(join(root, 'i1/b1/a.tar.gz'), new Date(), new Date(Date.now() - 60_000));
    expect(await isIntact(root, record)).toBe(false);
    await writeFile(join(root, 'i1/b1/a.tar.gz'), 'aaaa');
    expect(await isIntact(root, record)).toBe(false);
  });

  it('removes exactly its files and the engine manifest, and keeps the folder when something else is in it', async () => {
    const { root, record } = await copy();
    await writeFile(join(root, 'i1/b1/notes.txt'), 'mine');
    expect(await removeLocalCopy(root, record)).toEqual({ keptFolder: true });
    expect(await readdir(join(root, 'i1/b1'))).toEqual(['notes.txt']);
    await rm(join(root, 'i1/b1/notes.txt'));
    expect(await removeLocalCopy(root, record)).toEqual({ keptFolder: false });
    expect(await readdir(join(root, 'i1'))).toEqual([]);
  });

  it('does not follow a folder that became a symlink', async () => {
    const { root, record } = await copy();
    const elsewhere = await mkdtemp(join(tmpdir(), 'dds-mirror-elsewhere-'));
    dirs.push(elsewhere);
    await writeFile(join(elsewhere, 'a.tar.gz'), 'keep me');
    await rm(join(root, 'i1/b1'), { recursive: true });
    await symlink(elsewhere, join(root, 'i1/b1'));
    expect(await removeLocalCopy(root, record)).toEqual({ keptFolder: true });
    expect(await readdir(elsewhere)).toEqual(['a.tar.gz']);
  });
});
