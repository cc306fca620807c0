import type { FileHandle } from 'node:fs/promises';
import { HEADER_LC } from '@dds-backup/contract';
import { AbortError, type DdsBackupError, NetworkError, TimeoutError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { requestLine, responseLine } from '../request-log.js';
import { type RetryOptions, toDdsError, withRetries } from '../retry.js';
import type { Budget } from './budget.js';
import { rangeHeader } from './content-range.js';
import { type ObjectStorageError, WriteError } from './errors.js';
import { type DownloadEvent, describeError } from './events.js';
import type { CurrentLink, LinksCache } from './links-cache.js';
import { checkObjectResponse, type ObjectResponseCheck } from './object-response.js';
import type { ObjectTransport } from './object-transport.js';
import { toObjectStorageError } from './obs-error.js';
import { PositionalWriter } from './positional-writer.js';
import type { OnWritten, RangeWriter } from './range-writer.js';

/** HTTP framing (RFC 9110), not an API fact of the specs: not among the generated header names. */
const ACCEPT_ENCODING = 'accept-encoding';

/** Refreshes in a row for one range without a byte of progress before AccessDenied is final. */
const MAX_REFRESHES_WITHOUT_PROGRESS = 2;
/**
 * An attempt cut off by the speed floor that still delivered this much counts as real progress
 * (a link that slowed down after a good run); less (a drip) counts as a failed attempt.
 */
const REAL_PROGRESS_BYTES = 1024 * 1024;

/** A body slower than the speed floor: retried, but a drip uses up the attempts like a failure. */
export class SlowTransferError extends TimeoutError {
  override name = 'SlowTransferError';
}

/** What every range request of a run shares. */
export interface RangeContext {
  transport: ObjectTransport;
  links: LinksCache;
  budget: Budget;
  retry: RetryOptions;
  signal: AbortSignal;
  /** Abort a request that received no byte (nor headers) for this long, and retry it. */
  stallTimeoutMs: number;
  /**
   * The speed floor (curl's --speed-limit / --speed-time): a body slower than `speedLimit`
   * bytes/s over `speedTimeMs` is aborted and retried. 0 disables it.
   */
  speedLimit: number;
  speedTimeMs: number;
  emit: (event: DownloadEvent) => void;
  /** --verbose: one line per object GET and its answer, the link's signature redacted. */
  log?: ((line: string) => void) | undefined;
}

/** The file a range is written into. */
export interface RangeTarget {
  readonly name: string;
  /** The .part file's path (for error messages). */
  readonly path: string;
  /** The .part file, for the local directory (positional writes). */
  readonly fh?: FileHandle;
  /** Any other destination (S3): a writer for a range's body from `start`; used instead of `fh`. */
  openWriter?(start: number, onWritten: OnWritten): RangeWriter;
  /** Exact size, once known. */
  readonly total: number | undefined;
  /** Records the size and ETag a response declared; throws when they contradict earlier ones. */
  learn(total: number, etag: string | undefined): void;
  /** Bytes [start, end) reached the file (in order for one range). */
  written(start: number, end: number, chunks: readonly Uint8Array[]): void;
}

/** A range to fetch; `end` undefined = to the end of the object (set once the size is known). */
export interface RangeTask {
  start: number;
  end: number | undefined;
  /**
   * A 200 to this range's first request (the server ignored Range) is read to the object's
   * end rather than to `end`: the file's start-up segment 0 then carries the whole file alone.
   */
  wholeObjectOn200?: boolean;
}

/** What the first answer of a range said (after checkObjectResponse and `learn`, before its body). */
export interface FirstResponse {
  /** 200 (Range ignored), 206, or 416 (the range starts at or after the object's end). */
  status: 200 | 206 | 416;
  total: number;
  etag: string | undefined;
}

/** A range under way: `first` resolves at its first valid answer (undefined if none came), `done` when it ends. */
export interface RangeFetch {
  first: Promise<FirstResponse | undefined>;
  done: Promise<void>;
}

type Outcome =
  | { kind: 'done'; position: number }
  | { kind: 'interrupted'; position: number; error: DdsBackupError }
  | { kind: 'expired'; link: CurrentLink; error: ObjectStorageError };

/**
 * Fetches one range into its file: retries with backoff (the client's RetryOptions, honouring
 * Retry-After) when an attempt made no progress, resumes at once from the last written byte when
 * it did, and refreshes the link on 403 AccessDenied.
 */
export function fetchRange(ctx: RangeContext, target: RangeTarget, task: RangeTask): Promise<void> {
  return startRange(ctx, target, task).done;
}

/** fetchRange, also telling the caller what the first answer said as soon as it is known. */
export function startRange(ctx: RangeContext, target: RangeTarget, task: RangeTask): RangeFetch {
  let resolveFirst!: (first: FirstResponse | undefined) => void;
  const first = new Promise<FirstResponse | undefined>((resolve) => {
    resolveFirst = resolve;
  });
  const done = runRange(ctx, target, task, resolveFirst).finally(() => resolveFirst(undefined));
  return { first, done };
}

async function runRange(
  ctx: RangeContext,
  target: RangeTarget,
  task: RangeTask,
  onFirst: (first: FirstResponse) => void,
): Promise<void> {
  let position = task.start;
  let refreshes = 0;
  // The first answer (not the first request: one that failed or met an expired link is not it).
  let answered = false;
  const tell = (first: FirstResponse) => {
    answered = true;
    onFirst(first);
  };
  // Attempts in a row cut off by the speed floor with next to nothing delivered: without this
  // count a server dripping a byte a second "makes progress" on every attempt, forever.
  let slow = 0;
  const attempts = Math.max(1, ctx.retry.attempts ?? 4);
  while (task.end === undefined || position < task.end) {
    const outcome = await withRetries(
      async () => {
        const link = await ctx.links.forRequest(target.name);
        return ctx.budget.run(() => attempt(ctx, target, task, link, position, answered ? undefined : tell));
      },
      {
        ...ctx.retry,
        signal: ctx.signal,
        onRetry: (e) =>
          ctx.emit({
            type: 'retry',
            file: target.name,
            attempt: e.attempt,
            delayMs: e.delayMs,
            offset: position,
            error: describeError(e.error),
          }),
      },
    );
    if (outcome.kind === 'expired') {
      if (++refreshes > MAX_REFRESHES_WITHOUT_PROGRESS) throw outcome.error;
      await ctx.links.expired(outcome.link);
      continue;
    }
    if (outcome.position > position) refreshes = 0;
    const delivered = outcome.position - position;
    position = outcome.position;
    if (outcome.kind === 'interrupted') {
      const drip = outcome.error instanceof SlowTransferError && delivered < REAL_PROGRESS_BYTES;
      slow = drip ? slow + 1 : 0;
      if (slow >= attempts) throw outcome.error;
      ctx.emit({
        type: 'retry',
        file: target.name,
        attempt: drip ? slow : 1,
        delayMs: 0,
        offset: position,
        error: describeError(outcome.error),
      });
    }
  }
}

/** One GET: validates the answer against the request, streams the body to the file. */
async function attempt(
  ctx: RangeContext,
  target: RangeTarget,
  task: RangeTask,
  link: CurrentLink,
  position: number,
  /** Set for the range's first request: told what its answer said, before the body. */
  onFirst: ((first: FirstResponse) => void) | undefined,
): Promise<Outcome> {
  if (ctx.signal.aborted) throw new AbortError();
  const stall = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stall.signal]);
  let lastActivity = Date.now();
  // The speed floor's window: body bytes since `windowStart` (undefined until the headers came).
  let windowStart: number | undefined;
  let windowBytes = 0;
  const floor = ctx.speedLimit > 0 && ctx.speedTimeMs > 0;
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (now - lastActivity >= ctx.stallTimeoutMs) {
        stall.abort(
          new TimeoutError(
            `${target.name}: no data for ${ctx.stallTimeoutMs / 1000} s at offset ${position} (--stall-timeout)`,
          ),
        );
      } else if (floor && windowStart !== undefined && now - windowStart >= ctx.speedTimeMs) {
        const rate = (windowBytes * 1000) / (now - windowStart);
        if (rate < ctx.speedLimit) {
          stall.abort(
            new SlowTransferError(
              `${target.name}: ${Math.floor(rate)} bytes/s over the last ${ctx.speedTimeMs / 1000} s, below the floor of ` +
                `${ctx.speedLimit} bytes/s (--speed-limit, --speed-time)`,
            ),
          );
        }
        windowStart = now;
        windowBytes = 0;
      }
    },
    Math.max(10, Math.min(1000, ctx.stallTimeoutMs / 4, floor ? ctx.speedTimeMs / 4 : Infinity)),
  );
  timer.unref();
  const fail = (raw: unknown): DdsBackupError => {
    if (ctx.signal.aborted) return new AbortError();
    if (stall.signal.aborted) return stall.signal.reason as TimeoutError;
    return toDdsError(raw);
  };

  let writer: RangeWriter | undefined;
  let writtenEnd = position;
  try {
    const headers: Record<string, string> = { [ACCEPT_ENCODING]: 'identity' };
    // A whole-object GET (no Range) for a small file read from 0: a zero-byte object would
    // answer `bytes=0-` with 416.
    if (!(position === 0 && task.end === undefined)) headers[HEADER_LC.Range] = rangeHeader(position, task.end);
    const sent = Date.now();
    ctx.log?.(requestLine('GET', link.url, headers));
    const response = await ctx.transport.get(link.url, headers, signal).catch((e) => {
      const error = fail(e);
      ctx.log?.(`< failed ${redactUrl(link.url)} ${Date.now() - sent}ms: ${error.message}`);
      throw error;
    });
    lastActivity = Date.now();
    ctx.log?.(
      responseLine(
        response.status,
        link.url,
        lastActivity - sent,
        response.header(HEADER_LC.XObsRequestId) ?? response.header(HEADER_LC.XRequestId),
      ),
    );
    windowStart = lastActivity;

    let check: ObjectResponseCheck;
    try {
      check = checkObjectResponse({
        file: target.name,
        status: response.status,
        header: (name) => response.header(name),
        position,
        end: task.end,
        total: target.total,
      });
      if (check.kind === 'past-end') {
        response.destroy();
        // A 416 may be the first answer of the file to tell its size (a segment started from
        // the KB estimate past the real end): checked like any other (checkSizeKB, ETag).
        target.learn(check.total, undefined);
        onFirst?.({ status: 416, total: check.total, etag: undefined });
        task.end = position; // nothing of this range exists
        return { kind: 'done', position };
      }
    } catch (error) {
      response.destroy();
      throw error;
    }
    if (check.kind === 'error-status') {
      const error = await toObjectStorageError(target.name, response);
      if (error.isExpiredLink) return { kind: 'expired', link, error };
      throw error;
    }
    const { length, total } = check;
    try {
      target.learn(total, check.etag);
    } catch (error) {
      response.destroy();
      throw error;
    }
    if (onFirst && check.status === 200 && task.wholeObjectOn200) task.end = total;
    if (task.end === undefined || task.end > total) task.end = total;
    onFirst?.({ status: check.status, total, etag: check.etag });
    // Read no further than the task's end (a whole-object 200 may run past it).
    const want = Math.min(length, task.end - position);

    const onWritten: OnWritten = (start, end, chunks) => {
      writtenEnd = end;
      target.written(start, end, chunks);
      // Written and hashed: the transport may reuse the chunks' memory.
      if (response.recycle) for (const c of chunks) response.recycle(c);
    };
    writer = target.openWriter
      ? target.openWriter(position, onWritten)
      : new PositionalWriter(target.fh!.fd, position, onWritten);
    let received = 0;
    if (want > 0) {
      for await (const raw of response.body) {
        lastActivity = Date.now();
        windowBytes += raw.byteLength;
        let chunk = raw;
        if (received + chunk.byteLength > want) chunk = chunk.subarray(0, want - received);
        received += chunk.byteLength;
        const pushed = lastActivity;
        const wait = writer.push(chunk);
        if (wait) {
          await wait.catch((e) => {
            throw new WriteError(target.path, e);
          });
        }
        // Time spent writing (a synchronous write to disk) or waiting for the destination is not
        // the server's slowness: neither the speed floor nor the stall timer counts it. It shows
        // only when the destination blocks longer than the kernel's socket buffers absorb (a hung
        // NFS mount): bytes buffered meanwhile arrive at once after it, so no test on loopback
        // (megabytes of buffer) can tell this line from its absence.
        const now = Date.now();
        if (now !== pushed) {
          lastActivity = now;
          if (windowStart !== undefined) windowStart += now - pushed;
        }
        if (received >= want) break;
      }
    }
    if (received >= want && want < length) response.destroy();
    await writer.finish().catch((e) => {
      throw new WriteError(target.path, e);
    });
    if (received < want) {
      throw new NetworkError(`${target.name}: the body ended after ${received} of ${want} bytes (offset ${position})`);
    }
    return { kind: 'done', position: position + want };
  } catch (raw) {
    const error = fail(raw);
    // The bytes that did arrive are a correct prefix of the range: keep them (a write error
    // aside), so a retry or a later run does not fetch them again.
    if (error instanceof WriteError) await writer?.abandon();
    else await writer?.finish().catch(() => writer?.abandon());
    if (error instanceof AbortError || !error.retryable || writtenEnd === position) throw error;
    return { kind: 'interrupted', position: writtenEnd, error };
  } finally {
    clearInterval(timer);
  }
}
