import { type FileDoneEvent, SIZE_ONLY } from '@dds-backup/client/download';
import { formatBytes } from '../output/units.js';
/** What a re-run says of a file it did not touch. */
export const ALREADY_COMPLETE = 'already complete (size checked; run `verify` for a full check)';

/**
 * One line for a `file-done` event, saying exactly what was checked: "verified" only where an
 * MD5 from the server matched, "size only" where the server gives no checksum, and "already
 * complete" (never "downloaded" or "verified") for a file a re-run did not touch.
 */
export function describeFileDone(event: FileDoneEvent): string {
  if (event.skipped) {
    return event.rechecked === true
      ? `already complete: ${event.file} (SHA-256 rechecked, unchanged since it was downloaded)`
      : `${ALREADY_COMPLETE.replace(' (', `: ${event.file} (`)}`;
  }
  const size = formatBytes(event.bytes);
  const check = event.md5Verified
    ? 'MD5 verified'
    : event.checksum === 'size-only'
      ? SIZE_ONLY
      : 'MD5 not checked: --no-verify';
  return `done: ${event.file} (${size}, ${check})`;
}
