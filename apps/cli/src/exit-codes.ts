// The CLI's exit codes, in one place: the documented table (--help, docs/cli.md and the README are
// rendered from EXIT_CODES), the rule for each error `kind`, and the mirror's summary code. Every
// command returns or throws through these; test/exit-codes.test.ts checks that every error class
// @dds-backup/client exports maps to a documented code. Free of imports (command-table.ts
// re-exports EXIT_CODES, and `--help` must not load the client).

/** The documented exit codes by name: commands return these, never a bare number. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  AUTH: 3,
  NOT_FOUND: 4,
  RESUMABLE: 5,
  VERIFICATION: 6,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.OK, 'success'],
  [
    EXIT.FAILURE,
    'failure a re-run cannot fix by itself: refusing to write (unsafe file name, a file in the way, no space, a write error), a link that is not http(s), a TLS or URL error, a missing S3 bucket or an object of someone else under the key (--to), an API answer that is not what DDS gives, a backup with no files; the message says what to do',
  ],
  [EXIT.USAGE, 'usage error (a flag or its value)'],
  [
    EXIT.AUTH,
    'authentication or permission (also: no credentials configured, a proxy answering 407, S3 refusing the credentials of --to)',
  ],
  [EXIT.NOT_FOUND, 'instance or backup not found'],
  [
    EXIT.RESUMABLE,
    'incomplete but resumable (network gave up, too slow, a Retry-After longer than the wait cap, 5xx/429): run the same command again',
  ],
  [
    EXIT.VERIFICATION,
    'verification failed (size, MD5 or SHA-256 mismatch; with --require-checksum: a file the server gives no checksum for)',
  ],
  [EXIT.SIGINT, 'interrupted by Ctrl-C (SIGINT): state saved, lock released, resumable'],
  [EXIT.SIGTERM, 'stopped by SIGTERM (systemd, docker stop): state saved, lock released, resumable'],
];

/** What the rules read of an error: structural, so this module imports nothing. */
export interface ClassifiedError {
  name: string;
  kind?: string;
  retryable?: boolean;
  isAuthError?: boolean;
  isNotFound?: boolean;
}

type Rule = ExitCode | ((error: ClassifiedError, stop?: AbortSignal) => ExitCode);

/**
 * 5 means "a re-run resumes and can succeed": only errors that say so (`retryable`), so a failure
 * no retry can fix (a bad link scheme, an invalid URL, a TLS certificate error, a 4xx) is never 5.
 */
const resumableOrFailure = (error: ClassifiedError): ExitCode =>
  error.retryable === true ? EXIT.RESUMABLE : EXIT.FAILURE;

/**
 * The exit code of each error `kind` (DdsBackupError#kind). Refusing to write (an unsafe name, a
 * file in the way, no space, a write error) is 1, each with its own message: not a usage error.
 */
