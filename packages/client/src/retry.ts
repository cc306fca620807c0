import {
  AbortError,
  ApiError,
  DdsBackupError,
  NetworkError,
  NON_RETRYABLE_NETWORK_CODES,
  RetryLaterError,
  TimeoutError,
} from './errors.js';

/** How calls are retried. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). 1 disables retries. */
  attempts?: number;
  /** First backoff cap in ms (default 250); doubles each attempt up to maxDelayMs. */
  baseDelayMs?: number;
  /** Largest backoff in ms (default 8000). */
  maxDelayMs?: number;
  /** Longest Retry-After honoured, in ms (default 60000); a longer one ends the retries. */
  maxRetryAfterMs?: number;
  /** Random source in [0, 1) for the jitter (tests make it deterministic). */
  random?: () => number;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'random'>> = {
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** Exponential backoff with full jitter: a uniform delay in [0, min(max, base * 2^n)). */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const cap = Math.min(max, base * 2 ** attempt);
  return Math.floor((options.random ?? Math.random)() * cap);
}

/** Parses Retry-After (delta seconds or an HTTP date) into ms; undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after ms, or rejects with AbortError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What one failed attempt looked like, for the caller's events. */
export interface RetryEvent {
  attempt: number;
  delayMs: number;
  error: DdsBackupError;
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or attempts run out. The
 * delay before each retry is the server's Retry-After when it sent one, else full-jitter backoff.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: (e: RetryEvent) => void } = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY.attempts);
  for (let n = 0; ; n++) {
    try {
      if (options.signal?.aborted) throw new AbortError();
      return await attempt(n);
    } catch (raw) {
      const error = toDdsError(raw, options.signal);
      if (!error.retryable || n + 1 >= attempts) throw error;
      const retryAfter =
        error instanceof ApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
      const maxWait = options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs;
      // Waiting that long would look like a hang; stopping silently would hide why. Say it.
      if (retryAfter !== undefined && retryAfter > maxWait)
        throw new RetryLaterError(error, retryAfter / 1000, maxWait / 1000);
      const delayMs = retryAfter ?? backoffDelay(n, options);
      options.onRetry?.({ attempt: n + 1, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/** Maps anything thrown by fetch or our code to a DdsBackupError. */
export function toDdsError(raw: unknown, signal?: AbortSignal): DdsBackupError {
  if (raw instanceof DdsBackupError) return raw;
  if (signal?.aborted) return new AbortError();
  const err = raw as {
    name?: string;
    message?: string;
    code?: string;
    retryable?: boolean;
    cause?: { code?: string; message?: string; retryable?: boolean };
  };
  if (err?.name === 'TimeoutError') return new TimeoutError(err.message ?? 'timed out');
  if (err?.name === 'AbortError') return new AbortError();
  const detail = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(raw);
  const code = [err?.cause?.code, err?.code].find((c) => typeof c === 'string');
  const permanent =
    err?.retryable === false ||
    err?.cause?.retryable === false ||
    (code !== undefined && NON_RETRYABLE_NETWORK_CODES.has(code));
  if (permanent) {
    return new NetworkError(
      `Network error: ${detail}${detail === err?.message || !err?.message ? '' : ` (${err.message})`}. Retrying cannot fix this: the address or the connection settings are wrong.`,
      raw,
      { retryable: false, ...(code ? { code } : {}) },
    );
  }
  return new NetworkError(`Network error: ${detail}`, raw, code ? { code } : {});
}
