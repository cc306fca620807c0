import { ddsBackupSpec, iamSpec } from './generated/specs.js';

/** The AK/SK signing parameters, from the `aksk` security scheme's `x-signing` extension. */
export interface SigningParameters {
  algorithm: string;
  dateHeader: string;
  dateFormat: string;
  maxClockSkewSeconds: number;
  securityTokenHeader: string;
  projectIdHeader: string;
  emptyBodySha256: string;
  testVector: {
    method: string;
    url: string;
    headers: Record<string, string>;
    ak: string;
    sk: string;
    canonicalRequestSha256: string;
    signedHeaders: string;
    signature: string;
  };
}

const schemes = ddsBackupSpec.components?.securitySchemes as Record<string, Record<string, unknown>>;

export const signing = schemes.aksk!['x-signing'] as SigningParameters;

/** Header that carries a token (`X-Auth-Token`), from the `token` security scheme. */
export const TOKEN_HEADER = schemes.token!.name as string;

/** Seconds a download link stays valid, from the operation's `x-link-ttl-seconds`. */
export const LINK_TTL_SECONDS = (
  ddsBackupSpec.paths['/v3/{project_id}/backups/download-file']!.get as { 'x-link-ttl-seconds': number }
)['x-link-ttl-seconds'];

/**
 * Seconds an IAM token is valid after it was issued, from the token operation's
 * `x-token-lifetime-seconds`: what a client assumes when IAM's answer has no `expires_at`, and
 * how long the mock's tokens live.
 */
export const TOKEN_LIFETIME_SECONDS = (
  iamSpec.paths['/v3/auth/tokens']!.post as { 'x-token-lifetime-seconds': number }
)['x-token-lifetime-seconds'];
