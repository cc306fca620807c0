// A target the engine cannot use: a file where the directory should be, a read-only file
// system, a damaged manifest. Each names the path and what to do, and leaves what is there.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CorruptManifestError,
  downloadBackup,
  MANIFEST_NAME,
  verifyDownload,
  WriteError,
} from '../../src/download/index.js';
import { startMock, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup() {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  return { m, root: t.dir, options: { client: m.client, ...m.mock.defaults.replicaSet } };
}

describe('targets that cannot be written', () => {
  it('the target is a file: WriteError naming it, the file untouched', async () => {
    const { root, options } = await setup();
    const dir = join(root, 'backup');
    await writeFile(dir, 'not a directory');
    const error = await downloadBackup({ ...options, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect(error.message).toMatch(
      new RegExp(
        `^Cannot create ${dir}: EEXIST\\. A file is in the way where a directory is needed: choose another --dir\\.`,
      ),
    );
    expect(await readFile(dir, 'utf8')).toBe('not a directory');
  });

  it('a file in the middle of the target path: ENOTDIR, same remedy', async () => {
    const { root, options } = await setup();
    await writeFile(join(root, 'file'), 'x');
    const error = await downloadBackup({ ...options, dir: join(root, 'file', 'sub') }).catch((e) => e);
    expect(error).toMatchObject({ name: 'WriteError', code: 'ENOTDIR' });
    expect(error.message).toContain('choose another --dir');
  });

  it.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)(
    'a read-only file system: WriteError EROFS naming the lock file, nothing else tried',
    async () => {
      const { options } = await setup();
      const dir = await mkdtemp(join(tmpdir(), 'dds-rofs-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', dir]);
      cleanups.push(async () => {
        execFileSync('umount', [dir]);
        await rm(dir, { recursive: true, force: true });
      });
      const error = await downloadBackup({ ...options, dir }).catch((e) => e);
      expect(error).toMatchObject({ name: 'WriteError', code: 'EROFS' });
      expect(error.message).toContain(join(dir, '.dds-backup-lock'));
      expect(error.message).toContain('The file system is read-only: choose a writable directory (--dir).');
      expect(await readdir(dir)).toEqual([]);
    },
  );
});

describe('a damaged manifest', () => {
  it.each([
    ['not JSON', '{"format": "dds-backup-manifest", "files": {', /it is not valid JSON/],
    ['another JSON file', '{"hello": "world"}', /it is not a dds-backup manifest/],
    [
      'a future version',
      '{"format": "dds-backup-manifest", "version": 9, "files": {}}',
      /format version 9 is not one this dds-backup reads/,
    ],
  ])(
    '%s: CorruptManifestError naming it and the remedy; download and verify touch nothing',
    async (_l, text, reason) => {
      const { root, options } = await setup();
      const dir = join(root, 'backup');
      await mkdir(dir);
      await writeFile(join(dir, MANIFEST_NAME), text);
      await writeFile(join(dir, 'data.part'), 'earlier bytes');
      const error = await downloadBackup({ ...options, dir }).catch((e) => e);
      expect(error).toBeInstanceOf(CorruptManifestError);
      expect(error.message).toContain(`Cannot use the download manifest ${join(dir, MANIFEST_NAME)}: `);
      expect(error.message).toMatch(reason);
      expect(error.message).toMatch(/move it away to start over/);
      expect((await readdir(dir)).sort()).toEqual([MANIFEST_NAME, 'data.part']);
      expect(await readFile(join(dir, MANIFEST_NAME), 'utf8')).toBe(text);
      await expect(verifyDownload({ dir })).rejects.toBeInstanceOf(CorruptManifestError);
    },
  );
});
