/**
 * @dds-backup/client/mirror: node-only. `mirrorBackups({ client, dir, keep })` keeps a verified
 * off-cloud copy of every COMPLETED backup of some instances, in `{dir}/{instance_id}/{backup_id}/`,
 * with retention, built on the download engine.
 */
export type {
  BackupDoneEvent,
  BackupFailedEvent,
  BackupPlannedEvent,
  BackupSkippedEvent,
  BackupStartEvent,
  InstanceMissingEvent,
  MirrorEvent,
  PlanEvent,
  RemovedEvent,
  SummaryEvent,
  TaggedDownloadEvent,
} from './events.js';
export { backupFolder, isIntact, removeLocalCopy } from './local-copy.js';
export { type MirrorBackupOutcome, type MirrorOptions, type MirrorResult, mirrorBackups } from './mirror.js';
export {
  MIRROR_MANIFEST_NAME,
  type MirroredBackup,
  type MirroredBackupState,
  type MirroredFile,
  MirrorManifest,
  MirrorManifestError,
  type MirrorRunSummary,
} from './mirror-manifest.js';
export type { MirrorStore, S3MirrorSettings } from './mirror-store.js';
export { backupsToRemove, checkRetentionRules, type RetentionCandidate, type RetentionRules } from './retention.js';
