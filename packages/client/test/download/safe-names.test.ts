import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, printableName, UnsafeFileNameError, unsafeNameReason } from '../../src/download/index.js';
import { type MockHandle, startMock, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('unsafeNameReason', () => {
  it.each([
    ['', /empty/],
    ['.', /directory/],
    ['..', /directory/],
    ['../evil', /separator/],
    ['/etc/x', /separator/],
    ['a/b', /separator/],
    ['a\\b', /separator/],
    ['..\\evil', /separator/],
    ['a\u0000b', /control/],
    ['line\nbreak', /control/],
    ['del\u007f', /control/],
    ['C:evil', /drive/],
    ['.dds-backup-manifest.json', /reserved/],
    ['x'.repeat(251), /longer/],
    ['evil\u202Egz.rat', /invisible or text-direction character \(U\+202E\)/],
    ['zero\u200Bwidth', /U\+200B/],
    ['iso\u2066late', /U\+2066/],
    ['c1\u0085next', /U\+0085/],
    ['bom\uFEFF', /U\+FEFF/],
    ['private\uE000use', /U\+E000/],
  ])('refuses %j', (name, reason) => {
    expect(unsafeNameReason(name)).toMatch(reason);
  });

  it.each(['backup.tar.gz', 'a..b', '..hidden', '.hidden', 'name with spaces', '数据库备份.tar.gz', 'x'.repeat(250)])(
    'accepts %j',
    (name) => {
      expect(unsafeNameReason(name)).toBeUndefined();
    },
  );
});

describe('printableName', () => {
  it('escapes what would not show as itself, and quotes the result; leaves plain names alone', () => {
    expect(printableName('evil\u202Egz.rat')).toBe('"evil\\u{202E}gz.rat"');
    expect(printableName('a\u0000b')).toBe('"a\\u{0}b"');
    expect(printableName('数据库备份.tar.gz')).toBe('数据库备份.tar.gz');
  });
});

describe('hostile file names from the server', () => {
  async function addBackup(m: MockHandle, names: string[]) {
    const added = await m.admin('POST', 'backups', { files: names.map((name) => ({ name, size_bytes: 1000 })) });
    return { instanceId: added.backup.instance_id as string, backupId: added.backup.id as string };
  }

  it.each(['../evil', '/etc/x', 'a\u0000b', 'sub\\..\\..\\evil', '\u001b[31mred'])(
    '%j is refused before anything is written',
    async (name) => {
      const m = await startMock();
      const parent = await tempDir();
      cleanups.push(() => m.close(), parent.cleanup);
      const dir = join(parent.dir, 'target');
      // A good file listed first must not be fetched either: names are checked before any transfer.
      const ids = await addBackup(m, ['good.tar.gz', name]);
      const error = await downloadBackup({ client: m.client, ...ids, dir }).catch((e) => e);

      expect(error).toBeInstanceOf(UnsafeFileNameError);
      expect(error.file).toBe(name);
      expect(error.message).toContain(JSON.stringify(name));
      expect(await m.downloads()).toEqual([]);
      expect(await readdir(parent.dir)).toEqual([]);
      expect(
        await access(join(parent.dir, 'evil')).then(
          () => true,
          () => false,
        ),
      ).toBe(false);
    },
  );

  it("a name colliding with another file's .part is refused", async () => {
    const m = await startMock();
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    const ids = await addBackup(m, ['x.tar.gz', 'x.tar.gz.part']);
    await expect(downloadBackup({ client: m.client, ...ids, dir: t.dir })).rejects.toThrow(
      /collides with the temporary file/,
    );
  });
});

describe('names that would print as another name', () => {
  it('a bidi override in a listed name is refused, and the message shows it escaped', async () => {
    const m = await startMock();
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    const name = 'invoice\u202Egz.rat.tar';
    const added = await m.admin('POST', 'backups', { files: [{ name, size_bytes: 1000 }] });
    const error = await downloadBackup({
      client: m.client,
      instanceId: added.backup.instance_id,
      backupId: added.backup.id,
      dir: t.dir,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(UnsafeFileNameError);
    expect(error.message).toContain('"invoice\\u202egz.rat.tar"');
    expect(error.message).not.toContain('\u202E');
    expect(await readdir(t.dir)).toEqual([]);
  });
});
