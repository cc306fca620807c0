import { type ErrorCode, isErrorCode, signing, TOKEN_LIFETIME_SECONDS } from '@dds-backup/contract';
import type { CliContext } from './context.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

export { exitCodeOf } from './exit-codes.js';

type AnyError = Error & {
  kind?: string;
  status?: number;
  errorCode?: string;
  requestId?: string;
  isAuthError?: boolean;
  isNotFound?: boolean;
  retryable?: boolean;
};

// Advice for the errors people meet most, keyed by the spec's error codes: a code renamed or
// removed in the spec is a compile error here, not a silently lost hint. The clock skew and the
// token lifetime in the texts are the spec's (x-signing, x-token-lifetime-seconds).
export const ADVICE: Partial<Record<ErrorCode, string>> = {
  'APIGW.0301': `The credentials were refused. Check the AK/SK pair (HUAWEICLOUD_SDK_AK/SK) or that a token is set, and that the machine clock is right (AK/SK signatures allow ${signing.maxClockSkewSeconds / 60} minutes of skew).`,
  'APIGW.0307': `The token expired or belongs to another region: get a new token for this region (tokens last ${TOKEN_LIFETIME_SECONDS / 3600} hours).`,
  'DBS.280056': 'The token is invalid: get a new one.',
  'DBS.200604': 'The instance belongs to another account or project: check --project-id and the region.',
  'DBS.280032': 'Your IAM user lacks the permission dds:backup:download: ask an administrator to grant it.',
  'DBS.200002': 'No such instance in this project and region: check --instance-id, --region and --project-id.',
  'DBS.201214': 'No such backup for this instance: check --backup-id (and that the backup belongs to --instance-id).',
  'DBS.280443': 'Throttled by DDS: wait a little and run the command again.',
  'APIGW.0308': 'Throttled by the API gateway: wait a few seconds and run the command again.',
};

/** The `error` event `--json` ends with on failure: the error's own JSON (redacted) and the exit code. */
export async function errorEvent(raw: unknown, stop?: AbortSignal): Promise<Record<string, unknown>> {
  const error = (raw instanceof Error ? raw : new Error(String(raw))) as AnyError & { toJSON?: () => unknown };
  const { redact } = await import('@dds-backup/client');
  const body =
    typeof error.toJSON === 'function'
      ? (error.toJSON() as Record<string, unknown>)
      : { name: error.name, message: redact(error.message) };
  return { type: 'error', exitCode: exitCodeOf(error, stop), ...body };
}

/** Prints what happened and what to do (a stack trace only with --verbose); returns the exit code. */
export async function report(raw: unknown, context: CliContext, options: { verbose: boolean }): Promise<number> {
  const error = (raw instanceof Error ? raw : new Error(String(raw))) as AnyError;
  const code = exitCodeOf(error, context.signal);
  // Client errors redact themselves; anything else goes through the same redaction on the way out.
  const { redact } = await import('@dds-backup/client');
  const lines = [`error: ${redact(error.message)}`];
  const advice = error.errorCode !== undefined && isErrorCode(error.errorCode) ? ADVICE[error.errorCode] : undefined;
  if (advice) lines.push(`hint: ${advice}`);
  else if (code === EXIT.AUTH && error.name === 'ApiError')
    lines.push('hint: check the credentials, region and project ID.');
  if (code === EXIT.RESUMABLE) lines.push('hint: nothing is lost; run the same command again to resume.');
  if (code === EXIT.SIGINT) lines.push('Interrupted: progress is saved; run the same command again to resume.');
  if (code === EXIT.SIGTERM) lines.push('Stopped by SIGTERM: progress is saved; run the same command again to resume.');
  if (code === EXIT.USAGE && error.name === 'UsageError') lines.push('See `dds-backup --help`.');
  if (options.verbose && error.stack) lines.push(redact(error.stack));
  context.stderr.write(`${lines.join('\n')}\n`);
  return code;
}
