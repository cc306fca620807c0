import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { AbortError } from '../errors.js';
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
 * MD5 of the first `size` bytes of an open file, read in large slices (used when a file was not
 * fetched sequentially in one run, so it could not be hashed on the fly).
 */
export async function md5OfFile(fh: FileHandle, size: number, signal?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  for (let pos = 0; pos < size; ) {
    if (signal?.aborted) throw new AbortError();
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest('hex');
}

/**
 * An MD5 computed as the bytes are written, valid only while writes arrive in order from
 * offset 0. Any out-of-order write turns it off (the file is then re-read at the end).
 */
export class SequentialHash {
  private hash: Hash | undefined = createHash('md5');
  private position = 0;

  /** Feeds bytes written at `start`; a gap or overlap disables the hash. */
  update(start: number, chunks: readonly Uint8Array[]): void {
    if (!this.hash) return;
    if (start !== this.position) {
      this.hash = undefined;
      return;
    }
    for (const c of chunks) {
      this.hash.update(c);
      this.position += c.byteLength;
    }
  }

  /** The hex digest when exactly [0, size) was fed in order, else undefined. */
  digest(size: number): string | undefined {
    if (!this.hash || this.position !== size) return undefined;
    const out = this.hash.digest('hex');
    this.hash = undefined;
    return out;
  }

  disable(): void {
    this.hash = undefined;
  }
}
