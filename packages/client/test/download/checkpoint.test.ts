// The Checkpointer as a unit, on a real Manifest in a temp directory and file handles whose
// fdatasync the test controls (pending until released, or failing). What it guards: records
// carry the boot id and reach the progress file synchronously, even while an fdatasync is still
// pending (issue #15: records that queued behind data writes and fdatasyncs made a kill -9
// re-fetch 3-17%); syncedRanges only ever name bytes an fdatasync covered; nothing older
// overwrites something newer; failures surface. End to end: kill-resume, boot-id, disk-full.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Checkpointable, Checkpointer, type CheckpointOptions } from '../../src/download/checkpoint.js';
import {
  entryKey,
  Manifest,
  type ManifestEntry,
  PROGRESS_NAME,
  readProgressFile,
} from '../../src/download/manifest.js';
import { MANIFEST_NAME } from '../../src/download/safe-name.js';
import { RangeSet } from '../../src/download/segments.js';

const BOOT = 'boot-A';
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A file handle whose datasync() the test resolves or rejects; counts calls. */
function controlledHandle() {
  const pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let auto = false;
  const fh = {
    calls: 0,
    datasync: () => {
      fh.calls++;
      if (auto) return Promise.resolve();
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
  return {
    fh,
    handle: fh as unknown as FileHandle,
    /** Resolves every pending datasync, and from now on answers at once. */
    release: () => {
      auto = true;
      for (const p of pending.splice(0)) p.resolve();
    },
    /** Resolves the oldest pending datasync only. */
    resolveOne: () => pending.shift()?.resolve(),
    fail: (error: unknown) => {
      for (const p of pending.splice(0)) p.reject(error);
    },
    pending: () => pending.length,
  };
}

async function setup(options: Partial<CheckpointOptions> = {}, boot: string | null = BOOT) {
  const bootId = boot ?? undefined;
  dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
  const manifest = await Manifest.load(dir, bootId);
  const failures: unknown[] = [];
  const checkpointer = new Checkpointer(
    manifest,
    { bytes: 100, intervalMs: 60_000, syncBytes: 1000, bootId, ...options },
    (e) => failures.push(e),
  );
  const file = (name: string, entry: Partial<ManifestEntry> = {}) => {
    const h = controlledHandle();
    const e: ManifestEntry = { instanceId: 'i1', backupId: 'b1', name, sizeKB: 4, state: 'partial', ...entry };
    manifest.set(e);
    const f: Checkpointable = { fh: h.handle, ranges: new RangeSet(e.ranges ?? []), entry: e, dirtyBytes: 0 };
    /** Bytes [start, end) reached the file: what FileDownload.written does. */
    const write = (start: number, end: number) => {
      f.ranges.add(start, end);
      checkpointer.written(f, end - start);
    };
    return { f, h, e, write };
  };
  return { manifest, checkpointer, failures, file };
}

const key = (name: string) => entryKey('i1', 'b1', name);
/** The manifest proper or the progress file's newest record, as a resume would read it. */
async function readState(name: string): Promise<{ files: Record<string, ManifestEntry>; bootId?: string } | undefined> {
  if (name === PROGRESS_NAME) return readProgressFile(join(dir, name));
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch {
    return undefined;
  }
}

describe('Checkpointer records', () => {
  it('writes the ranges with the boot id to the progress file before written() returns', async () => {
    const { checkpointer, file } = await setup();
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 50);
    // Not due yet (50 < 100 bytes): nothing recorded.
    expect(await readState(PROGRESS_NAME)).toBeUndefined();
    a.write(50, 120);
    // Copied synchronously (no await between the write and the copy), then parsed.
    copyFileSync(join(dir, PROGRESS_NAME), join(dir, 'copy'));
    const progress = (await readProgressFile(join(dir, 'copy')))!;
    expect(progress.bootId).toBe(BOOT);
    expect(progress.files[key('a')]).toMatchObject({ ranges: [[0, 120]], bootId: BOOT, syncedRanges: [] });
    // Recording is not syncing: no fdatasync, no durable manifest.
    expect(a.h.fh.calls).toBe(0);
    expect(await readState(MANIFEST_NAME)).toBeUndefined();
  });

  it('records while an fdatasync is still pending, and the sync then records only what it covered', async () => {
    const { checkpointer, file } = await setup();
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 1000); // reaches syncBytes: a sync starts, its fdatasync hangs
    expect(a.h.pending()).toBe(1);
    a.write(1000, 1500);
    a.write(1500, 1700);
    // The record of [0, 1700) is on disk although the fdatasync of [0, 1000) has not returned.
    expect((await readState(PROGRESS_NAME))!.files[key('a')]).toMatchObject({ ranges: [[0, 1700]], syncedRanges: [] });
    expect(await readState(MANIFEST_NAME)).toBeUndefined();

    a.h.release();
    await checkpointer.flush();
    const durable = (await readState(MANIFEST_NAME))!.files[key('a')]!;
    expect(durable.ranges).toEqual([[0, 1700]]);
    // flush synced the rest: everything written is now synced.
    expect(durable.syncedRanges).toEqual([[0, 1700]]);
    expect(a.h.fh.calls).toBe(2);
  });

  it('an older snapshot never overwrites a newer record: ranges recorded during a sync stay', async () => {
    const { checkpointer, file } = await setup();
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 1000); // sync of the snapshot [0, 1000) hangs
    a.write(1000, 1200); // recorded: [0, 1200)
    a.h.release();
    // Let the background sync finish (its snapshot is [0, 1000)), without a flush.
    await new Promise((r) => setTimeout(r, 50));
    expect(a.e.syncedRanges).toEqual([[0, 1000]]);
    expect(a.e.ranges).toEqual([[0, 1200]]);
    for (const state of [(await readState(PROGRESS_NAME))!, (await readState(MANIFEST_NAME))!])
      expect(state.files[key('a')]).toMatchObject({ ranges: [[0, 1200]], syncedRanges: [[0, 1000]] });
  });

  it('a file restarted from byte 0 during a sync does not get the dropped bytes as syncedRanges', async () => {
    const { checkpointer, file } = await setup();
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 1000); // sync of [0, 1000) hangs
    // What FileDownload.restartFromZero does: a new, empty RangeSet, nothing synced.
    a.f.ranges = new RangeSet();
    a.e.ranges = [];
    delete a.e.syncedRanges;
    a.h.release();
    await checkpointer.flush();
    expect(a.e.syncedRanges ?? []).toEqual([]);
    expect((await readState(MANIFEST_NAME))!.files[key('a')]!.syncedRanges ?? []).toEqual([]);
  });
});

