import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedHashes } from '@dds-backup/mock-server';
import { describe, expect, it } from 'vitest';
import { downloadBackup, MANIFEST_NAME } from '../../src/download/index.js';
import { eventLog, listDir, perTestMock, SCHEMES, sha256File } from './helpers.js';

const MiB = 1024 * 1024;
const setup = perTestMock();

describe.each(SCHEMES)('downloadBackup over $label', ({ tls }) => {
  it('downloads every file of a multi-file backup, each equal to the sha256 the mock publishes', async () => {
    const { m, dir } = await setup(tls);
    const ids = m.mock.defaults.sharded;
    const log = eventLog();
    // 1 MiB segments: the 3-5 MiB shards are fetched in parallel ranges (MD5 re-read at the end).
    const result = await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      minSegmentBytes: MiB,
      onEvent: log.onEvent,
    });

    const published = await m.files(ids.backupId);
    expect(result.files.map((f) => f.name)).toEqual(published.map((f) => f.name));
    for (const f of published) {
      expect(await sha256File(join(dir, f.name))).toBe(f.sha256);
      const r = result.files.find((x) => x.name === f.name)!;
      expect(r).toMatchObject({
        bytes: f.size_bytes,
        md5: f.md5,
        md5Verified: true,
        skipped: false,
        path: join(dir, f.name),
      });
    }
    expect(await listDir(dir)).toEqual([MANIFEST_NAME, ...published.map((f) => f.name)].sort());
    expect(result.bytes).toBe(published.reduce((n, f) => n + f.size_bytes, 0));
    expect(result.transferredBytes).toBe(result.bytes);

    // Ranged and parallel: each multi-MiB shard in several 206 answers; the 40 KB config file in one GET.
    const gets = await m.downloads();
    for (const f of published) {
      const mine = gets.filter((g) => g.path.endsWith(encodeURIComponent(f.name)));
      if (f.size_bytes >= 2 * MiB) expect(mine.length, f.name).toBeGreaterThan(1);
      expect(mine.map((g) => g.status)).toEqual(mine.map(() => (f.size_bytes >= 2 * MiB ? 206 : 200)));
      expect(mine.reduce((n, g) => n + g.bytes_sent, 0)).toBe(f.size_bytes);
    }

    // Events: plain JSON without link secrets; link first, done last, one file-start and file-done per file.
    expect(log.lines()).not.toMatch(/Signature|AccessKeyId|X-Auth-Token/i);
    expect(log.events[0]).toMatchObject({
      type: 'link',
      ...ids,
      files: published.map((f) => ({ name: f.name, sizeKB: f.size })),
    });
    expect(log.events.at(-1)).toMatchObject({
      type: 'done',
      files: 4,
      skippedFiles: 0,
      bytes: result.bytes,
      transferredBytes: result.bytes,
    });
    expect(
      log
        .of('file-start')
        .map((e) => e.file)
        .sort(),
    ).toEqual(published.map((f) => f.name).sort());
    expect(log.of('file-done').map((e) => [e.file, e.bytes, e.md5Verified])).toEqual(
      expect.arrayContaining(published.map((f) => [f.name, f.size_bytes, true])),
    );
    for (const f of published) {
      const progress = log.of('progress').filter((e) => e.file === f.name);
      expect(progress.at(-1)).toMatchObject({ bytes: f.size_bytes, totalBytes: f.size_bytes });
    }
  });

  it('a second run skips the complete files: nothing is fetched or rewritten', async () => {
    const { m, dir } = await setup(tls);
    const ids = m.mock.defaults.replicaSet;
    const first = await downloadBackup({ client: m.client, ...ids, dir });
    const path = first.files[0]!.path;
    const before = await stat(path);
    await m.admin('DELETE', 'requests');

    const log = eventLog();
    const again = await downloadBackup({ client: m.client, ...ids, dir, onEvent: log.onEvent });
    expect(again.files[0]).toMatchObject({ skipped: true, bytes: before.size, md5Verified: true, transferredBytes: 0 });
    expect(again.transferredBytes).toBe(0);
    expect(await m.downloads()).toEqual([]);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
    expect(log.of('file-done')).toEqual([expect.objectContaining({ skipped: true })]);
    expect(log.of('file-start')).toEqual([]);
  });
});

describe('downloadBackup verification modes', () => {
  it('hashes a sequential single-stream file on the fly and matches the ETag MD5', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.replicaSet;
    const result = await downloadBackup({ client: m.client, ...ids, dir });
    const [f] = await m.files(ids.backupId);
    expect(result.files[0]).toMatchObject({ md5: f!.md5, md5Verified: true });
    // One stream from 0: a whole-object GET.
    expect((await m.downloads()).map((g) => g.status)).toEqual([200]);
  });

  it('a multipart ETag ("<hex>-N") is not an MD5: the file is checked by size, not hash', async () => {
    const { m, dir } = await setup();
    const size = 64 * MiB + 4097; // just above the mock's single-part ETag limit
    const added = await m.admin('POST', 'backups', { files: [{ name: 'big.tar.gz', size_bytes: size }] });
    const result = await downloadBackup({
      client: m.client,
      instanceId: added.backup.instance_id,
      backupId: added.backup.id,
      dir,
      minSegmentBytes: 8 * MiB,
    });
    expect(result.files[0]).toMatchObject({ bytes: size, md5: null, md5Verified: false });
    const expected = await expectedHashes({
      seed: m.mock.defaults.seed,
      backupId: added.backup.id,
      fileName: 'big.tar.gz',
      size,
    });
    expect(await sha256File(join(dir, 'big.tar.gz'))).toBe(expected.sha256);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
    expect(Object.values(manifest.files)).toEqual([
      expect.objectContaining({ name: 'big.tar.gz', state: 'complete', size }),
    ]);
  });
});
