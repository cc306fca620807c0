/**
 * @dds-backup/client/mirror: node-only. `mirrorBackups({ client, dir, keep })` keeps a verified
 * off-cloud copy of every COMPLETED backup of some instances, in `{dir}/{instance_id}/{backup_id}/`,
 * with retention, built on the download engine.
 *
 * The surface is deliberate (pinned by test/package-exports.test.ts): the run, its options,
 * events and result, and the mirror manifest a tool may read. The folder helpers, the store seam
 * and the retention planner are internals; tests import them from their modules.
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
export type { S3MirrorSettings } from './mirror-store.js';
export type { RetentionRules } from './retention.js';
