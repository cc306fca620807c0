import { sleep } from '../context.js';
import type { Handled, Handler } from '../handler.js';
import {
  BodyTooLargeError,
  bodyLength,
  type CoreRequest,
  type CoreResult,
  isObjectBody,
  MAX_BODY_BYTES,
} from './core.js';

/** Chunk size of object bodies in-process: smaller than on sockets, the consumer is right here. */
const CHUNK = 256 * 1024;
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function toCore(request: Request): CoreRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    rawQuery: url.search.slice(1),
    origin: url.origin,
    // fetch never exposes Host: it is the URL's host, as it would be on the wire.
    header: (name) => request.headers.get(name) ?? (name === 'host' ? url.host : undefined),
    headers: () => {
      const all: Record<string, string> = Object.fromEntries(request.headers);
      all.host ??= url.host;
      return all;
    },
    rawHeaders: () => {
      const flat = [...request.headers].flat();
      return request.headers.has('host') ? flat : [...flat, 'host', url.host];
    },
    body: async () => {
      const body = Buffer.from(await request.arrayBuffer());
      if (body.length > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`);
      return body;
    },
  };
}

/** What undici reports when a socket is reset mid-body, so in-process clients see the same error. */
function connectionReset(): Error {
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  return Object.assign(new TypeError('terminated'), { cause });
}

function streamOf(result: CoreResult, handler: Handler, handled: Handled): ReadableStream<Uint8Array> {
  const body = result.body!;
  const faults = result.faults ?? {};
  const total = bodyLength(body);
  const read = isObjectBody(body)
    ? (pos: number, n: number) => body.content.read(body.start + pos, body.start + pos + n)
    : (() => {
        const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body as Uint8Array);
        return (pos: number, n: number) => buf.subarray(pos, pos + n);
      })();
  const cut = Math.min(faults.resetAfter ?? Infinity, faults.truncateAfter ?? Infinity);
  const limit = Math.min(total, cut);
  const reset =
    cut < total && faults.resetAfter !== undefined && faults.resetAfter <= (faults.truncateAfter ?? Infinity);
  const bps = faults.bytesPerSecond;
  const chunkSize = bps ? Math.max(1, Math.min(CHUNK, Math.floor(bps / 10))) : CHUNK;
  let started: number | undefined;
  let sent = 0;
  let done = false;
  const finish = (aborted: boolean) => {
    if (done) return;
    done = true;
    handler.complete(handled, sent, aborted);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (sent >= limit) {
          finish(cut < total);
          if (reset) controller.error(connectionReset());
          else controller.close();
          return;
        }
        started ??= performance.now();
        const n = Math.min(chunkSize, limit - sent);
        if (bps) {
          const wait = started + ((sent + n) / bps) * 1000 - performance.now();
          if (wait > 0) await sleep(wait);
        }
        const chunk = read(sent, n);
        sent += n;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      },
      cancel() {
        finish(true);
      },
    },
    { highWaterMark: 0 },
  );
}

/** A passed-through answer (validation proxy): headers exactly as listed, body as is. */
function passThrough(result: CoreResult, head: boolean): { response: Response; sent: number } {
  const headers = new Headers();
  const list = result.rawHeaders ?? [];
  for (let i = 0; i + 1 < list.length; i += 2) headers.append(list[i]!, list[i + 1]!);
  const body = result.body;
  const bytes = head || NULL_BODY_STATUS.has(result.status) || body === undefined || isObjectBody(body) ? null : body;
  const init = { status: result.status, headers, ...(result.statusText ? { statusText: result.statusText } : {}) };
  return { response: new Response(bytes, init), sent: bytes === null ? 0 : bodyLength(bytes) };
}

/** The WHATWG fetch adapter: `server.fetch(request)` answers without any socket. */
export function createFetchHandler(handler: Handler): (request: Request) => Promise<Response> {
  return async (request) => {
    const core = toCore(request);
    let handled: Handled;
    try {
      handled = await handler.handle(core);
    } catch (error) {
      handled = handler.internalError(core, error);
    }
    const { result } = handled;
    const head = request.method === 'HEAD';
    const body = result.body;
    if (result.rawHeaders) {
      const { response, sent } = passThrough(result, head);
      handler.complete(handled, sent, false);
      return response;
    }
    const headers = new Headers(result.headers);
    if (head || body === undefined || NULL_BODY_STATUS.has(result.status)) {
      if (body !== undefined && !headers.has('content-length')) headers.set('content-length', String(bodyLength(body)));
      handler.complete(handled, 0, false);
      return new Response(null, { status: result.status, headers });
    }
    if (!headers.has('content-length')) headers.set('content-length', String(bodyLength(body)));
    if (!result.faults && !isObjectBody(body)) {
      handler.complete(handled, bodyLength(body), false);
      return new Response(body as string | Uint8Array, { status: result.status, headers });
    }
    return new Response(streamOf(result, handler, handled), { status: result.status, headers });
  };
}
