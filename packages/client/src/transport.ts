import { HEADER_LC } from '@dds-backup/contract';
import type { AuthContext, CredentialsProvider } from './credentials/types.js';
import { isRetryableStatus, ResponseFormatError, ResponseTooLargeError, TimeoutError } from './errors.js';
import { redactHeaders, redactUrl } from './redact.js';
import { type RetryEvent, type RetryOptions, withRetries } from './retry.js';
import { apiErrorFrom } from './unwrap.js';

export type FetchLike = (request: Request) => Promise<Response>;

export interface TransportOptions {
  fetch: FetchLike;
  credentials: CredentialsProvider | undefined;
  authContext: () => Omit<AuthContext, 'signal'>;
  retry: RetryOptions;
  /** Per-attempt timeout in ms (0 = none). */
  timeoutMs: number;
  headers: Record<string, string>;
  onRetry?: (event: RetryEvent & { url: string }) => void;
  /** Receives one line per request and response, secrets redacted (for --verbose). */
  log?: (line: string) => void;
}

/**
 * The fetch given to openapi-fetch: per attempt it authorizes (a fresh signature or token),
 * applies the per-attempt timeout, and retries network errors and 429/5xx answers with backoff
 * or Retry-After. The last answer is returned as a Response, not thrown, so openapi-fetch still
 * yields `{ error }` for it: results at the HTTP seam, exceptions only through unwrap().
 */
export function createTransport(options: TransportOptions): FetchLike {
  return async (original: Request) => {
    const userSignal = original.signal;
    const attempts = Math.max(1, options.retry.attempts ?? 4);
    const response = await withRetries(
      async (n) => {
        const timeout = options.timeoutMs > 0 ? AbortSignal.timeout(options.timeoutMs) : undefined;
        const signal = timeout ? AbortSignal.any([userSignal, timeout]) : userSignal;
        let request = new Request(original.clone(), { signal });
        for (const [k, v] of Object.entries(options.headers)) if (!request.headers.has(k)) request.headers.set(k, v);
        if (options.credentials)
          request = await options.credentials.authorize(request, { ...options.authContext(), signal });
        const started = Date.now();
        options.log?.(
          `> ${request.method} ${redactUrl(request.url)} ${JSON.stringify(redactHeaders(request.headers))}`,
        );
        let response: Response;
        try {
          response = await raceSignal(options.fetch(request), signal);
        } catch (error) {
          if (timeout?.aborted && !userSignal.aborted) {
            throw new TimeoutError(
              `${request.method} ${redactUrl(request.url)} got no answer within ${options.timeoutMs} ms`,
            );
          }
          throw error;
        }
        options.log?.(
          `< ${response.status} ${redactUrl(request.url)} ${Date.now() - started}ms request-id=${response.headers.get(HEADER_LC.XRequestId) ?? '-'}`,
        );
        if (isRetryableStatus(response.status) && n + 1 < attempts) {
          const text = await response.text().catch(() => '');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {}
          throw apiErrorFrom(`${request.method} ${new URL(request.url).pathname}`, response, body);
        }
        return response;
      },
      {
        ...options.retry,
        signal: userSignal,
        onRetry: (e) => options.onRetry?.({ ...e, url: redactUrl(original.url) }),
      },
    );
    return checkedAnswer(response, `${original.method} ${new URL(original.url).pathname}`);
  };
}

/** Largest API answer read (16 MiB): a DDS or IAM answer is a few KB; more is a wrong endpoint or an attack. */
export const MAX_API_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Reads an API answer whole, up to MAX_API_ANSWER_BYTES (ResponseTooLargeError beyond, without
 * reading further), and makes sure a 2xx answer is JSON (ResponseFormatError naming the call,
 * the status and the content type otherwise: an HTML page is a wrong endpoint, not a crash in
 * JSON.parse). Returns an equivalent Response for openapi-fetch to parse.
 */
export async function checkedAnswer(response: Response, call: string): Promise<Response> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_API_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(call, response.status, declared, MAX_API_ANSWER_BYTES);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_API_ANSWER_BYTES) {
        await reader.cancel().catch(() => {});
        throw new ResponseTooLargeError(call, response.status, undefined, MAX_API_ANSWER_BYTES);
      }
      chunks.push(value);
    }
  }
  const body = Buffer.concat(chunks);
  const type = response.headers.get('content-type') ?? '';
  if (response.ok && body.length > 0) {
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      const html = /html/i.test(type) || /^\s*</.test(body.subarray(0, 64).toString('utf8'));
      throw new ResponseFormatError(
        `${call}: the API answered HTTP ${response.status} ${type ? type.split(';')[0] : 'without a content type'}, not JSON` +
          (html
            ? ': is the endpoint right? An HTML page usually means --endpoint (or a proxy) points at a web server or a login page, not the DDS API.'
            : ': the answer cannot be read. Check --endpoint; if it is right, the service sent a broken answer: run the command again later.'),
      );
    }
  }
  const empty = body.length === 0 || response.status === 204 || response.status === 205 || response.status === 304;
  return new Response(empty ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * Settles with the fetch, or rejects as soon as the signal fires: a transport that ignores
 * signals (an in-process handler, a custom fetch) cannot hold a timed-out attempt open.
 */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
