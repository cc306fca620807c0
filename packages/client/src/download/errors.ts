import { OBS_ERROR_CODES, OBS_LINK_EXPIRED_CODE } from '@dds-backup/contract';
import { ApiError, DdsBackupError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';

// Errors of the download engine. Each says what happened and what the user can do; none carries
// a link's Signature/AccessKeyId (DdsBackupError redacts every message). The CLI maps them to exit
// codes: ObjectStorageError via isAuthError/isNotFound like ApiError (3/4), VerificationError 6,
// anything `retryable` (IncompleteDownloadError: a re-run resumes) 5. The rest are failures (1),
// refusals to write included (UnsafeFileNameError, FileExistsError, InsufficientSpaceError,
// WriteError): they are not usage errors, and each says what to do.

/**
 * Object storage (OBS) answered a download request with an error. Extends ApiError so callers
 * can treat both alike: `isAuthError` for 403 (an expired link that refreshing did not cure,
 * `SignatureDoesNotMatch`), `isNotFound` for 404 `NoSuchKey`; 5xx/429 are retryable.
 * `errorCode` is the `<Code>` of OBS's XML error body.
 */
export class ObjectStorageError extends ApiError {
  override name = 'ObjectStorageError';
  /** The file whose link failed. */
  readonly file: string;

  constructor(init: {
    file: string;
    status: number;
    errorCode?: string | undefined;
    errorMessage?: string | undefined;
    requestId?: string | undefined;
    retryAfterSeconds?: number | undefined;
  }) {
    super({ ...init, operation: `Download of ${init.file}` });
    this.file = init.file;
  }

  /** 403 AccessDenied: S3/OBS's answer to an expired temporary link (refresh and retry). */
  get isExpiredLink(): boolean {
    return this.status === OBS_ERROR_CODES[OBS_LINK_EXPIRED_CODE].status && this.errorCode === OBS_LINK_EXPIRED_CODE;
  }
}

/** A downloaded file does not match what the server declared; it was not renamed into place. */
export class VerificationError extends DdsBackupError {
  override name = 'VerificationError';
  override readonly kind = 'VERIFICATION';
  readonly file: string;
  /** Which check failed. */
  readonly check: 'md5' | 'size-kb' | 'checksum' | 'sha256';
  readonly expected: string;
  readonly actual: string;

  constructor(init: {
    file: string;
    check: VerificationError['check'];
    expected: string;
    actual: string;
    detail?: string;
  }) {
    super(
      `${init.file} failed verification (${init.check}): expected ${init.expected}, got ${init.actual}.` +
        (init.detail ? ` ${init.detail}` : '') +
        (init.check === 'checksum'
          ? ''
          : ' The bad copy was left as .part and will be downloaded again from the start on the next run.'),
      { retryable: false },
    );
    this.file = init.file;
    this.check = init.check;
    this.expected = init.expected;
    this.actual = init.actual;
  }
}

/**
 * The API gave a download link that is not an absolute http(s) URL. Refused before any
 * connection; not retryable (exit 1): the answer, not the network, is wrong.
 */
export class InvalidLinkError extends DdsBackupError {
  override name = 'InvalidLinkError';
  override readonly kind = 'INVALID_LINK';
  readonly file: string;

  constructor(file: string, reason: string) {
    super(
      `Refusing the download link of ${JSON.stringify(file)}: ${reason}; only http: and https: links are fetched. ` +
        'No connection was made. DDS itself gives https links: check --endpoint (is it the real DDS API, or a mock you trust?).',
      { retryable: false },
    );
    this.file = file;
  }
}

/** The API lists no files for the backup: nothing could be downloaded, which is not a success. */
export class EmptyBackupError extends DdsBackupError {
  override name = 'EmptyBackupError';
  override readonly kind = 'EMPTY_BACKUP';
  readonly instanceId: string;
  readonly backupId: string;

  constructor(instanceId: string, backupId: string) {
    super(
      `The API lists no files for this backup (${backupId} of instance ${instanceId}): nothing was downloaded. ` +
        'Check that the backup finished (a backup still running or failed has no files), e.g. in the DDS console.',
      { retryable: false },
    );
    this.instanceId = instanceId;
    this.backupId = backupId;
  }
}

/**
 * The API's list of a backup's files changed between two calls of one download (files gone,
 * added, or another size). The run stops: what it fetched would mix two versions of the backup.
 */
export class ListingChangedError extends DdsBackupError {
  override name = 'ListingChangedError';
  override readonly kind = 'LISTING_CHANGED';
  /** One phrase per change, e.g. `a.tar no longer listed`. */
  readonly changes: string[];

  constructor(backupId: string, changes: string[]) {
    super(
      `The API's list of the files of backup ${backupId} changed during the download: ${changes.slice(0, 5).join('; ')}` +
        `${changes.length > 5 ? `; and ${changes.length - 5} more` : ''}. Files already complete stay in place; ` +
        'run the download again to fetch the backup as it is listed now.',
      { retryable: false },
    );
    this.changes = changes;
  }
}

// JSON.stringify escapes C0 controls but prints bidi overrides and zero-width characters as
// they are; these are escaped too in messages.
const HIDDEN_IN_JSON = /[\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\u0080-\u009f]/gu;
const escapeHidden = (c: string) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;

/** A file name from the server would escape the target directory (or is not a plain name). */
export class UnsafeFileNameError extends DdsBackupError {
  override name = 'UnsafeFileNameError';
  override readonly kind = 'UNSAFE_FILE_NAME';
  /** The name as the server sent it (JSON-quoted in the message so control characters show). */
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string) {
    super(
      `Refusing to download file ${JSON.stringify(file).replace(HIDDEN_IN_JSON, escapeHidden)}: ${reason}. Nothing was written.`,
      {
        retryable: false,
      },
    );
    this.file = file;
    this.reason = reason;
  }
}

