import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChunkPool } from '../content.js';
import { sleep } from '../context.js';
import type { Handled, Handler } from '../handler.js';
import {
  BodyTooLargeError,
  bodyLength,
  type CoreRequest,
  type CoreResult,
  isObjectBody,
  MAX_BODY_BYTES,
  type ObjectBody,
  type StreamFaults,
} from './core.js';

/** Bytes per write when streaming an object: large writes keep syscalls and callbacks few. */
const CHUNK = 1024 * 1024;
const RESET_DELAY_MS = 5;

export { BodyTooLargeError, MAX_BODY_BYTES } from './core.js';

function toCore(req: IncomingMessage): CoreRequest {
  let url = req.url ?? '/';
  if (!url.startsWith('/')) {
    // absolute-form (proxy-style) request target
    try {
      const u = new URL(url);
      url = u.pathname + u.search;
    } catch {
      url = '/';
    }
  }
  const q = url.indexOf('?');
  const host = req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    // Links point back at the address the request came to, with its scheme.
    origin: `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${host}`,
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    headers: () => req.headers as Record<string, string | undefined>,
    rawHeaders: () => req.rawHeaders,
    body: () =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            // Keep the socket so the 413 answer reaches the client (a reset would hide it); the
            // rest of the body is read and dropped, and the answer closes the connection.
            req.off('data', onData);
            req.resume();
            reject(new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`));
          } else chunks.push(c);
        };
        req.on('data', onData);
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      }),
  };
}

const waitDrainOrClose = (res: ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

const writeFlushed = (res: ServerResponse, chunk: Uint8Array, done?: () => void) =>
  new Promise<void>((resolve) => {
    res.write(chunk, () => {
      done?.();
      resolve();
    });
  });

/**
 * Chunk buffers per object response. The loop waits for drain after a write the socket could not
 * take at once, so one buffer is in flight while the next is stamped: two suffice.
 */
const POOL_CHUNKS = 2;

/** Resolves when `chunks` has a buffer back, or the response is closed. */
const waitFreeOrClose = (res: ServerResponse, waiting: { wake: (() => void) | undefined }) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('close', done);
      waiting.wake = undefined;
      resolve();
    };
    waiting.wake = done;
    res.on('close', done);
  });

/** Streams a body in large chunks, honouring backpressure and the stream faults. */
async function streamBody(
  res: ServerResponse,
  result: CoreResult,
  faults: StreamFaults,
): Promise<{ sent: number; aborted: boolean }> {
  const body = result.body!;
  const total = bodyLength(body);
  const cut = Math.min(faults.resetAfter ?? Infinity, faults.truncateAfter ?? Infinity);
  const limit = Math.min(total, cut);
  const bps = faults.bytesPerSecond;
  const chunkSize = bps ? Math.max(1, Math.min(CHUNK, Math.floor(bps / 10))) : CHUNK;
  // Object bytes go out of a few reused buffers (no allocation, and no copy once a buffer holds
  // the pattern: only the stamps change from chunk to chunk); a buffer is reused once its write
  // has completed. Other bodies are sent as views of themselves.
  const pool = isObjectBody(body)
    ? new ChunkPool(body.content, Math.min(chunkSize, limit), Math.min(POOL_CHUNKS, Math.ceil(limit / chunkSize)))
    : undefined;
  const waiting: { wake: (() => void) | undefined } = { wake: undefined };
  const plain = typeof body === 'string' ? Buffer.from(body) : isObjectBody(body) ? undefined : (body as Uint8Array);
  const started = performance.now();
  let sent = 0;
  while (sent < limit) {
    if (res.destroyed) return { sent, aborted: true };
    const n = Math.min(chunkSize, limit - sent);
    let chunk: Uint8Array;
    let done: (() => void) | undefined;
    if (pool) {
      const pooled = pool.take((body as ObjectBody).start + sent, n);
      if (!pooled) {
        await waitFreeOrClose(res, waiting);
        continue;
      }
      chunk = pooled.bytes;
      done = () => {
        pool.give(pooled);
        waiting.wake?.();
      };
    } else chunk = plain!.subarray(sent, sent + n);
    const last = sent + n >= limit && cut < total;
    sent += n;
    if (last) await writeFlushed(res, chunk, done);
    else if (!res.write(chunk, done)) await waitDrainOrClose(res);
    if (bps) {
      const due = started + (sent / bps) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }
  if (cut < total) {
    const socket = res.socket;
    if (faults.resetAfter !== undefined && faults.resetAfter <= (faults.truncateAfter ?? Infinity)) {
      // A TCP RST: the client sees ECONNRESET mid-body. Why the timer: reset right in the
      // write callback reaches the peer as a plain FIN with node:http's socket (measured on
      // Node 20); one timer tick later the SO_LINGER=0 close sends the RST as intended.
      await sleep(RESET_DELAY_MS);
      // Over TLS the RST goes on the TCP socket beneath (a TLSSocket's own handle cannot reset:
      // resetAndDestroy() throws and the connection would just hang).
      const tcp = (socket as { _parent?: typeof socket } | null)?._parent ?? socket;
      if (tcp && !tcp.destroyed) tcp.resetAndDestroy();
      else if (socket && !socket.destroyed) socket.destroy();
    } else {
      // A clean FIN before Content-Length bytes: the client sees a short body.
      socket?.end();
    }
    return { sent, aborted: true };
  }
  res.end();
  return { sent, aborted: false };
}

/** The node:http request listener over the core handler: writes results straight to `res`. */
export function createNodeListener(handler: Handler): (req: IncomingMessage, res: ServerResponse) => void {
  const send = (res: ServerResponse, handled: Handled, head: boolean) => {
    const { result } = handled;
    const body = result.body;
    const headers = result.headers;
    if (result.rawHeaders) {
      // A passed-through answer (validation proxy): headers exactly as listed (no Date of our
      // own either), body as is.
      res.sendDate = false;
      res.writeHead(result.status, result.statusText, result.rawHeaders);
      const bytes = head || isObjectBody(body) ? undefined : body;
      res.end(bytes);
      handler.complete(handled, bytes === undefined ? 0 : bodyLength(bytes), false);
      return;
    }
    if (!result.faults && !isObjectBody(body)) {
      // Fast path: one writeHead + end, no stream machinery.
      if (body !== undefined && headers['content-length'] === undefined)
        headers['content-length'] = String(bodyLength(body));
      res.writeHead(result.status, headers);
      res.end(head ? undefined : body);
      handler.complete(handled, head ? 0 : bodyLength(body), false);
      return;
    }
    if (headers['content-length'] === undefined) headers['content-length'] = String(bodyLength(body));
    res.writeHead(result.status, headers);
    streamBody(res, result, result.faults ?? {}).then(
      ({ sent, aborted }) => handler.complete(handled, sent, aborted),
      () => handler.complete(handled, 0, true),
    );
  };
  return (req, res) => {
    const core = toCore(req);
    const head = core.method === 'HEAD';
    const fail = (error: unknown) => send(res, handler.internalError(core, error), head);
    let handled: Handled | Promise<Handled>;
    try {
      handled = handler.handle(core);
    } catch (error) {
      fail(error);
      return;
    }
    // The hot API operation answers synchronously: sent in the same tick, no promise.
    if (handled instanceof Promise) handled.then((h) => send(res, h, head), fail);
    else send(res, handled, head);
  };
}
