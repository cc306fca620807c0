import type { FileHandle } from 'node:fs/promises';
import type { Manifest, ManifestEntry } from './manifest.js';
import type { RangeSet } from './segments.js';

/** A file being written, as the checkpointer sees it. */
export interface Checkpointable {
  fh: FileHandle;
  ranges: RangeSet;
  entry: ManifestEntry;
  /** Bytes written since the last checkpoint. */
  dirtyBytes: number;
  /** Bytes written since the last fdatasync. */
  unsyncedBytes?: number;
}

export interface CheckpointOptions {
  /** Checkpoint when a file has this many new bytes (bounds what a kill -9 loses per file). */
  bytes: number;
  /** ...or when this much time passed since the last checkpoint. */
  intervalMs: number;
  /** fdatasync a file (and record its synced ranges) once it has this many unsynced bytes. */
  syncBytes: number;
  /** The machine's boot id, recorded with the ranges (undefined: every checkpoint syncs). */
  bootId: string | undefined;
}

/**
 * Persists download progress in two tiers. A record (`checkpointBytes` of new bytes in a file,
 * or `intervalMs`) writes each file's written ranges with the machine's boot id to the progress
 * file, synchronously, from `written()` itself: after a kill -9 (same boot) the page cache still
 * holds those bytes, so a resume trusts them. The record never waits behind a data write or an
 * fdatasync in libuv's thread pool; when it did (an asynchronous save), records came late and
 * far apart and a kill -9 re-fetched 3-17% of a 1.5 GiB file (bench: resume-cost). Every
 * `syncBytes` per file (and at flush), in the background, the .part is fdatasync'ed and the
 * ranges it held before are recorded as `syncedRanges`, the only ranges trusted after a reboot,
 * and the manifest proper is saved durably. So the manifest never makes a resume trust bytes
 * that may not be on disk, while the disk is synced every few tens of MiB instead of every
 * record (measured: syncing every 8 MiB cost about a third of the throughput). One sync runs at
 * a time. Without a boot id nothing unsynced can be trusted: every checkpoint is a sync.
 */
export class Checkpointer {
  private files = new Set<Checkpointable>();
  private syncing: Promise<void> | undefined;
  private again = false;
  private syncAll = false;
  /** Flushes waiting: they throw a failure to their caller, so it is not reported at once. */
  private flushing = 0;
  private last = Date.now();
  /** The first failure (disk full...), surfaced by the next `flush()`. */
  failure: unknown;

  constructor(
    private readonly manifest: Manifest,
    private readonly options: CheckpointOptions,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /**
   * Starts checkpointing a file. Ranges an earlier run of this boot recorded but never synced
   * (a resumed entry whose `syncedRanges` fall short of its `ranges`) count as unsynced, so the
   * next sync covers them; before, an entry without `syncedRanges` was marked fully synced at
   * the first checkpoint that found no new bytes in it, without any fdatasync.
   */
  track(file: Checkpointable): void {
    const e = file.entry;
    if (e.syncedRanges === undefined) {
      // Version 1 entries and entries of runs without a boot id were synced at every checkpoint.
      if (e.bootId === undefined) e.syncedRanges = file.ranges.toJSON();
      else e.syncedRanges = [];
    }
    const synced = e.syncedRanges.reduce((n, [s, end]) => n + (end - s), 0);
    file.unsyncedBytes = (file.unsyncedBytes ?? 0) + Math.max(0, file.ranges.size - synced);
    this.files.add(file);
  }

  untrack(file: Checkpointable): void {
    this.files.delete(file);
  }

  /**
   * Called after bytes reached a file (the page cache): records progress at once when due and
   * starts a sync in the background when one is due. Never throws: a failure is thrown by the
   * next `flush()` (a failed background sync is also reported to `onFailure` at once).
   */
  written(file: Checkpointable, bytes: number): void {
    file.dirtyBytes += bytes;
    file.unsyncedBytes = (file.unsyncedBytes ?? 0) + bytes;
    const due = file.dirtyBytes >= this.options.bytes || Date.now() - this.last >= this.options.intervalMs;
    if (this.options.bootId === undefined) {
      if (due) this.sync().catch(() => {});
      return;
    }
    if (due) this.record();
    if (file.unsyncedBytes >= this.options.syncBytes) this.sync().catch(() => {});
  }

  /** Syncs every file with unsynced bytes, records, and waits for it (file end, abort, failure). */
  async flush(): Promise<void> {
    this.syncAll = true;
    this.flushing++;
    try {
      await this.sync().catch(() => {});
    } finally {
      this.flushing--;
    }
    if (this.failure) throw this.failure;
  }

  /** The synchronous tier: every tracked file's ranges, with the boot id, to the progress file. */
  private record(): void {
    this.last = Date.now();
    for (const f of this.files) {
      f.entry.ranges = f.ranges.toJSON();
      f.entry.bootId = this.options.bootId;
      f.dirtyBytes = 0;
    }
    try {
      this.manifest.recordProgress();
    } catch (error) {
      // Kept for the next flush, not reported at once: on a full disk the data write that fails
      // next names the .part (the error to show), and any other failure recurs in the durable
      // save of the next sync (every `syncBytes`), which stops the run.
      this.failure ??= error;
    }
  }

  /** Runs a sync, or one more after the one in flight (coalesced). */
  private sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          await this.syncOnce();
        } while (this.again);
      } catch (error) {
        this.failure ??= error;
        // A background sync nobody waits for stops the run; a flush's caller decides (a file
        // already failing keeps its own error: the data write naming the .part, on a full disk).
        if (this.flushing === 0) this.onFailure(error);
        throw error;
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const bootId = this.options.bootId;
    const syncAll = this.syncAll || bootId === undefined;
    this.syncAll = false;
    this.last = Date.now();
    const snapshots = [...this.files].map((f) => {
      const unsynced = f.unsyncedBytes ?? 0;
      return {
        f,
        set: f.ranges,
        ranges: f.ranges.toJSON(),
        dirty: f.dirtyBytes,
        unsynced,
        sync: unsynced > 0 && (syncAll || unsynced >= this.options.syncBytes),
      };
    });
    await Promise.all(snapshots.filter((s) => s.sync).map((s) => s.f.fh.datasync()));
    for (const { f, set, ranges, dirty, unsynced, sync } of snapshots) {
      // A file that ended meanwhile (complete, or failed and recorded) keeps what it recorded;
      // one restarted from byte 0 meanwhile (a new RangeSet, truncated) must not get the
      // snapshot of the bytes it dropped as `syncedRanges`.
      if (!this.files.has(f) || f.ranges !== set) continue;
      if (sync) {
        f.entry.syncedRanges = ranges;
        f.unsyncedBytes = (f.unsyncedBytes ?? 0) - unsynced;
      }
      if (bootId === undefined) {
        // Only what was synced may be recorded: the snapshot taken before the fdatasync.
        f.entry.ranges = ranges;
        delete f.entry.bootId;
        f.dirtyBytes -= dirty;
      } else {
        // Recorded with the boot id: everything in the page cache now, newer than the snapshot.
        f.entry.ranges = f.ranges.toJSON();
        f.entry.bootId = bootId;
        f.dirtyBytes = 0;
      }
    }
    await this.manifest.save(bootId === undefined || snapshots.some((s) => s.sync));
  }
}
