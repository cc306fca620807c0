import { createHmac, timingSafeEqual } from 'node:crypto';
import { type ErrorCode, HEADER_LC, signing, TOKEN_HEADER, TOKEN_LIFETIME_SECONDS } from '@dds-backup/contract';
import { type VerifyFailure, verifyRequest } from '@dds-backup/signer';
import type { CoreRequest } from './http/core.js';

/** The AK/SK pair the mock accepts when started without `--aksk` / `aksk` (documented, not a secret). */
export const DEFAULT_AKSK = { ak: 'DDSBACKUPMOCKAK00001', sk: 'DdsBackupMockSecretKey000000000000000000' } as const;

/** Tokens issued by the mock's IAM stand-in live this long on the mock clock: the IAM spec's `x-token-lifetime-seconds`. */
export const TOKEN_TTL_SECONDS = TOKEN_LIFETIME_SECONDS;

/** Why a request was refused, as the gateway reports it. */
// Extract<> makes each literal a member of the spec's union: a code renamed in the spec is `never` here.
export type AuthFailure =
  | { code: Extract<ErrorCode, 'APIGW.0301'>; detail: string }
  | { code: Extract<ErrorCode, 'APIGW.0307'>; detail?: undefined };

export type AuthResult = { ok: true; via: 'token' | 'aksk' } | ({ ok: false } & AuthFailure);

const b64url = (s: Buffer | string) => Buffer.from(s).toString('base64url');

const AKSK_FAILURE_DETAIL: Record<VerifyFailure, string> = {
  'signature-mismatch': 'verify aksk signature fail',
  malformed: 'verify aksk signature fail (malformed Authorization header)',
  'unknown-access-key': 'verify aksk signature fail (unknown access key)',
  'date-missing': `verify aksk signature fail (${signing.dateHeader} missing or not signed)`,
  'clock-skew': `verify aksk signature fail (${signing.dateHeader} is more than ${signing.maxClockSkewSeconds / 60} minutes away from the server's wall clock)`,
};

/**
 * The gateway's authentication: AK/SK signature when an `SDK-HMAC-SHA256` Authorization header is
 * present, else the `X-Auth-Token` header. Tokens issued by the mock's IAM stand-in carry their
 * own (HMAC-protected) expiry; other tokens are checked against the configured list, or accepted
 * when none is configured.
 */
export class Authenticator {
  private readonly keys: Map<string, string>;
  private readonly tokens: Set<string> | undefined;

  constructor(
    private readonly tokenSecret: string,
    options: { tokens?: readonly string[]; aksk?: ReadonlyArray<{ ak: string; sk: string }> },
  ) {
    const pairs = options.aksk && options.aksk.length > 0 ? options.aksk : [DEFAULT_AKSK];
    this.keys = new Map(pairs.map((p) => [p.ak, p.sk]));
    this.tokens = options.tokens && options.tokens.length > 0 ? new Set(options.tokens) : undefined;
  }

  /** A token for the IAM stand-in's `X-Subject-Token`, valid TOKEN_TTL_SECONDS from `now`. */
  issueToken(claims: { user: string; project: string }, now: number): { token: string; expiresAt: number } {
    const expiresAt = now + TOKEN_TTL_SECONDS * 1000;
    const payload = b64url(JSON.stringify({ u: claims.user, p: claims.project, iat: now, exp: expiresAt }));
    return { token: `MIIMOCK.${payload}.${this.mac(payload)}`, expiresAt };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.tokenSecret).update(payload).digest('base64url');
  }

  private checkToken(token: string, now: number): AuthResult {
    if (token.startsWith('MIIMOCK.')) {
      const [, payload = '', mac = ''] = token.split('.');
      const expected = Buffer.from(this.mac(payload));
      const given = Buffer.from(mac);
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        try {
          const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number };
          return now < exp ? { ok: true, via: 'token' } : { ok: false, code: 'APIGW.0307' };
        } catch {
          return { ok: false, code: 'APIGW.0307' };
        }
      }
    }
    if (this.tokens) return this.tokens.has(token) ? { ok: true, via: 'token' } : { ok: false, code: 'APIGW.0307' };
    return { ok: true, via: 'token' };
  }

  /**
   * `now` is the mock clock (token expiry); `wallNow` the wall clock, which the `X-Sdk-Date`
   * skew check compares with: a client signs with its own (real) clock, so moving the mock
   * clock by days must not make every signature "15 minutes away".
   */
  authenticate(req: CoreRequest, url: () => URL, now: number, wallNow: number = Date.now()): AuthResult {
    const authorization = req.header(HEADER_LC.Authorization);
    if (authorization?.startsWith(signing.algorithm)) {
      const result = verifyRequest(
        { method: req.method, url: url(), getHeader: (n) => req.header(n) },
        (ak) => this.keys.get(ak),
        new Date(wallNow),
      );
      return result.ok
        ? { ok: true, via: 'aksk' }
        : { ok: false, code: 'APIGW.0301', detail: AKSK_FAILURE_DETAIL[result.reason] };
    }
    const token = req.header(TOKEN_HEADER.toLowerCase());
    if (!token) return { ok: false, code: 'APIGW.0301', detail: `${TOKEN_HEADER.toLowerCase()} not found` };
    return this.checkToken(token, now);
  }
}