/** Files not written by this tool (or changed since) are in the way. Nothing was overwritten. */
export class FileExistsError extends DdsBackupError {
  override name = 'FileExistsError';
  override readonly kind = 'FILE_EXISTS';
  readonly paths: string[];

  constructor(paths: string[], detail = 'not downloaded by dds-backup for this backup, or changed since') {
    super(
      `${paths.length === 1 ? 'A file already exists' : `${paths.length} files already exist`} (${detail}): ` +
        `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}. ` +
        'Pass --force (force: true) to overwrite, or choose another directory.',
      { retryable: false },
    );
    this.paths = paths;
  }
}

/** The target file system has less free space than the download needs. */
export class InsufficientSpaceError extends DdsBackupError {
  override name = 'InsufficientSpaceError';
  override readonly kind = 'DISK_SPACE';
  readonly dir: string;
  readonly neededBytes: number;
  readonly availableBytes: number;

  constructor(dir: string, neededBytes: number, availableBytes: number) {
    super(
      `Not enough free disk space in ${dir}: the download needs ${formatBytes(neededBytes)} (${neededBytes} bytes), ` +
        `${formatBytes(availableBytes)} (${availableBytes} bytes) are available. Free up space or choose another directory.`,
      { retryable: false },
    );
    this.dir = dir;
    this.neededBytes = neededBytes;
    this.availableBytes = availableBytes;
  }
}

/**
 * A transfer failed after its retries (network, stall, 5xx). Progress up to the failure is in
 * the manifest: running the same download again resumes it.
 */
export class IncompleteDownloadError extends DdsBackupError {
  override name = 'IncompleteDownloadError';
  override readonly kind = 'INCOMPLETE';
  readonly file: string;
  readonly resumable = true;

  constructor(file: string, cause: DdsBackupError) {
    super(`Download of ${file} stopped: ${cause.message} Progress is saved; run the same download again to resume.`, {
      retryable: true,
      cause,
    });
    this.file = file;
  }
}

/** The server's answer does not fit the request (wrong Content-Range, size changed mid-download). */
export class ObjectResponseError extends DdsBackupError {
  override name = 'ObjectResponseError';
  override readonly kind = 'OBJECT_RESPONSE';
  readonly file: string;

