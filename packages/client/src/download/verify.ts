import { VerificationError } from './errors.js';

/**
 * The content MD5 an ETag stands for: only a plain quoted (or bare) 32-hex ETag is one. OBS
 * gives multipart uploads `"<hex>-N"`, which is not a hash of the content, and weak ETags
 * (`W/"..."`) promise nothing byte-exact; both give undefined (no MD5 check).
 */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const m = etag === undefined ? null : /^"?([0-9a-fA-F]{32})"?$/.exec(etag.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The API reports sizes in KB (1024 bytes). The mock rounds up; other rounding (down, nearest)
 * stays within one KB of ceil(bytes / 1024), which is what is accepted.
 */
export function checkSizeKB(file: string, bytes: number, sizeKB: number): void {
  const kb = Math.ceil(bytes / 1024);
  if (Math.abs(kb - sizeKB) > 1) {
    throw new VerificationError({
      file,
      check: 'size-kb',
      expected: `${sizeKB} KB (as listed by the API)`,
      actual: `${bytes} bytes (${kb} KB)`,
      detail: 'The object in storage is not the size the API lists.',
    });
  }
}

/** Compares the MD5 of the bytes with the ETag's. */
export function checkMd5(file: string, expected: string, actual: string): void {
  if (expected !== actual)
    throw new VerificationError({ file, check: 'md5', expected: `MD5 ${expected} (ETag)`, actual: `MD5 ${actual}` });
}

/**
 * What the server's metadata lets a download verify: `md5` for a plain-MD5 ETag, `size-only`
 * otherwise (multipart `"…-N"`, weak `W/`, or no ETag).
 */
export function checksumOf(etag: string | undefined): 'md5' | 'size-only' {
  return md5FromEtag(etag) ? 'md5' : 'size-only';
}

/** The words every summary, event and `verify` line uses for a file checked by size alone. */
export const SIZE_ONLY = 'size only: the server gives no checksum for this file';

/** Why the server's ETag is no checksum, for messages. */
export function noChecksumReason(etag: string | undefined): string {
  if (etag === undefined) return 'the server sent no ETag';
  if (/^W\//i.test(etag.trim())) return `its ETag ${etag} is weak`;
  if (/-\d+"?$/.test(etag.trim())) return `its ETag ${etag} is a multipart ETag, not an MD5 of the content`;
  return `its ETag ${etag} is not an MD5`;
}

/** `requireChecksum`: a file the server gives no checksum for fails verification. */
export function requireServerChecksum(file: string, etag: string | undefined): never {
  throw noServerChecksum(file, noChecksumReason(etag));
}

/** The `requireChecksum` failure of a file with no checksum from the server, `reason` saying why. */
export function noServerChecksum(file: string, reason: string): VerificationError {
  return new VerificationError({
    file,
    check: 'checksum',
    expected: 'a checksum from the server (a plain-MD5 ETag)',
    actual: `none: ${reason}`,
    detail:
      'Its content can be checked by size only, and --require-checksum (requireChecksum) refuses that. ' +
      'Run without --require-checksum to accept a size-only check (a SHA-256 is still recorded for `verify`).',
  });
}
