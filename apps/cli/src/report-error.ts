import type { CliContext } from './context.js';

type AnyError = Error & {
  kind?: string;
  status?: number;
  errorCode?: string;
  requestId?: string;
  isAuthError?: boolean;
  isNotFound?: boolean;
  retryable?: boolean;
};

// Advice for the errors people meet most, keyed by Huawei error code.
const ADVICE: Record<string, string> = {
  'APIGW.0301':
    'The credentials were refused. Check the AK/SK pair (HUAWEICLOUD_SDK_AK/SK) or that a token is set, and that the machine clock is right (AK/SK signatures allow 15 minutes of skew).',
  'APIGW.0307':
    'The token expired or belongs to another region: get a new token for this region (tokens last 24 hours).',
  'DBS.280056': 'The token is invalid: get a new one.',
  'DBS.200604': 'The instance belongs to another account or project: check --project-id and the region.',
  'DBS.280032': 'Your IAM user lacks the permission dds:backup:download: ask an administrator to grant it.',
  'DBS.200002': 'No such instance in this project and region: check --instance-id, --region and --project-id.',
  'DBS.201214': 'No such backup for this instance: check --backup-id (and that the backup belongs to --instance-id).',
  'DBS.280443': 'Throttled by DDS: wait a little and run the command again.',
  'APIGW.0308': 'Throttled by the API gateway: wait a few seconds and run the command again.',
};

/** The exit code of an error, in one place (documented in --help and the README). */
export function exitCodeOf(error: AnyError): number {
  if (error.name === 'UsageError' || error.name === 'ConfigurationError' || error.name === 'UnknownRegionError')
    return 2;
  if (error.name === 'AbortError') return 130;
  if (error.name === 'CredentialsError') return 3;
  // A proxy asking for (other) credentials is an authentication problem too; a proxy that could
  // not reach the server may work later (resumable); TLS refusals fall through to 1.
  if (error.name === 'ProxyError') return error.isAuthError ? 3 : error.retryable ? 5 : 1;
  // ObjectStorageError (a refused download link) extends ApiError and answers alike.
  const api = error.name === 'ApiError' || error.name === 'ObjectStorageError';
  if (api && error.isNotFound) return 4;
  if (api && error.isAuthError) return 3;
  if (error.name === 'VerificationError') return 6;
  if (error.name === 'IncompleteDownloadError' || error.name === 'NetworkError' || error.name === 'TimeoutError')
    return 5;
  if (api && error.retryable) return 5;
  return 1;
}

/** Prints what happened and what to do (a stack trace only with --verbose); returns the exit code. */
export async function report(raw: unknown, context: CliContext, options: { verbose: boolean }): Promise<number> {
  const error = (raw instanceof Error ? raw : new Error(String(raw))) as AnyError;
  const code = exitCodeOf(error);
  // Client errors redact themselves; anything else goes through the same redaction on the way out.
  const { redact } = await import('@dds-backup/client');
  const lines = [`error: ${redact(error.message)}`];
  const advice = error.errorCode ? ADVICE[error.errorCode] : undefined;
  if (advice) lines.push(`hint: ${advice}`);
  else if (code === 3 && error.name === 'ApiError') lines.push('hint: check the credentials, region and project ID.');
  if (code === 5) lines.push('hint: nothing is lost; run the same command again to resume.');
  if (code === 130) lines.push('Interrupted: progress is saved; run the same command again to resume.');
  if (code === 2 && error.name === 'UsageError') lines.push('See `dds-backup --help`.');
  if (options.verbose && error.stack) lines.push(redact(error.stack));
  context.stderr.write(`${lines.join('\n')}\n`);
  return code;
}