export const EXIT_CODE_BY_KIND = {
  // The CLI's own UsageError, createClient's ConfigurationError and the contract's UnknownRegionError.
  USAGE: EXIT.USAGE,
  CONFIGURATION: EXIT.USAGE,
  UNKNOWN_REGION: EXIT.USAGE,
  // A cancellation: 128 + the signal's number, as shells report it (bin.ts tags the reason).
  ABORTED: (_error, stop) =>
    (stop?.reason as { signal?: string } | undefined)?.signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT,
  CREDENTIALS: EXIT.AUTH,
  // A proxy asking for (other) credentials is an authentication problem too; a proxy that could
  // not reach the server may work later (resumable); other refusals are failures.
  PROXY: (error) => (error.isAuthError ? EXIT.AUTH : resumableOrFailure(error)),
  // ApiError, and ObjectStorageError (a refused download link) which extends it.
  API_ERROR: (error) => (error.isNotFound ? EXIT.NOT_FOUND : error.isAuthError ? EXIT.AUTH : resumableOrFailure(error)),
  VERIFICATION: EXIT.VERIFICATION,
  // Classes whose `retryable` depends on the failure (a 5xx, a reset, an unfinished file).
  NETWORK_ERROR: resumableOrFailure,
  TIMEOUT: resumableOrFailure,
  RETRY_LATER: resumableOrFailure,
  INCOMPLETE: resumableOrFailure,
  OBJECT_RESPONSE: resumableOrFailure,
  S3_DESTINATION: resumableOrFailure,
  RESPONSE_FORMAT: resumableOrFailure,
  // Classes that are never retryable: no re-run fixes them (TLS certificate and hostname
  // refusals, a link that is not http(s), refusing to write, a manifest that is not ours).
  TLS_VERIFICATION: EXIT.FAILURE,
  RESPONSE_TOO_LARGE: EXIT.FAILURE,
  LISTING_CHANGED: EXIT.FAILURE,
  INVALID_LINK: EXIT.FAILURE,
  EMPTY_BACKUP: EXIT.FAILURE,
  UNSAFE_FILE_NAME: EXIT.FAILURE,
  FILE_EXISTS: EXIT.FAILURE,
  DISK_SPACE: EXIT.FAILURE,
  WRITE: EXIT.FAILURE,
  CORRUPT_MANIFEST: EXIT.FAILURE,
  DIRECTORY_BUSY: EXIT.FAILURE,
  MIRROR_MANIFEST: EXIT.FAILURE,
  OBJECT_EXISTS: EXIT.FAILURE,
  // DdsBackupError itself.
  ERROR: resumableOrFailure,
} as const satisfies Record<string, Rule>;

export type ErrorKind = keyof typeof EXIT_CODE_BY_KIND;

/** Errors thrown by code outside the client carry no `kind`: their names stand for one. */
const KIND_OF_NAME: Readonly<Record<string, ErrorKind>> = {
  UsageError: 'USAGE',
  UnknownRegionError: 'UNKNOWN_REGION',
  // The platform's DOMException for an aborted fetch or stream.
  AbortError: 'ABORTED',
};

/** The `kind` the table knows an error by, if any. */
export function kindOf(error: ClassifiedError): ErrorKind | undefined {
  const kind = error.kind ?? KIND_OF_NAME[error.name];
  return kind !== undefined && Object.hasOwn(EXIT_CODE_BY_KIND, kind) ? (kind as ErrorKind) : undefined;
}

/** The exit code of an error, by its kind; an error of no known kind is 5 if it says so, else 1. */
export function exitCodeOf(error: ClassifiedError, stop?: AbortSignal): ExitCode {
  const kind = kindOf(error);
  const rule: Rule = kind === undefined ? resumableOrFailure : EXIT_CODE_BY_KIND[kind];
  return typeof rule === 'function' ? rule(error, stop) : rule;
}

/**
 * The exit code of a whole mirror run, from the exit codes of its failed backups (each as
 * exitCodeOf() gives it) and whether a named instance was missing. In this order, as the CLI
 * reference documents: 3 if authentication failed anywhere (nothing else can work until that is
 * fixed), else 6 if any verification failed, else 1 if any other failure, else 4 if a named
 * instance does not exist, else 5 if any backup is incomplete but resumable, else 0.
 */
export function mirrorExitCode(failures: readonly number[], missingInstance: boolean): ExitCode {
  if (failures.includes(EXIT.AUTH)) return EXIT.AUTH;
  if (failures.includes(EXIT.VERIFICATION)) return EXIT.VERIFICATION;
  // A backup that vanished while it was mirrored (4) or anything unexpected counts as a failure.
  if (failures.some((c) => c !== EXIT.RESUMABLE && c !== EXIT.OK)) return EXIT.FAILURE;
  if (missingInstance) return EXIT.NOT_FOUND;
  if (failures.includes(EXIT.RESUMABLE)) return EXIT.RESUMABLE;
  return EXIT.OK;
}
