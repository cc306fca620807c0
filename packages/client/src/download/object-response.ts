import { HEADER_LC } from '@dds-backup/contract';
import { parseContentRange, rangeHeader } from './content-range.js';
import { ObjectResponseError, RangeIgnoredError } from './errors.js';

/** What one object GET asked for and what its answer's status line and headers said. */
export interface ObjectResponseInput {
  /** The file's name (error messages). */
  file: string;
  status: number;
  /** A received header by lower-case name. */
  header(name: string): string | undefined;
  /** The first byte asked for. */
  position: number;
  /** The end asked for (exclusive); undefined = to the end of the object. */
  end: number | undefined;
  /** The object's exact size, when an earlier answer told it. */
  total: number | undefined;
}

/** The verdict on an answer's headers, before any of its body is read. */
export type ObjectResponseCheck =
  /** A body of `length` bytes of the object from `start` (= the position asked for). */
  | { kind: 'body'; status: 200 | 206; start: number; length: number; total: number; etag: string | undefined }
  /**
   * 416 for a position at or after the object's end: nothing is left to fetch there. `total` is
   * the size the answer's `Content-Range: bytes *\/N` declared, or the known one.
   */
  | { kind: 'past-end'; total: number }
  /** Neither 200 nor 206 (nor a 416 past the end): an OBS error answer to read (obs-error.ts). */
  | { kind: 'error-status' };

/** `Content-Range: bytes *\/N`, the size a 416 declares (RFC 9110 15.5.17). */
function unsatisfiedTotal(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value);
  const total = m ? Number(m[1]) : Number.NaN;
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Checks an object answer against the request, from its status and headers alone (pure: no
 * body is read, nothing is destroyed; the caller does that when this throws). Throws
 * RangeIgnoredError for a 200 to a request from a non-zero position and ObjectResponseError for
 * framing that does not fit the request: such a body cannot be placed in the file.
 */
export function checkObjectResponse(input: ObjectResponseInput): ObjectResponseCheck {
  const { file, status, header, position, end } = input;
  if (status === 416) {
    // Segments start from the API's KB estimate before the exact size is known, so a segment
    // may start past the real end and hear so before any other segment learned the size.
    const total = input.total ?? unsatisfiedTotal(header(HEADER_LC.ContentRange));
    if (total !== undefined && position >= total) return { kind: 'past-end', total };
    return { kind: 'error-status' };
  }
  if (status !== 200 && status !== 206) return { kind: 'error-status' };

  let length: number;
  let total: number;
  if (status === 206) {
    const raw = header(HEADER_LC.ContentRange);
    const cr = parseContentRange(raw);
    if (!cr || cr.start !== position) {
      throw new ObjectResponseError(
        file,
        `asked for ${rangeHeader(position, end)}, got Content-Range ${JSON.stringify(raw ?? null)}`,
        { retryable: false },
      );
    }
    length = cr.end - cr.start;
    total = cr.total;
  } else {
    // The file restarts from byte 0 in one stream (FileDownload catches this).
    if (position !== 0) throw new RangeIgnoredError(file, rangeHeader(position, end));
    const cl = Number(header(CONTENT_LENGTH));
    if (header(CONTENT_LENGTH) === undefined || !Number.isSafeInteger(cl) || cl < 0) {
      throw new ObjectResponseError(file, 'HTTP 200 without a Content-Length: the size cannot be verified', {
        retryable: false,
      });
    }
    length = total = cl;
  }
  const declared = header(CONTENT_LENGTH);
  if (declared !== undefined && Number(declared) !== length) {
    throw new ObjectResponseError(file, `Content-Length ${declared} does not match the range length ${length}`);
  }
  return { kind: 'body', status, start: position, length, total, etag: header(HEADER_LC.ETag) };
}

/**
 * HTTP framing (RFC 9110), not an API fact the specs declare (they list the headers of OBS and
 * the API, not those of HTTP itself), hence not among the generated names.
 */
const CONTENT_LENGTH = 'content-length';
