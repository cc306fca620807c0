import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedHashes } from '@dds-backup/mock-server';
import { describe, expect, it } from 'vitest';
import { downloadBackup, MANIFEST_NAME, PART_SUFFIX } from '../../src/download/index.js';
import { AbortError } from '../../src/index.js';
import { eventLog, perTestMock, SCHEMES, sha256File } from './helpers.js';

const MiB = 1024 * 1024;
const setup = perTestMock();
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const claimedBytes = async (dir: string) => {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
  const entry = Object.values(manifest.files)[0] as { state: string; ranges: [number, number][] };
  return { state: entry.state, bytes: entry.ranges.reduce((n, [s, e]) => n + e - s, 0) };
};

describe.each(SCHEMES)('cancellation and resume ($label)', ({ tls }) => {
  it.each([
    { layout: 'one segment per connection', minPieceBytes: undefined },
    { layout: 'in pieces handed out in order', minPieceBytes: 512 * 1024 },
  ])(
    'an AbortSignal mid-file ($layout) stops everything with AbortError; a second run fetches only what is missing',
    async ({ minPieceBytes }) => {
      const { m, dir } = await setup(tls);
      const size = 24 * MiB + 1234;
      const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
      const ids = { instanceId: added.backup.instance_id, backupId: added.backup.id };
      const options = {
        client: m.client,
        ...ids,
        dir,
        segmentsPerFile: 4,
        minSegmentBytes: 2 * MiB,
        minPieceBytes,
        checkpointBytes: MiB,
        progressIntervalMs: 0,
      };

      const controller = new AbortController();
      const error = await downloadBackup({
        ...options,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'progress' && e.bytes >= 8 * MiB) controller.abort();
        },
      }).catch((e) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect(error.message).toMatch(/run the same download again to resume/);
      expect(await exists(join(dir, 'data.tar.gz'))).toBe(false);
      expect(await exists(join(dir, `data.tar.gz${PART_SUFFIX}`))).toBe(true);
      const claimed = await claimedBytes(dir);
      expect(claimed.state).toBe('partial');
      expect(claimed.bytes).toBeGreaterThanOrEqual(8 * MiB);
      expect(claimed.bytes).toBeLessThan(size);

      await m.admin('DELETE', 'requests');
      const log = eventLog();
      const result = await downloadBackup({ ...options, onEvent: log.onEvent });
      expect(log.of('file-start')[0]).toMatchObject({ resumedBytes: claimed.bytes, totalBytes: size });
      // Exactly the missing bytes travel again, nothing more.
      const sent = (await m.downloads()).reduce((n, g) => n + g.bytes_sent, 0);
      expect(sent).toBe(size - claimed.bytes);
      expect(result.files[0]).toMatchObject({
        bytes: size,
        resumedBytes: claimed.bytes,
        transferredBytes: size - claimed.bytes,
      });
      const expected = await expectedHashes({
        seed: m.mock.defaults.seed,
        backupId: ids.backupId,
        fileName: 'data.tar.gz',
        size,
      });
      expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(expected.sha256);
      expect(result.files[0]!.md5).toBe(expected.md5);
    },
  );
});

describe('a resume that does not verify', () => {
  it('bytes left by an earlier run that fail the MD5 are fetched again from zero in the same run, once', async () => {
    const { m, dir } = await setup();
    const size = 24 * MiB + 1234;
    const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
    const options = {
      client: m.client,
      instanceId: added.backup.instance_id,
      backupId: added.backup.id,
      dir,
      segmentsPerFile: 4,
      minSegmentBytes: 2 * MiB,
      checkpointBytes: MiB,
      progressIntervalMs: 0,
    };
    const controller = new AbortController();
    await downloadBackup({
      ...options,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.bytes >= 8 * MiB) controller.abort();
      },
    }).catch(() => {});
    // One byte of a range the manifest trusts is damaged, as bytes corrupted in transit would be.
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
    const start = (Object.values(manifest.files)[0] as { ranges: [number, number][] }).ranges[0]![0];
    const part = join(dir, `data.tar.gz${PART_SUFFIX}`);
    const bytes = await readFile(part);
    bytes[start + 7] = bytes[start + 7]! ^ 1;
    await writeFile(part, bytes);

    const log = eventLog();
    const result = await downloadBackup({ ...options, onEvent: log.onEvent });
    expect(log.of('restart')).toEqual([
      expect.objectContaining({ file: 'data.tar.gz', reason: expect.stringMatching(/MD5 did not match .*resumed/) }),
    ]);
    const expected = await expectedHashes({
      seed: m.mock.defaults.seed,
      backupId: added.backup.id,
      fileName: 'data.tar.gz',
      size,
    });
    expect(result.files[0]).toMatchObject({ md5: expected.md5, md5Verified: true, sha256: expected.sha256 });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(expected.sha256);
  });
});

describe('cancellation', () => {
  it('an already aborted signal fetches nothing', async () => {
    const { m, dir } = await setup();
    const error = await downloadBackup({
      client: m.client,
      ...m.mock.defaults.sharded,
      dir,
      signal: AbortSignal.abort(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await m.downloads()).toEqual([]);
  });

  it('cancelling keeps the files already in place for the next run', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.sharded;
    const controller = new AbortController();
    const error = await downloadBackup({
      client: m.client,
      ...ids,
      dir,
      concurrency: 1,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'file-done') controller.abort();
      },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
    const result = await downloadBackup({ client: m.client, ...ids, dir });
    expect(result.files[0]!.skipped).toBe(true);
    expect(result.files.slice(1).every((f) => !f.skipped)).toBe(true);
    for (const f of await m.files(ids.backupId)) expect(await sha256File(join(dir, f.name))).toBe(f.sha256);
  });
});
