/**
 * @dds-backup/client/download: the node-only, resumable, verifying download engine.
 *
 * `downloadBackup({ client, instanceId, backupId, dir })` fetches every file of a backup into
 * `dir`. See download-backup.ts for options, events.ts for the events (NDJSON-ready), and
 * README.md in this directory for the on-disk contract (NAME.part, the manifest, decisions).
 * The lock, the progress file's name and the checksum helpers are internals.
 */

export { type AtomicWriteOptions, writeFileAtomic } from '../atomic-write.js';
export { Budget } from './budget.js';
export { type DownloadBackupOptions, type DownloadResult, downloadBackup, type StatFsLike } from './download-backup.js';
export {
  CorruptManifestError,
  DirectoryBusyError,
  EmptyBackupError,
  FileExistsError,
  IncompleteDownloadError,
  InsufficientSpaceError,
  InvalidLinkError,
  ListingChangedError,
  ObjectChangedError,
  ObjectResponseError,
  ObjectStorageError,
  UnsafeFileNameError,
  VerificationError,
  WriteError,
} from './errors.js';
export type {
  DoneEvent,
  DownloadEvent,
  FileDoneEvent,
  FileStartEvent,
  LinkEvent,
  ProgressEvent,
  RefreshEvent,
  RestartEvent,
  RetryEvent as DownloadRetryEvent,
} from './events.js';
export type { FileResult } from './file-download.js';
export { MANIFEST_NAME, PART_SUFFIX, printableName, unsafeNameReason } from './safe-name.js';
export { SIZE_ONLY } from './verify.js';
export { type VerifiedFile, type VerifyResult, verifyDownload } from './verify-download.js';
