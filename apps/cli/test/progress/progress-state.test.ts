import type { DownloadEvent } from '@dds-backup/client/download';
import { describe, expect, it } from 'vitest';
import { ProgressState } from '../../src/progress/progress-state.js';

const KiB = 1024;
const link: DownloadEvent = {
  type: 'link',
  instanceId: 'i',
  backupId: 'b',
  bucket: 'bucket',
  files: [
    { name: 'a.tar.gz', sizeKB: 100, expiresAt: '2026-01-01T00:00:00Z' },
    { name: 'b.tar.gz', sizeKB: 50, expiresAt: '2026-01-01T00:00:00Z' },
  ],
};

describe('ProgressState folds the engine events', () => {
  it('a resumed file counts its bytes from the earlier run at file-start, before any progress event', () => {
    const state = new ProgressState(() => 0);
    state.apply(link);
    state.apply({
      type: 'file-start',
      file: 'a.tar.gz',
      path: '/d/a.tar.gz',
      totalBytes: 100 * KiB,
      sizeKB: 100,
      resumedBytes: 60 * KiB,
    });
    expect(state.doneBytes).toBe(60 * KiB);
    expect(state.active.get('a.tar.gz')).toEqual({ name: 'a.tar.gz', done: 60 * KiB, total: 100 * KiB });
  });

  it('totals from the listing, bytes from progress, finished files from file-done', () => {
    let now = 0;
    const state = new ProgressState(() => now);
    state.apply(link);
    expect(state.totalFiles).toBe(2);
    expect(state.totalBytes).toBe(150 * KiB);
    // A first run: the exact size is not known yet, the listing's KB stand for it.
    state.apply({
      type: 'file-start',
      file: 'b.tar.gz',
      path: '/d/b.tar.gz',
      totalBytes: null,
      sizeKB: 50,
      resumedBytes: 0,
    });
    expect(state.active.get('b.tar.gz')?.total).toBe(50 * KiB);
    now = 1000;
    state.apply({
      type: 'progress',
      file: 'b.tar.gz',
      bytes: 20 * KiB,
      totalBytes: 50 * KiB,
      transferredBytes: 20 * KiB,
    });
    expect(state.doneBytes).toBe(20 * KiB);
    expect(state.speed).toBe(20 * KiB);
    now = 2000;
    state.apply({
      type: 'file-done',
      file: 'b.tar.gz',
      path: '/d/b.tar.gz',
      bytes: 50 * KiB,
      md5: null,
      md5Verified: false,
      sha256: '0'.repeat(64),
      checksum: 'size-only',
      skipped: false,
      transferredBytes: 50 * KiB,
    });
    expect(state.active.size).toBe(0);
    expect(state.completedFiles).toBe(1);
    expect(state.doneBytes).toBe(50 * KiB);
    expect(state.eta()).toBe((100 * KiB) / state.speed);
  });
});
