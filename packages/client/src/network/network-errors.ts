import { DdsBackupError } from '../errors.js';

/**
 * OpenSSL's certificate verification results and Node's hostname check, as they appear in
 * `error.code`: a server whose certificate cannot be trusted. Trying again cannot help.
 */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Handshake failures that mean the other side does not speak TLS (an http:// server, say). */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/**
 * The server's TLS certificate was refused (untrusted issuer, self-signed, expired, or issued
 * for another host), or the server does not speak TLS. Non-retryable: verification is always on,
 * and the fix is the CA (`--ca-file`, the profile's `ca_file`, `NODE_EXTRA_CA_CERTS`) or the URL.
 */
export class TlsVerificationError extends DdsBackupError {
  override name = 'TlsVerificationError';
  override readonly kind = 'TLS_VERIFICATION';
  /** OpenSSL's or Node's code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`. */
  readonly code: string;
  readonly host: string;
  constructor(host: string, code: string, detail: string, cause?: unknown) {
    const what = NOT_TLS_CODES.has(code)
      ? `the TLS handshake with ${host} failed (${code}: ${detail}); is it an https:// server?`
      : `the TLS certificate of ${host} was refused (${code}: ${detail}). If a private CA signed it, pass that CA with --ca-file FILE (or the profile's ca_file, or NODE_EXTRA_CA_CERTS); verification cannot be turned off`;
    super(what, { retryable: false, cause });
    this.code = code;
    this.host = host;
  }
}

/**
 * The HTTP proxy refused the request or the tunnel (`CONNECT`): 407 = it wants (other)
 * credentials, given as `http://user:password@host:port` (never printed). 5xx from the proxy
 * (it could not reach the server) is retryable; anything else is not.
 */
export class ProxyError extends DdsBackupError {
  override name = 'ProxyError';
  override readonly kind = 'PROXY';
  /** The proxy's HTTP status, or 0 when it broke the connection. */
  readonly status: number;
  /** The proxy as `scheme://host:port`, without credentials. */
  readonly proxy: string;
  constructor(proxy: string, status: number, detail: string) {
    const advice =
      status === 407
        ? ': check the user and password in the proxy URL (http://user:password@host:port)'
        : status >= 500
          ? ': the proxy could not reach the server'
          : '';
    super(`the proxy ${proxy} refused the request: ${detail}${advice}`, {
      retryable: status === 0 || status >= 500,
    });
    this.status = status;
    this.proxy = proxy;
  }

  /** 407: the proxy's credentials are missing or wrong (the CLI answers with exit 3). */
  get isAuthError(): boolean {
    return this.status === 407;
  }
}

/** The TLS code of an error (or of its cause chain), when it is a certificate or handshake failure. */
export function tlsFailureCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as never, i++) {
    if (typeof e.code === 'string' && (CERTIFICATE_CODES.has(e.code) || NOT_TLS_CODES.has(e.code))) return e.code;
  }
  return undefined;
}

/** True for a certificate failure code (not a handshake one). */
export function isCertificateCode(code: string): boolean {
  return CERTIFICATE_CODES.has(code);
}
