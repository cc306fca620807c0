import type { DownloadEvent } from '@dds-backup/client/download';

interface FileState {
  name: string;
  done: number;
  total: number;
}

/**
 * Folds engine events into what a progress display needs: per active file and overall bytes,
 * and a speed over the last few seconds (so a stall shows as a falling speed, not an average).
 */
export class ProgressState {
  readonly active = new Map<string, FileState>();
  completedFiles = 0;
  totalFiles = 0;
  totalBytes = 0;
  private finishedBytes = 0;
  private samples: Array<[number, number]> = [];

  constructor(private readonly now: () => number = Date.now) {}

  apply(event: DownloadEvent): void {
    switch (event.type) {
      case 'link': {
        this.totalFiles = event.files.length || this.totalFiles;
        const sum = event.files.reduce((s, f) => s + f.sizeKB * 1024, 0);
        if (sum > 0) this.totalBytes = sum;
        break;
      }
      case 'file-start':
        // A resumed file starts with its bytes from the earlier run, not at 0 until its first progress event.
        this.active.set(event.file, {
          name: event.file,
          done: event.resumedBytes,
          total: event.totalBytes ?? event.sizeKB * 1024,
        });
        break;
      case 'progress': {
        const f = this.active.get(event.file);
        if (f) {
          f.done = event.bytes;
          f.total = event.totalBytes ?? f.total;
        }
        break;
      }
      case 'file-done': {
        this.finishedBytes += event.bytes;
        this.active.delete(event.file);
        this.completedFiles++;
        break;
      }
    }
    this.sample();
  }

  get doneBytes(): number {
    let sum = this.finishedBytes;
    for (const f of this.active.values()) sum += f.done;
    return sum;
  }

  private sample(): void {
    const t = this.now();
    this.samples.push([t, this.doneBytes]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > 5000) this.samples.shift();
  }

  /** Bytes per second over the last ~5 s. */
  get speed(): number {
    this.sample();
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const dt = (last[0] - first[0]) / 1000;
    return dt > 0 ? Math.max(0, (last[1] - first[1]) / dt) : 0;
  }

  /** Seconds left at the current speed, or undefined when unknown. */
  eta(speed = this.speed): number | undefined {
    if (speed <= 0 || this.totalBytes <= 0) return undefined;
    return Math.max(0, (this.totalBytes - this.doneBytes) / speed);
  }
}
