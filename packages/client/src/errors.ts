import { getErrorCode } from '@dds-backup/contract';
import { redact } from './redact.js';

/**
 * Base of every error this package throws. `retryable` says whether trying again later can
 * help; message, toString() and toJSON() never contain a secret (see redact.ts).
 */
export class DdsBackupError extends Error {
  override name = 'DdsBackupError';
  /** Stable machine-readable kind, e.g. `API_ERROR`, `NETWORK_ERROR`. */
  readonly kind: string = 'ERROR';
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }

  override toString(): string {
    return redact(`${this.name}: ${this.message}`);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
    };
    for (const [k, v] of Object.entries(this)) {
      if (k !== 'cause' && v !== undefined && typeof v !== 'function') out[k] = typeof v === 'string' ? redact(v) : v;
    }
    return out;
  }
}

/** The API answered with an error: HTTP status, Huawei `error_code`, message and request id. */
export class ApiError extends DdsBackupError {
  override name = 'ApiError';
  override readonly kind = 'API_ERROR';
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorMessage: string;
  readonly requestId: string | undefined;
  readonly operation: string;
  /** Seconds the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    operation: string;
    status: number;
    errorCode?: string | undefined;
    errorMessage?: string | undefined;
    requestId?: string | undefined;
    retryAfterSeconds?: number | undefined;
  }) {
    const known = init.errorCode ? getErrorCode(init.errorCode) : undefined;
    const retryable = known ? known.retryable : isRetryableStatus(init.status);
    const text = init.errorMessage ?? known?.messages['en-us'] ?? 'no error body';
    super(
      `${init.operation} failed: HTTP ${init.status}${init.errorCode ? ` ${init.errorCode}` : ''}: ${text}` +
        (init.requestId ? ` (request id ${init.requestId})` : ''),
      { retryable },
    );
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.errorMessage = redact(text);
    this.requestId = init.requestId;
    this.operation = init.operation;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** 401, or 403 from IAM/permission checks: the credentials are wrong, expired or not allowed. */
  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** The instance or the backup does not exist: the spec's `not-found` codes (404 DBS.200002, 400 DBS.201214). */
  get isNotFound(): boolean {
    const known = this.errorCode ? getErrorCode(this.errorCode) : undefined;
    return known ? known.notFound : this.status === 404 && !this.errorCode?.startsWith('APIGW');
  }
}

/**
 * The request never got an HTTP answer (DNS, refused, reset, TLS). Status 0, as Octokit does.
 * Retryable unless the failure is one a retry cannot fix (see NON_RETRYABLE_NETWORK_CODES):
 * then the CLI exits 1, never 5 with "run the same command again".
 */
export class NetworkError extends DdsBackupError {
  override name = 'NetworkError';
  override readonly kind = 'NETWORK_ERROR';
  readonly status = 0;
  /** The errno / Node error code of the cause (ECONNRESET, ERR_INVALID_URL...), when known. */
  readonly code: string | undefined;
  constructor(message: string, cause?: unknown, options: { retryable?: boolean; code?: string } = {}) {
    super(message, { retryable: options.retryable ?? true, cause });
    this.code = options.code;
  }
}

/**
 * Error codes of failures that no retry can cure: the request is wrong, not the network. The
 * general non-retryable mechanism: `toDdsError` makes a NetworkError with `retryable: false`
 * for a thrown error whose `code` (or its cause's) is in this set, or which carries
 * `retryable: false` itself. Transports add their own permanent failures here (TLS certificate
 * and hostname errors belong here too).
 */
export const NON_RETRYABLE_NETWORK_CODES: Set<string> = new Set([
  'ERR_INVALID_URL',
  'ERR_INVALID_PROTOCOL',
  'ERR_UNSUPPORTED_PROTOCOL',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_CHAR',
]);

/** One attempt took longer than the configured timeout. */
export class TimeoutError extends DdsBackupError {
  override name = 'TimeoutError';
  override readonly kind = 'TIMEOUT';
  constructor(message: string) {
    super(message, { retryable: true });
  }
}

/** The caller's AbortSignal fired. */
export class AbortError extends DdsBackupError {
  override name = 'AbortError';
  override readonly kind = 'ABORTED';
  constructor(message = 'The operation was aborted.') {
    super(message, { retryable: false });
  }
}

/** No usable credentials, or a credentials provider was misconfigured. Says what to set. */
export class CredentialsError extends DdsBackupError {
  override name = 'CredentialsError';
  override readonly kind = 'CREDENTIALS';
}

/** Options passed to createClient (or a call) are invalid. */
export class ConfigurationError extends DdsBackupError {
  override name = 'ConfigurationError';
  override readonly kind = 'CONFIGURATION';
}

/** The API answered 2xx with a body this client cannot use (e.g. a malformed link_expired_time). */
export class ResponseFormatError extends DdsBackupError {
  override name = 'ResponseFormatError';
  override readonly kind = 'RESPONSE_FORMAT';
}

/** An API answer larger than the client reads (16 MiB): refused, not parsed. Not retryable. */
export class ResponseTooLargeError extends DdsBackupError {
  override name = 'ResponseTooLargeError';
  override readonly kind = 'RESPONSE_TOO_LARGE';
  readonly status: number;
  readonly limitBytes: number;

  constructor(call: string, status: number, declaredBytes: number | undefined, limitBytes: number) {
    super(
      `${call}: the API answered HTTP ${status} with ${declaredBytes === undefined ? 'more than' : declaredBytes} bytes; ` +
        `answers over ${limitBytes / 1024 / 1024} MiB are refused unread (a DDS answer is a few KB). Check --endpoint: it is not the DDS API.`,
      { retryable: false },
    );
    this.status = status;
    this.limitBytes = limitBytes;
  }
}

/**
 * The server asked to wait (Retry-After) longer than the client waits at most
 * (`maxRetryAfterMs`, default 60 s): the retries stop at once, and the message says how long the
 * server asked for. Retryable: running the command again after that long can succeed (exit 5).
 */
export class RetryLaterError extends DdsBackupError {
  override name = 'RetryLaterError';
  override readonly kind = 'RETRY_LATER';
  readonly retryAfterSeconds: number;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;

  constructor(
    cause: DdsBackupError & { status?: number; errorCode?: string | undefined },
    retryAfterSeconds: number,
    maxWaitSeconds: number,
  ) {
    super(
      `${cause.message.replace(/\.?$/, '.')} The server asked to wait ${formatWait(retryAfterSeconds)} before trying again (Retry-After), ` +
        `longer than the ${formatWait(maxWaitSeconds)} this tool waits at most: run the same command again after that.`,
      { retryable: true, cause },
    );
    this.retryAfterSeconds = retryAfterSeconds;
    this.status = cause.status;
    this.errorCode = cause.errorCode;
  }
}

function formatWait(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** Statuses worth retrying when no error code says otherwise. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}
