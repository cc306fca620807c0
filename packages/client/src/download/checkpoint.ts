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
}

export interface CheckpointOptions {
  /** Checkpoint when a file has this many new bytes (bounds what a kill -9 loses per file). */
  bytes: number;
  /** ...or when this much time passed since the last checkpoint. */
  intervalMs: number;
}

/**
 * Persists download progress: snapshot each file's written ranges, fdatasync its .part, then
 * record the snapshot in the manifest. The order is what makes the manifest trustworthy after a
 * crash: it never lists bytes that were not on disk first. One checkpoint runs at a time.
 */
export class Checkpointer {
  private files = new Set<Checkpointable>();
  private running: Promise<void> | undefined;
  private again = false;
  private last = Date.now();
  /** The first background failure (disk full...), surfaced by the next `written()` or `flush()`. */
  failure: unknown;

  constructor(
    private readonly manifest: Manifest,
    private readonly options: CheckpointOptions,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  track(file: Checkpointable): void {
    this.files.add(file);
  }

  untrack(file: Checkpointable): void {
    this.files.delete(file);
  }

  /** Called after bytes reached a file; starts a checkpoint in the background when one is due. */
  written(file: Checkpointable, bytes: number): void {
    file.dirtyBytes += bytes;
    if (file.dirtyBytes >= this.options.bytes || Date.now() - this.last >= this.options.intervalMs) {
      this.run().catch(() => {});
    }
  }

  /** Checkpoints now and waits for it (used at file end, on abort and on failure). */
  async flush(): Promise<void> {
    await this.run();
    if (this.failure) throw this.failure;
  }

  private run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          this.last = Date.now();
          await this.once();
        } while (this.again);
      } catch (error) {
        this.failure ??= error;
        this.onFailure(error);
        throw error;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async once(): Promise<void> {
    const snapshots = [...this.files].map((f) => ({ f, ranges: f.ranges.toJSON(), dirty: f.dirtyBytes }));
    await Promise.all(snapshots.filter((s) => s.dirty > 0).map((s) => s.f.fh.datasync()));
    for (const { f, ranges, dirty } of snapshots) {
      f.entry.ranges = ranges;
      f.dirtyBytes -= dirty;
    }
    await this.manifest.save();
  }
}
