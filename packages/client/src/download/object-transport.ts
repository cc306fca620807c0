import http from 'node:http';
import https from 'node:https';
import type { FetchLike } from '../transport.js';
import { http1Transport } from './http1-transport.js';

/** One object GET as the engine sees it, whichever transport carried it. */
export interface ObjectResponse {
  status: number;
  /** A response header (lower-case name), or undefined. */
  header(name: string): string | undefined;
  /** The body, in the chunks the transport delivers (not copied). */
  body: AsyncIterable<Uint8Array>;
  /** Drops the rest of the body (the connection is closed, not reused). */
  destroy(): void;
  /** Hands a body chunk back once it is written, so its memory can be reused (optional). */
  recycle?(chunk: Uint8Array): void;
}

/** Sends a GET for an object URL. The signal aborts the request and its body. */
export interface ObjectTransport {
  readonly kind: 'http1' | 'node' | 'fetch';
  get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<ObjectResponse>;
  /** Frees pooled connections. */
  close(): void;
}

/**
 * node:http(s) with a keep-alive agent: the conventional path, kept as `transport: 'node'`.
 * The default fast path is http1-transport.ts, which skips llhttp/IncomingMessage per chunk.
 */
export function nodeTransport(maxSockets: number): ObjectTransport {
  const options = { keepAlive: true, maxSockets, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
  return {
    kind: 'node',
    get(url, headers, signal) {
      const target = new URL(url);
      const lib = target.protocol === 'https:' ? https : http;
      const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
      return new Promise<ObjectResponse>((resolve, reject) => {
        const req = lib.get(target, { agent, headers, signal }, (res) => {
          resolve({
            status: res.statusCode ?? 0,
            header: (name) => {
              const v = res.headers[name];
              return Array.isArray(v) ? v.join(', ') : v;
            },
            body: res,
            destroy: () => res.destroy(),
          });
        });
        req.on('error', reject);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** Portable path: the client's injected fetch (the mock's in-process handler, a proxy...). */
export function fetchTransport(fetch: FetchLike): ObjectTransport {
  return {
    kind: 'fetch',
    async get(url, headers, signal) {
      const response = await fetch(new Request(url, { headers, signal }));
      const body = response.body;
      const reader = body?.getReader();
      return {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        body: reader ? readAll(reader, signal) : emptyBody(),
        destroy: () => {
          reader?.cancel().catch(() => {});
        },
      };
    },
    close() {},
  };
}

/**
 * The body's chunks, stopping at once when the signal fires: an in-process handler may not
 * watch the Request's signal the way a network fetch does, so the reader is cancelled here.
 */
async function* readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
): AsyncIterable<Uint8Array> {
  const onAbort = () => {
    reader.cancel(signal.reason).catch(() => {});
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) return;
      yield value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Stopping early (break, error) must release the stream.
    reader.cancel().catch(() => {});
  }
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

/**
 * Picks the transport for object GETs. `auto`: node:http(s) when the client's fetch is the
 * default global fetch and the link is http(s); otherwise the client's fetch, so an injected
 * transport (tests, proxies) carries the downloads too.
 */
export function selectTransport(
  mode: 'auto' | 'http1' | 'node' | 'fetch',
  client: { fetch: FetchLike; usesGlobalFetch: boolean },
  sampleUrl: string | undefined,
  maxSockets: number,
): ObjectTransport {
  const httpUrl = sampleUrl !== undefined && /^https?:/i.test(sampleUrl);
  if (mode === 'http1' || (mode === 'auto' && httpUrl && client.usesGlobalFetch)) return http1Transport(maxSockets);
  if (mode === 'node') return nodeTransport(maxSockets);
  return fetchTransport(client.fetch);
}
