import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, FileExistsError } from '../../src/download/index.js';
import { type MockHandle, sha256File, startMock, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});
async function setup(): Promise<{ m: MockHandle; dir: string }> {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  return { m, dir: t.dir };
}

describe('existing files in the target directory', () => {
  it('a file this tool did not write is never overwritten without force', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    const path = join(dir, file!.name);
    await writeFile(path, 'precious user data');

    const error = await downloadBackup({ client: m.client, ...ids, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(FileExistsError);
    expect(error.paths).toEqual([path]);
    expect(error.message).toMatch(/--force/);
    expect(error.message).toMatch(/another directory/);
    expect(await readFile(path, 'utf8')).toBe('precious user data');
    expect(await m.downloads()).toEqual([]);
  });

  it('force: true replaces it with the verified download', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    const path = join(dir, file!.name);
    await writeFile(path, 'stale');
    const result = await downloadBackup({ client: m.client, ...ids, dir, force: true });
    expect(result.files[0]!.skipped).toBe(false);
    expect(await sha256File(path)).toBe(file!.sha256);
  });

  it('a file we downloaded but that changed since is treated as foreign', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    await downloadBackup({ client: m.client, ...ids, dir });
    await writeFile(join(dir, file!.name), 'edited by someone');
    await expect(downloadBackup({ client: m.client, ...ids, dir })).rejects.toBeInstanceOf(FileExistsError);
    expect(await readFile(join(dir, file!.name), 'utf8')).toBe('edited by someone');
  });
});

describe('a NAME.part the manifest does not know', () => {
  it('is not overwritten: FileExistsError naming it, with the --force hint; force restarts it', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    const part = join(dir, `${file!.name}.part`);
    await writeFile(part, 'someone else is writing this');

    const error = await downloadBackup({ client: m.client, ...ids, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(FileExistsError);
    expect(error.paths).toEqual([part]);
    expect(error.message).toMatch(/Pass --force \(force: true\) to overwrite, or choose another directory/);
    expect(await readFile(part, 'utf8')).toBe('someone else is writing this');
    expect(await m.downloads()).toEqual([]);

    const result = await downloadBackup({ client: m.client, ...ids, dir, force: true });
    expect(result.files[0]).toMatchObject({ resumedBytes: 0, sha256: file!.sha256 });
  });
});
