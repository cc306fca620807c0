import type { DownloadEvent } from '../download/events.js';

/**
 * Events of a mirror run, passed to `onEvent`: plain JSON objects with a `type`, printed one per
 * line by `dds-backup mirror --json`. Backup-level events name the instance and the backup;
 * the download engine's events (see ../download/events.ts) come through with `instanceId` and
 * `backupId` added. None carries a URL.
 *
 * - `instance-missing`: a `--instance-id` the project does not have (exit 4 unless worse).
 * - `plan`: what the run is about to download (before the first download starts).
 * - `backup-skipped`: not downloaded: `verified` (an earlier run verified it and its files still
 *   have their size and mtime; no API call was made for it), `not-completed` (BUILDING or
 *   another status: nothing to copy yet, or ever) or `retention` (older than what --keep and
 *   --keep-days keep: it would be removed at once).
 * - `backup-planned`: `--dry-run` only: would be downloaded.
 * - `backup-start`: its download begins (`resumed`: an earlier run left part of it).
 * - `backup-done`: every file complete, size checked, SHA-256 recorded.
 * - `backup-failed`: the backup failed; the mirror goes on with the others.
 * - `removed`: retention deleted a copy (`dryRun`: would delete it).
 * - `summary`: the run's counts, last.
 */
export type MirrorEvent =
  | InstanceMissingEvent
  | PlanEvent
  | BackupSkippedEvent
  | BackupPlannedEvent
  | BackupStartEvent
  | BackupDoneEvent
  | BackupFailedEvent
  | RemovedEvent
  | SummaryEvent
  | TaggedDownloadEvent;

/** A download engine event of one backup. */
export type TaggedDownloadEvent = DownloadEvent & { instanceId: string; backupId: string };

export interface InstanceMissingEvent {
  type: 'instance-missing';
  instanceId: string;
}

export interface PlanEvent {
  type: 'plan';
  /** Backups to download (or, in a dry run, that would be). */
  download: number;
  /** Their size as the API lists it, in KB. */
  sizeKB: number;
  skipped: number;
  pending: number;
}

interface BackupRef {
  instanceId: string;
  backupId: string;
  /** The backup's folder, relative to the mirror directory. */
  dir: string;
  /** The backup's end time (ISO 8601 UTC). */
  endTime: string;
}

export interface BackupSkippedEvent extends BackupRef {
  type: 'backup-skipped';
  reason: 'verified' | 'not-completed' | 'retention';
  /** The backup's status as the API lists it. */
  status: string;
}

export interface BackupPlannedEvent extends BackupRef {
  type: 'backup-planned';
  sizeKB: number;
}

export interface BackupStartEvent extends BackupRef {
  type: 'backup-start';
  sizeKB: number;
  /** An earlier run started this backup (its engine manifest resumes it). */
  resumed: boolean;
}

export interface BackupDoneEvent extends BackupRef {
  type: 'backup-done';
  files: number;
  bytes: number;
  transferredBytes: number;
  /** Files checked against the server's MD5 too. */
  md5Files: number;
  /** Files the server gives no checksum for: size checked, SHA-256 recorded. */
  sizeOnlyFiles: number;
  durationMs: number;
}

export interface BackupFailedEvent extends BackupRef {
  type: 'backup-failed';
  /** A rerun resumes it (network, throttling, interrupted); else it failed (verification, auth...). */
  resumable: boolean;
  error: { name: string; kind: string; message: string; status?: number; code?: string };
}

export interface RemovedEvent extends BackupRef {
  type: 'removed';
  /** `--dry-run`: not deleted, would be. */
  dryRun: boolean;
  /** Files not made by the mirror were in the folder: they and the folder were left. */
  keptFolder: boolean;
}

export interface SummaryEvent {
  type: 'summary';
  dryRun: boolean;
  new: number;
  skipped: number;
  excluded: number;
  failed: number;
  incomplete: number;
  pending: number;
  removed: number;
  missingInstances: string[];
  durationMs: number;
}