describe('Checkpointer syncs', () => {
  it('fdatasyncs a file once it has syncBytes unsynced, then records its syncedRanges durably', async () => {
    const { checkpointer, file } = await setup();
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 999);
    expect(a.h.fh.calls).toBe(0);
    a.write(999, 1000);
    expect(a.h.fh.calls).toBe(1);
    // Not recorded as synced before the fdatasync returned.
    expect(a.e.syncedRanges).toEqual([]);
    a.h.release();
    await new Promise((r) => setTimeout(r, 50));
    expect((await readState(MANIFEST_NAME))!.files[key('a')]).toMatchObject({
      ranges: [[0, 1000]],
      syncedRanges: [[0, 1000]],
      bootId: BOOT,
    });
  });

  it('flush syncs every file with unsynced bytes, and only those', async () => {
    const { checkpointer, file } = await setup();
    const [a, b, c] = [file('a'), file('b'), file('c')];
    for (const x of [a, b, c]) {
      x.h.release();
      checkpointer.track(x.f);
    }
    a.write(0, 10);
    b.write(100, 300);
    await checkpointer.flush();
    expect([a.h.fh.calls, b.h.fh.calls, c.h.fh.calls]).toEqual([1, 1, 0]);
    const files = (await readState(MANIFEST_NAME))!.files;
    expect(files[key('a')]).toMatchObject({ ranges: [[0, 10]], syncedRanges: [[0, 10]] });
    expect(files[key('b')]).toMatchObject({ ranges: [[100, 300]], syncedRanges: [[100, 300]] });
    expect(files[key('c')]).toMatchObject({ ranges: [], syncedRanges: [] });
  });

  it('a resumed entry recorded in this boot but never synced is synced before it is called synced', async () => {
    const { checkpointer, file } = await setup();
    // Left by a killed run of this boot: ranges recorded, nothing fdatasync'ed.
    const a = file('a', { ranges: [[0, 500]], bootId: BOOT });
    a.h.release();
    checkpointer.track(a.f);
    const b = file('b');
    b.h.release();
    checkpointer.track(b.f);
    b.write(0, 100); // a record of both, and a's ranges are not claimed synced
    expect((await readState(PROGRESS_NAME))!.files[key('a')]).toMatchObject({ ranges: [[0, 500]], syncedRanges: [] });
    await checkpointer.flush();
    expect(a.h.fh.calls).toBe(1);
    expect((await readState(MANIFEST_NAME))!.files[key('a')]!.syncedRanges).toEqual([[0, 500]]);
  });

  it('without a boot id every checkpoint is a sync: no progress file, ranges only as synced', async () => {
    const { checkpointer, file } = await setup({}, null);
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 100);
    expect(a.h.fh.calls).toBe(1);
    expect(await readState(PROGRESS_NAME)).toBeUndefined();
    a.write(100, 150); // lands during the sync: not in its snapshot (a second sync is queued)
    a.h.resolveOne();
    await new Promise((r) => setTimeout(r, 50));
    expect(a.h.pending()).toBe(1);
    const entry = (await readState(MANIFEST_NAME))!.files[key('a')]!;
    expect(entry).toMatchObject({ ranges: [[0, 100]], syncedRanges: [[0, 100]] });
    expect(entry.bootId).toBeUndefined();
    a.h.release();
    await checkpointer.flush();
    expect((await readState(MANIFEST_NAME))!.files[key('a')]).toMatchObject({
      ranges: [[0, 150]],
      syncedRanges: [[0, 150]],
    });
    expect(await readState(PROGRESS_NAME)).toBeUndefined();
  });
});

describe('Checkpointer failures', () => {
  it('a failed background fdatasync stops the run (onFailure) and is thrown by the next flush', async () => {
    const { checkpointer, failures, file } = await setup();
    const a = file('a');
    checkpointer.track(a.f);
    a.write(0, 1000);
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    a.h.fail(eio);
    await new Promise((r) => setTimeout(r, 20));
    expect(failures).toEqual([eio]);
    // Never recorded as synced.
    expect(a.e.syncedRanges).toEqual([]);
    expect(await readState(MANIFEST_NAME)).toBeUndefined();
    a.h.release();
    await expect(checkpointer.flush()).rejects.toBe(eio);
  });

  it('a failed record is thrown by the next flush (the data write, failing too, keeps its own error)', async () => {
    const { checkpointer, failures, file } = await setup();
    const a = file('a');
    a.h.release();
    checkpointer.track(a.f);
    // The progress file cannot be opened for writing: a directory is in its place.
    mkdirSync(join(dir, PROGRESS_NAME));
    a.write(0, 100);
    expect(failures).toEqual([]);
    const error = await checkpointer.flush().catch((e) => e);
    expect(error).toMatchObject({ name: 'WriteError', path: join(dir, PROGRESS_NAME) });
    expect(failures).toEqual([]);
  });
});