  constructor(file: string, message: string, options: { retryable?: boolean } = {}) {
    super(`${file}: ${message}`, { retryable: options.retryable ?? true });
    this.file = file;
  }
}

/**
 * Writing to (or reading back from) the target directory failed: disk full, permissions, a file
 * where a directory should be. Not retried. The message names the path and what to do; what is
 * already on disk is kept (a full disk is resumable once there is room).
 */
export class WriteError extends DdsBackupError {
  override name = 'WriteError';
  override readonly kind = 'WRITE';
  readonly path: string;
  /** The errno code (ENOSPC, EACCES, EROFS, ENOTDIR...), when there is one. */
  readonly code: string | undefined;

  constructor(path: string, cause: unknown, action: 'write' | 'read back' | 'create' = 'write') {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(`Cannot ${action} ${path}: ${code ?? (cause as Error)?.message ?? String(cause)}. ${writeRemedy(code)}`, {
      retryable: false,
      cause,
    });
    this.path = path;
    this.code = code;
  }
}

/** What to do about a file-system error, by errno code. */
function writeRemedy(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'The disk (or quota) is full: free up space, then run the same command again; what is on disk is kept and the download resumes from it.';
    case 'EACCES':
    case 'EPERM':
      return 'Permission denied: choose a directory you can write (--dir) or fix its permissions.';
    case 'EROFS':
      return 'The file system is read-only: choose a writable directory (--dir).';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'A file is in the way where a directory is needed: choose another --dir.';
    case 'EISDIR':
      return 'A directory is in the way where a file is needed: move it, or choose another --dir.';
    default:
      return 'Check the disk and the directory, then run the same command again.';
  }
}

/**
 * The object's size or ETag changed since its first bytes were fetched (in this run or an
 * earlier one): the bytes on disk belong to another version. The file restarts on the next run.
 */
export class ObjectChangedError extends ObjectResponseError {
  override name = 'ObjectChangedError';

  constructor(file: string, detail: string) {
    super(
      file,
      `the object changed since its download started (${detail}); it will be downloaded from the start on the next run.`,
      {
        retryable: false,
      },
    );
  }
}

/**
 * The server answered a ranged GET (a resume, or a segment) with 200 and the whole object. The
 * engine then restarts that file from byte 0 in one stream (a `restart` event); only a second
 * time in one run is it an error.
 */
export class RangeIgnoredError extends ObjectResponseError {
  override name = 'RangeIgnoredError';

  constructor(file: string, range: string) {
    super(file, `the server ignored Range ${range} and sent the whole object (HTTP 200)`, { retryable: false });
  }
}

/** The directory's manifest cannot be read. Nothing was changed. */
export class CorruptManifestError extends DdsBackupError {
  override name = 'CorruptManifestError';
  override readonly kind = 'CORRUPT_MANIFEST';
  readonly path: string;

  constructor(path: string, reason: string) {
    super(
      `Cannot use the download manifest ${path}: ${reason}. It records which files in that directory this tool wrote ` +
        'and how far each got, so nothing was touched. Restore it, or move it away to start over (files already ' +
        'there are then not known as ours: pass --force to overwrite them, or choose another --dir).',
      { retryable: false },
    );
    this.path = path;
  }
}

/** Another download is using the target directory. Nothing was touched. */
export class DirectoryBusyError extends DdsBackupError {
  override name = 'DirectoryBusyError';
  override readonly kind = 'DIRECTORY_BUSY';
  readonly dir: string;
  /** `pid@host` of the process holding the directory. */
  readonly owner: string;

  constructor(dir: string, owner: string) {
    super(
      `Another dds-backup download (${owner}) is using ${dir}. Wait for it to finish, or stop it; ` +
        'if no such process exists any more, delete the .dds-backup-lock file in that directory.',
      { retryable: false },
    );
    this.dir = dir;
    this.owner = owner;
  }
}
