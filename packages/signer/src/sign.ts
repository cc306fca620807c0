import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HEADER_LC, signing } from '@dds-backup/contract';
import { type CanonicalRequestInput, canonicalRequest, normalizeSignedHeaders } from './canonical.js';

/** AK/SK credentials; `securityToken` is set for temporary credentials. */
export interface AkSkCredentials {
  ak: string;
  sk: string;
  securityToken?: string;
}

export type Body = string | Uint8Array | undefined | null;

/** The payload-hash placeholder of requests whose body is not signed. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export const sha256Hex = (data: Body): string =>
  data == null || data.length === 0 ? signing.emptyBodySha256 : createHash('sha256').update(data).digest('hex');

const hmacHex = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex');

/** `X-Sdk-Date` format: UTC `YYYYMMDDTHHMMSSZ`. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses `YYYYMMDDTHHMMSSZ`; undefined when malformed. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface Signature {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string[];
  authorization: string;
}

/** Computes the signature of an already-canonicalizable request. */
export function computeSignature(
  input: CanonicalRequestInput & { sdkDate: string; ak: string; sk: string },
): Signature {
  const creq = canonicalRequest(input);
  const stringToSign = `${signing.algorithm}\n${input.sdkDate}\n${sha256Hex(creq)}`;
  const signature = hmacHex(input.sk, stringToSign);
  return {
    canonicalRequest: creq,
    stringToSign,
    signature,
    signedHeaders: [...input.signedHeaders],
    authorization: `${signing.algorithm} Access=${input.ak}, SignedHeaders=${input.signedHeaders.join(';')}, Signature=${signature}`,
  };
}

export interface SignOptions {
  /** Signing time (default: now). */
  date?: Date;
  /** Adds `X-Project-Id` before signing, as the official SDKs do. */
  projectId?: string;
  /**
   * The `host` to sign for, when it differs from the URL's: a request sent through a proxy
   * (e.g. the mock's validation proxy) is verified by the upstream against its own host.
   */
  host?: string;
}

/**
 * Signs a request the way Huawei's official SDKs do: adds `X-Sdk-Date` (and `X-Project-Id`,
 * `X-Security-Token` when given), then signs every header present plus `host`, and returns the
 * headers to send, `Authorization` included. The input headers are not modified.
 */
export function signRequest(
  request: { method: string; url: string | URL; headers?: ConstructorParameters<typeof Headers>[0]; body?: Body },
  credentials: AkSkCredentials,
  options: SignOptions = {},
): { headers: Headers; signature: Signature } {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  headers.delete(HEADER_LC.Authorization);
  const sdkDate = formatSdkDate(options.date ?? new Date());
  headers.set(signing.dateHeader, sdkDate);
  if (options.projectId) headers.set(signing.projectIdHeader, options.projectId);
  if (credentials.securityToken) headers.set(signing.securityTokenHeader, credentials.securityToken);
  if (!headers.has('host')) headers.set('host', options.host ?? url.host);
  const signedHeaders = normalizeSignedHeaders(headers.keys());
  const signature = computeSignature({
    method: request.method,
    url,
    signedHeaders,
    getHeader: (n) => headers.get(n) ?? undefined,
    bodySha256: sha256Hex(request.body),
    sdkDate,
    ak: credentials.ak,
    sk: credentials.sk,
  });
  headers.set(HEADER_LC.Authorization, signature.authorization);
  // `host` was only needed for signing: fetch sets it from the URL (and refuses to be told).
  headers.delete('host');
  return { headers, signature };
}

/** The parts of an `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header. */
export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const prefix = `${signing.algorithm} `;
  if (!value.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = fields.get('Access');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!access || !signed || !signature || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  return { access, signedHeaders: signed.split(';'), signature };
}

export type VerifyFailure = 'malformed' | 'unknown-access-key' | 'date-missing' | 'clock-skew' | 'signature-mismatch';

export type VerifyResult = { ok: true; accessKey: string } | { ok: false; reason: VerifyFailure };

/**
 * Verifies a signed request as Huawei's API gateway does: the signature over the headers it
 * names, and an `X-Sdk-Date` no further than the allowed skew from `now`.
 */
export function verifyRequest(
  request: { method: string; url: string | URL; getHeader: (lowercaseName: string) => string | undefined; body?: Body },
  lookupSecretKey: (accessKey: string) => string | undefined,
  now: Date = new Date(),
): VerifyResult {
  const parsed = parseAuthorization(request.getHeader(HEADER_LC.Authorization) ?? '');
  if (!parsed) return { ok: false, reason: 'malformed' };
  const sk = lookupSecretKey(parsed.access);
  if (sk === undefined) return { ok: false, reason: 'unknown-access-key' };
  const sdkDate = request.getHeader(signing.dateHeader.toLowerCase());
  const date = sdkDate ? parseSdkDate(sdkDate) : undefined;
  if (!sdkDate || !date || !parsed.signedHeaders.includes(signing.dateHeader.toLowerCase())) {
    return { ok: false, reason: 'date-missing' };
  }
  if (Math.abs(now.getTime() - date.getTime()) > signing.maxClockSkewSeconds * 1000)
    return { ok: false, reason: 'clock-skew' };
  // Huawei's SDKs send `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for bodies they do not hash
  // (non-JSON uploads); the canonical request then carries that literal instead of the hash.
  const unsigned = request.getHeader('x-sdk-content-sha256') === UNSIGNED_PAYLOAD;
  const expected = computeSignature({
    method: request.method,
    url: new URL(request.url),
    signedHeaders: parsed.signedHeaders,
    getHeader: request.getHeader,
    bodySha256: unsigned ? UNSIGNED_PAYLOAD : sha256Hex(request.body),
    sdkDate,
    ak: parsed.access,
    sk,
  });
  const a = Buffer.from(expected.signature);
  const b = Buffer.from(parsed.signature);
  return a.length === b.length && timingSafeEqual(a, b)
    ? { ok: true, accessKey: parsed.access }
    : { ok: false, reason: 'signature-mismatch' };
}
