// ENOSPC in the middle of a run, on a real small file system: a tmpfs of 8 MiB (mounting needs
// root; the test is skipped where it cannot mount). The up-front free-space check is told there
// is room (the statfs seam), as when another process fills the disk during the download.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, MANIFEST_NAME, WriteError } from '../../src/download/index.js';
import { PROGRESS_NAME, readProgressFile } from '../../src/download/manifest.js';
import { eventLog, sha256File, startMock } from './helpers.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function canMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return true;
}

async function smallFileSystem(sizeMiB: number) {
  const dir = await mkdtemp(join(tmpdir(), 'dds-enospc-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
  cleanups.push(async () => {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, grow: (mib: number) => execFileSync('mount', ['-o', `remount,size=${mib}m`, dir]) };
}

describe.skipIf(!canMount())('disk full mid-run (tmpfs)', () => {
  it('ENOSPC: WriteError naming the path and the remedy, state kept, no temp file; after freeing space the re-run resumes', async () => {
    const fs = await smallFileSystem(8);
    const m = await startMock();
    cleanups.push(() => m.close());
    const size = 12 * MiB + 321;
    const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
    const ids = { instanceId: added.backup.instance_id as string, backupId: added.backup.id as string };
    const options = {
      client: m.client,
      ...ids,
      dir: fs.dir,
      segmentsPerFile: 1,
      checkpointBytes: MiB,
      statfs: async () => ({ bavail: 1024 * 1024, bsize: 4096 }),
    };

    const error = await downloadBackup(options).catch((e) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect(error).toMatchObject({ code: 'ENOSPC', retryable: false });
    expect(error.message).toContain(join(fs.dir, 'data.tar.gz.part'));
    expect(error.message).toMatch(
      /free up space, then run the same command again; what is on disk is kept and the download resumes/,
    );
    const names = await readdir(fs.dir);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names).toContain('data.tar.gz.part');
    expect(names).not.toContain('data.tar.gz');
    // What reached the disk is recorded (the progress file of this boot, or the manifest).
    const state =
      (names.includes(PROGRESS_NAME) ? await readProgressFile(join(fs.dir, PROGRESS_NAME)) : undefined) ??
      JSON.parse(await readFile(join(fs.dir, MANIFEST_NAME), 'utf8'));
    const entry = Object.values(state.files)[0] as { state: string; ranges: [number, number][] };
    const recorded = entry.ranges.reduce((n, [s, e]) => n + e - s, 0);
    expect(entry.state).toBe('partial');
    expect(recorded).toBeGreaterThan(2 * MiB);

    fs.grow(32);
    const log = eventLog();
    const result = await downloadBackup({ ...options, onEvent: log.onEvent });
    expect(log.of('file-start')[0]!.resumedBytes).toBe(recorded);
    const [f] = await m.files(ids.backupId);
    expect(result.files[0]).toMatchObject({ bytes: size, sha256: f!.sha256, transferredBytes: size - recorded });
    expect(await sha256File(join(fs.dir, 'data.tar.gz'))).toBe(f!.sha256);
    expect((await readdir(fs.dir)).sort()).toEqual([MANIFEST_NAME, 'data.tar.gz']);
  });
});
