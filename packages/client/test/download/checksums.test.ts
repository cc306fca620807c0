// Item 1 and 2 of the hardening issue: every file gets a SHA-256 while it downloads (kept in the
// manifest, so `verify` detects any change later), size-only files are named as such, and a
// re-run over a complete backup checks size and mtime (or re-hashes with `recheck`).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashPool } from '../../src/download/file-hasher.js';
import {
  downloadBackup,
  MANIFEST_NAME,
  PART_SUFFIX,
  VerificationError,
  verifyDownload,
} from '../../src/download/index.js';
import { PROGRESS_NAME } from '../../src/download/manifest.js';
import { eventLog, listDir, type MockHandle, sha256File, startMock, tempDir } from './helpers.js';
import { type Rewrite, rewritingProxy } from './rewriting-proxy.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(rewrite?: Rewrite) {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  if (!rewrite) return { m, dir: t.dir, client: m.client };
  const proxy = await rewritingProxy(m, rewrite);
  cleanups.push(proxy.close);
  return { m, dir: t.dir, client: proxy.client };
}

const manifestEntries = async (dir: string) =>
  Object.values(JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8')).files) as any[];

/** The server sends no ETag at all. */
const noEtag: Rewrite = {
  object: (a) => {
    delete a.headers.etag;
  },
};
/** The server sends a multipart ETag (`"<hex>-2"`): not an MD5 of the content. */
const multipartEtag: Rewrite = {
  object: (a) => {
    if (a.headers.etag) a.headers.etag = a.headers.etag.replace(/"$/, '-2"');
  },
};

/**
 * Changes one byte of a downloaded file the way bit rot or a careless tool would: same size, and
 * the manifest's mtime still matching (utimes cannot restore a sub-millisecond mtime, so the
 * manifest is brought in line with the new one instead).
 */
async function flipByteKeepingMtime(path: string, at = 0) {
  const bytes = await readFile(path);
  bytes[at] = bytes[at]! ^ 1;
  await writeFile(path, bytes);
  const manifestPath = join(dirname(path), MANIFEST_NAME);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  for (const e of Object.values(manifest.files) as any[])
    if (e.name === basename(path)) e.mtimeMs = (await stat(path)).mtimeMs;
  await writeFile(manifestPath, JSON.stringify(manifest));
}

describe('SHA-256 of every file', () => {
  it('parallel ranges, out of order: the SHA-256 in the result, the event and the manifest is the content', async () => {
    const { m, dir, client } = await setup();
    const ids = m.mock.defaults.sharded;
    const log = eventLog();
    // 512 KiB segments: every multi-MiB shard arrives in ranges written out of order.
    const result = await downloadBackup({ client, ...ids, dir, minSegmentBytes: 512 * 1024, onEvent: log.onEvent });
    const published = await m.files(ids.backupId);
    const entries = await manifestEntries(dir);
    for (const f of published) {
      const r = result.files.find((x) => x.name === f.name)!;
      expect(r).toMatchObject({ sha256: f.sha256, checksum: 'md5', md5: f.md5, md5Verified: true });
      expect(await sha256File(join(dir, f.name))).toBe(f.sha256);
      expect(log.of('file-done').find((e) => e.file === f.name)).toMatchObject({ sha256: f.sha256, checksum: 'md5' });
      expect(entries.find((e) => e.name === f.name)).toMatchObject({ sha256: f.sha256, md5: f.md5 });
    }
  });

  it('no ETag: size-only, no MD5 computed or claimed, the SHA-256 still recorded', async () => {
    const { m, dir, client } = await setup(noEtag);
    const ids = m.mock.defaults.replicaSet;
    const log = eventLog();
    const result = await downloadBackup({ client, ...ids, dir, onEvent: log.onEvent });
    const [f] = await m.files(ids.backupId);
    expect(result.files[0]).toMatchObject({ md5: null, md5Verified: false, checksum: 'size-only', sha256: f!.sha256 });
    expect(log.of('file-done')[0]).toMatchObject({ md5: null, md5Verified: false, checksum: 'size-only' });
    const [entry] = await manifestEntries(dir);
    expect(entry.sha256).toBe(f!.sha256);
    expect(entry.md5).toBeUndefined();
  });

  it('the hash pool computes MD5 only when asked (the no-ETag case asks for none)', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'f');
    await writeFile(path, 'hello world');
    const pool = new HashPool(1);
    cleanups.push(async () => pool.close());
    expect(await pool.hashFile(path, 11, { md5: false })).toEqual({
      sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
    });
    expect(await pool.hashFile(path, 11, { md5: true })).toEqual({
      sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
      md5: '5eb63bbbe01eeed093cb22bb8f5acdc3',
    });
    // A file shorter than it should be is an error naming it, not a wrong digest.
    await expect(pool.hashFile(path, 12, { md5: false })).rejects.toThrow(/ESHORT/);
  });

  it('resume across runs: the part an earlier run left is hashed too', async () => {
    const { m, dir, client } = await setup();
    const size = 12 * MiB + 99;
    const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
    const ids = { instanceId: added.backup.instance_id, backupId: added.backup.id };
    const options = {
      client,
      ...ids,
      dir,
      segmentsPerFile: 4,
      minSegmentBytes: MiB,
      checkpointBytes: MiB,
      progressIntervalMs: 0,
    };
    const controller = new AbortController();
    await downloadBackup({
      ...options,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.bytes >= 4 * MiB) controller.abort();
      },
    }).catch(() => {});
    const result = await downloadBackup(options);
    const [f] = await m.files(ids.backupId);
    expect(result.files[0]!.resumedBytes).toBeGreaterThan(0);
    // The MD5 (a plain-MD5 ETag under 64 MiB) is checked over both runs' bytes too.
    expect(result.files[0]).toMatchObject({ sha256: f!.sha256, md5: f!.md5, md5Verified: true, checksum: 'md5' });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(f!.sha256);
  });
});

