import { AbortError, CredentialsError, DdsBackupError, NetworkError } from '../errors.js';
import { TlsVerificationError, tlsFailureCode } from '../network/network-errors.js';

/** The S3 destination refused or failed an operation (a missing bucket, a refused key, a 4xx). */
export class S3DestinationError extends DdsBackupError {
  override name = 'S3DestinationError';
  override readonly kind = 'S3_DESTINATION';
  /** The S3 error code (`NoSuchBucket`, `AccessDenied`, ...) or the HTTP status. */
  readonly code: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, init: { code?: string; status?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(message, { retryable: init.retryable ?? false, cause: init.cause });
    this.code = init.code;
    this.status = init.status;
  }
}

/** The codes S3 (and MinIO, Ceph RGW, s3rver) give for a refused key or signature. */
const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AccessDenied',
  'CredentialsProviderError',
]);

/**
 * An AWS SDK failure as one of ours, with a message naming the operation, the bucket and what
 * to do. Never includes the request's headers or signature (the SDK's error message and code
 * are used, nothing else).
 */
export function toS3Error(error: unknown, what: string, bucket: string): DdsBackupError {
  if (error instanceof DdsBackupError) return error;
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'AbortError') return new AbortError();
  const code = e?.Code ?? e?.name;
  const status = e?.$metadata?.httpStatusCode;
  // A certificate the S3 endpoint (or the proxy) presents that is not trusted: no re-run cures it.
  const tlsCode = status === undefined ? tlsFailureCode(error) : undefined;
  if (tlsCode)
    return new TlsVerificationError(
      `the S3 endpoint (${what} in bucket ${bucket})`,
      tlsCode,
      e?.message ?? String(error),
      error,
    );
  if (code === 'CredentialsProviderError' || e?.name === 'CredentialsProviderError')
    return new CredentialsError(
      `No S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE with ~/.aws/credentials (${e.message ?? 'no provider gave credentials'}).`,
    );
  // A HEAD answer has no body to name the code: its 403 is the same refusal.
  if ((code !== undefined && AUTH_CODES.has(code)) || status === 403)
    return new CredentialsError(
      `S3 refused the credentials for ${what} in bucket ${bucket} (${status === 403 && !AUTH_CODES.has(code ?? '') ? 'HTTP 403' : code}). Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), that the key may write to this bucket, and the machine clock.`,
    );
  if (code === 'NoSuchBucket')
    return new S3DestinationError(
      `The bucket ${bucket} does not exist (${what}): create it, or check --to s3://BUCKET/..., --s3-endpoint and --s3-region.`,
      { code, status },
    );
  if (code === 'NoSuchUpload')
    return new S3DestinationError(
      `S3 ${what} in bucket ${bucket}: the multipart upload recorded for it no longer exists on the server (NoSuchUpload); it is started again from the first part.`,
      { code, status },
    );
  if (status === undefined || status >= 500 || status === 429 || code === 'SlowDown' || code === 'RequestTimeout')
    return status === undefined
      ? new NetworkError(`S3 ${what} in bucket ${bucket} failed: ${e?.message ?? String(error)}`, error)
      : new S3DestinationError(
          `S3 ${what} in bucket ${bucket} failed with HTTP ${status} (${code}): try again later.`,
          {
            code,
            status,
            retryable: true,
          },
        );
  return new S3DestinationError(
    `S3 ${what} in bucket ${bucket} failed with HTTP ${status} (${code}): ${e?.message ?? ''}`,
    {
      code,
      status,
    },
  );
}
