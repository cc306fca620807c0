import type { ObjectContent } from '../content.js';

/**
 * The light request and result shapes the mock's routes work on. The node:http adapter and the
 * fetch adapter translate to and from them; no WHATWG Request/Response is built on the node:http
 * path, which is what keeps the API route near bare node:http speed.
 */
export interface CoreRequest {
  method: string;
  /** Path as received, still percent-encoded, without the query. */
  path: string;
  /** Query string without `?` ('' when none). */
  rawQuery: string;
  /** `scheme://host[:port]` the request came in on: download links point back at it. */
  origin: string;
  /** A header by lower-case name. */
  header(name: string): string | undefined;
  /** All headers, lower-case names (for the spec validators). */
  headers(): Record<string, string | undefined>;
  /**
   * Headers as received, in order, names in their original case, repeated headers kept, as a flat
   * `[name, value, name, value, ...]` list (node's `rawHeaders` shape): what the validation proxy
   * forwards, so a signed request reaches the upstream exactly as the client sent it.
   */
  rawHeaders(): string[];
  /** The request body. */
  body(): Promise<Buffer>;
}

/** Stream-level faults the adapters apply while sending a body. */
export interface StreamFaults {
  /** Abort the connection (TCP reset; in fetch, the body stream errors) after this many body bytes. */
  resetAfter?: number;
  /** End the body cleanly after this many bytes (shorter than Content-Length). */
  truncateAfter?: number;
  /** Pace the body at this many bytes per second. */
  bytesPerSecond?: number;
}

/** A byte range of an object, generated while it is sent. */
export interface ObjectBody {
  kind: 'object';
  content: ObjectContent;
  /** First byte (inclusive). */
  start: number;
  /** Last byte + 1 (exclusive). */
  end: number;
}

/** What a route answers. */
export interface CoreResult {
  status: number;
  /** Reason phrase; default the standard one (the validation proxy passes the upstream's). */
  statusText?: string;
  headers: Record<string, string>;
  /**
   * Headers as a flat `[name, value, ...]` list, sent instead of `headers` when present: order,
   * case and repeated headers kept, and no `Content-Length` added (the validation proxy's answers).
   */
  rawHeaders?: string[];
  body?: string | Uint8Array | ObjectBody;
  faults?: StreamFaults;
}

/** What the journal and the log learn of a request once it is over. */
export interface Completion {
  requestId: string;
  namespace: string;
  target: RequestTarget;
  method: string;
  path: string;
  status: number;
  bytesSent: number;
  durationMs: number;
  /** The transfer ended early (client gone, reset or truncate fault). */
  aborted: boolean;
}

export type RequestTarget = 'api' | 'download' | 'iam' | 'admin';

export const isObjectBody = (b: CoreResult['body']): b is ObjectBody =>
  typeof b === 'object' && b !== null && (b as ObjectBody).kind === 'object';

/** Byte length of a body. */
export function bodyLength(body: CoreResult['body']): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (isObjectBody(body)) return body.end - body.start;
  return body.byteLength;
}

/** Request bodies (admin and IAM JSON) larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown by `CoreRequest.body()` for a body over MAX_BODY_BYTES; the handler answers 413. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}
