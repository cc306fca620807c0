/**
 * Events of a download, passed to `onEvent`. Every event is a plain JSON-serializable object
 * with a `type`, so the CLI can print one per line (NDJSON). No event carries a link's
 * Signature/AccessKeyId: URLs never appear in them. Sizes are bytes unless named `sizeKB`.
 *
 * - `link`: the API listed the backup's files (once per run).
 * - `file-start`: a file begins transferring (`resumedBytes` already on disk from an earlier run).
 * - `progress`: at most every `progressIntervalMs` per file while it transfers.
 * - `refresh`: download links were fetched again (`expired`: object storage said 403
 *   AccessDenied; `expiring`: a link was about to expire before a new request).
 * - `retry`: a range request failed and is tried again after `delayMs` (0 when the failed
 *   attempt had made progress: it resumes where it stopped).
 * - `restart`: a file is fetched again from byte 0 (`reason` says why: it changed on disk since
 *   it was downloaded, or the server ignored a Range on resume).
 * - `file-done`: a file is verified and in place (`skipped`: it already was, from an earlier run,
 *   checked by size and mtime; `rechecked`: re-hashed too). `checksum` says what the server let
 *   us verify: `md5`, or `size-only` (no checksum from the server; never called verified).
 * - `done`: all files are in place.
 */
export type DownloadEvent =
  | LinkEvent
  | FileStartEvent
  | ProgressEvent
  | RefreshEvent
  | RetryEvent
  | RestartEvent
  | FileDoneEvent
  | DoneEvent;

export interface LinkEvent {
  type: 'link';
  instanceId: string;
  backupId: string;
  bucket: string;
  files: { name: string; sizeKB: number; expiresAt: string; groupId?: string; groupName?: string }[];
}

export interface FileStartEvent {
  type: 'file-start';
  file: string;
  path: string;
  /** Exact size when known from an earlier run, else null (known after the first response). */
  totalBytes: number | null;
  sizeKB: number;
  resumedBytes: number;
}

export interface ProgressEvent {
  type: 'progress';
  file: string;
  /** Bytes of the file on disk (including resumed ones). */
  bytes: number;
  totalBytes: number | null;
  /** Bytes received by this run for this file. */
  transferredBytes: number;
}

export interface RefreshEvent {
  type: 'refresh';
  reason: 'expired' | 'expiring';
  /** The file whose request triggered the refresh. */
  file: string;
  /** Earliest expiry of the new links (ISO 8601). */
  expiresAt: string;
}

export interface RetryEvent {
  type: 'retry';
  file: string;
  /** Retry number for this range since its last progress (1 = first retry). */
  attempt: number;
  delayMs: number;
  /** Offset the retry resumes from. */
  offset: number;
  error: { name: string; kind: string; message: string; status?: number; code?: string };
}

export interface RestartEvent {
  type: 'restart';
  file: string;
  /** Why the bytes on disk are not used (a sentence). */
  reason: string;
}

export interface FileDoneEvent {
  type: 'file-done';
  file: string;
  path: string;
  bytes: number;
  /** Hex MD5 when the content was checked against a plain-MD5 ETag. */
  md5: string | null;
  md5Verified: boolean;
  /** Hex SHA-256 of the file on disk, as recorded in the manifest. */
  sha256: string;
  /** What the server's metadata let us verify: `md5`, or `size-only` (the server gives no checksum). */
  checksum: 'md5' | 'size-only';
  skipped: boolean;
  /** A skipped file re-hashed (`recheck`) and found unchanged. */
  rechecked?: boolean;
  transferredBytes: number;
}

export interface DoneEvent {
  type: 'done';
  files: number;
  skippedFiles: number;
  bytes: number;
  transferredBytes: number;
  durationMs: number;
}

/** The `done` event of a backup's files (disk or S3): counts and byte totals. */
export function backupDoneEvent(
  files: readonly { bytes: number; transferredBytes: number }[],
  skippedFiles: number,
  startedMs: number,
): DoneEvent {
  let bytes = 0;
  let transferredBytes = 0;
  for (const f of files) {
    bytes += f.bytes;
    transferredBytes += f.transferredBytes;
  }
  return {
    type: 'done',
    files: files.length,
    skippedFiles,
    bytes,
    transferredBytes,
    durationMs: Date.now() - startedMs,
  };
}

/** Calls the listener; a throwing listener must not break the download. */
export function emitter(onEvent: ((event: DownloadEvent) => void) | undefined): (event: DownloadEvent) => void {
  if (!onEvent) return () => {};
  return (event) => {
    try {
      onEvent(event);
    } catch {
      // A listener's bug is not a download failure.
    }
  };
}

/** The error part of a retry event (message already redacted by DdsBackupError). */
export function describeError(error: {
  name: string;
  message: string;
  kind?: string;
  status?: number;
  errorCode?: string | undefined;
}): RetryEvent['error'] {
  return {
    name: error.name,
    kind: error.kind ?? 'ERROR',
    message: error.message,
    ...(typeof error.status === 'number' ? { status: error.status } : {}),
    ...(error.errorCode ? { code: error.errorCode } : {}),
  };
}