describe('size-only files and requireChecksum', () => {
  it('verify detects a one-byte change on disk in a size-only file', async () => {
    const { m, dir, client } = await setup(multipartEtag);
    const ids = m.mock.defaults.replicaSet;
    const result = await downloadBackup({ client, ...ids, dir });
    expect(result.files[0]).toMatchObject({ checksum: 'size-only', md5Verified: false });
    const good = await verifyDownload({ dir });
    expect(good.files[0]).toMatchObject({
      status: 'ok',
      checksum: 'size-only',
      sha256Checked: true,
      md5Checked: false,
    });
    // With requireChecksum the same file is not ok: the server never gave a checksum for it.
    expect((await verifyDownload({ dir, requireChecksum: true })).files[0]!.status).toBe('no-checksum');

    await flipByteKeepingMtime(result.files[0]!.path, 5000);
    const bad = await verifyDownload({ dir });
    expect(bad.ok).toBe(false);
    expect(bad.files[0]).toMatchObject({ status: 'sha256-mismatch' });
  });

  it.each([
    ['multipart', multipartEtag, /multipart ETag/],
    ['missing', noEtag, /no ETag/],
  ] as const)(
    'requireChecksum: a %s ETag fails with VerificationError before the body is fetched',
    async (_l, rewrite, why) => {
      const { m, dir, client } = await setup(rewrite);
      const ids = m.mock.defaults.replicaSet;
      const [f] = await m.files(ids.backupId);
      const error = await downloadBackup({ client, ...ids, dir, requireChecksum: true }).catch((e) => e);
      expect(error).toBeInstanceOf(VerificationError);
      expect(error).toMatchObject({ check: 'checksum', file: f!.name });
      expect(error.message).toMatch(why);
      expect(error.message).toMatch(/without --require-checksum/);
      // Nothing under the final name; the .part holds no body bytes and is not marked failed.
      expect(await listDir(dir)).toEqual([MANIFEST_NAME, PROGRESS_NAME, f!.name + PART_SUFFIX].sort());
      expect((await stat(join(dir, f!.name + PART_SUFFIX))).size).toBe(0);
      expect((await manifestEntries(dir))[0].state).toBe('partial');
    },
  );

  it('requireChecksum with verify: false is a configuration error', async () => {
    const { m, dir, client } = await setup();
    await expect(
      downloadBackup({ client, ...m.mock.defaults.replicaSet, dir, requireChecksum: true, verify: false }),
    ).rejects.toThrow(/--require-checksum/);
  });
});

