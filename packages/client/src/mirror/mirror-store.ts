import type { S3Settings } from '../destination/s3-download-backup.js';
import type { Budget } from '../download/budget.js';
import type { DownloadEvent } from '../download/events.js';
import type { MirroredBackup, MirroredFile } from './mirror-manifest.js';

/**
 * Where a mirror keeps its copies: a directory (mirror.ts's diskStore) or an S3 bucket
 * (destination/s3-mirror-store.ts). The mirror's logic (listing, skip, retention, manifest,
 * lock) is the same for both; only these five operations differ.
 */
export interface MirrorStore {
  /** What the user named: the directory, or `s3://BUCKET/PREFIX`. */
  display: string;
  /** The local directory of the mirror's lock and manifest. */
  stateDir: string;
  /** Before the lock: creates the mirror directory (a bucket must already exist). */
  prepare(): Promise<void>;
  /** The cheap check that lets a run skip a verified backup (no API call). */
  isIntact(record: MirroredBackup): Promise<boolean>;
  /** Copies one backup, verified; its files as the manifest records them. */
  copy(
    job: { instanceId: string; backupId: string; dir: string; recorded: boolean },
    run: { budget: Budget; signal?: AbortSignal; onEvent: (event: DownloadEvent) => void },
  ): Promise<{ result: { bytes: number; transferredBytes: number }; files: MirroredFile[] }>;
  /** Removes exactly what the record lists and the mirror wrote; `keptFolder`: something else stayed. */
  remove(record: MirroredBackup): Promise<{ keptFolder: boolean }>;
  close?(): void | Promise<void>;
}

/** How an S3 mirror reaches its bucket (`mirrorBackups({ to: 's3://...', s3 })`). */
export interface S3MirrorSettings extends S3Settings {
  /** Preferred part size in bytes (default 16 MiB). */
  partSize?: number;
  /** Environment for the state directory (default process.env). */
  env?: Record<string, string | undefined>;
  /** The directory of the lock and manifest (default `$XDG_STATE_HOME/dds-backup/s3/mirror-BUCKET-HASH`). */
  stateDir?: string;
  /** The multipart resume state (default as `downloadBackupToS3`). */
  statePath?: string;
}