describe('re-running over a complete backup', () => {
  async function complete(rewrite?: Rewrite) {
    const s = await setup(rewrite);
    const ids = s.m.mock.defaults.sharded;
    await downloadBackup({ client: s.client, ...ids, dir: s.dir });
    await s.m.admin('DELETE', 'requests');
    return { ...s, ids, options: { client: s.client, ...ids, dir: s.dir } };
  }
  const fetched = async (m: MockHandle) => (await m.downloads()).length;

  it('skips every file on size and mtime: no request, the recorded SHA-256 and checksum reported', async () => {
    const { m, ids, options } = await complete();
    const log = eventLog();
    const result = await downloadBackup({ ...options, onEvent: log.onEvent });
    expect(await fetched(m)).toBe(0);
    const published = await m.files(ids.backupId);
    for (const f of published)
      expect(result.files.find((r) => r.name === f.name)).toMatchObject({
        skipped: true,
        sha256: f.sha256,
        checksum: 'md5',
      });
    expect(log.of('file-done').every((e) => e.skipped && e.rechecked === undefined)).toBe(true);
  });

  it('a changed file with its size and mtime kept is trusted without recheck, re-hashed and fetched again with it', async () => {
    const { m, ids, dir, options } = await complete();
    const [f] = await m.files(ids.backupId);
    await flipByteKeepingMtime(join(dir, f!.name), 10);

    const trusted = await downloadBackup(options);
    expect(await fetched(m)).toBe(0);
    expect(trusted.files.find((r) => r.name === f!.name)!.skipped).toBe(true);

    const log = eventLog();
    const result = await downloadBackup({ ...options, recheck: true, onEvent: log.onEvent });
    expect(log.of('restart')).toEqual([
      {
        type: 'restart',
        file: f!.name,
        reason: expect.stringMatching(/changed on disk since it was downloaded \(SHA-256/),
      },
    ]);
    const again = result.files.find((r) => r.name === f!.name)!;
    expect(again).toMatchObject({ skipped: false, sha256: f!.sha256, transferredBytes: f!.size_bytes });
    expect(await sha256File(join(dir, f!.name))).toBe(f!.sha256);
    // The others were re-hashed and stand.
    expect(result.files.filter((r) => r.name !== f!.name).every((r) => r.skipped && r.rechecked)).toBe(true);
    expect((await m.downloads()).every((g) => g.path.endsWith(encodeURIComponent(f!.name)))).toBe(true);
  });

  it('a manifest from before SHA-256s were recorded gets them on the next run', async () => {
    const { m, ids, dir, options } = await complete();
    const path = join(dir, MANIFEST_NAME);
    const manifest = JSON.parse(await readFile(path, 'utf8'));
    for (const e of Object.values(manifest.files) as any[]) delete e.sha256;
    await writeFile(path, JSON.stringify(manifest));
    const result = await downloadBackup(options);
    const published = await m.files(ids.backupId);
    for (const f of published) expect(result.files.find((r) => r.name === f.name)!.sha256).toBe(f.sha256);
    expect((await manifestEntries(dir)).every((e) => typeof e.sha256 === 'string')).toBe(true);
  });

  it('requireChecksum refuses a complete size-only file too (it was never checked against the server)', async () => {
    const { options } = await complete(multipartEtag);
    await expect(downloadBackup({ ...options, requireChecksum: true })).rejects.toMatchObject({
      name: 'VerificationError',
      check: 'checksum',
    });
  });
});
