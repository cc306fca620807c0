import net from 'node:net';
import tls from 'node:tls';
import { ProxyError, TlsVerificationError, tlsFailureCode } from '../network/network-errors.js';
import type { ProxyTarget } from '../network/proxy-env.js';
import { BLOCK_BYTES, BodyBlocks } from './body-blocks.js';
import type { ObjectResponse, ObjectTransport } from './object-transport.js';

// A deliberately small HTTP/1.1 client for object GETs: the fast path of the download engine.
// Measured on this project's machine (bench/), reading a loopback object through node:http tops
// out near 0.5 GB/s because every body chunk goes through llhttp and IncomingMessage, while the
// same bytes read from a plain socket arrive at 1.5 GB/s or more. An object GET needs little of
// HTTP: one request, a status line, headers, and a body framed by Content-Length (OBS always
// sends it for objects; chunked framing is decoded too, for error bodies and proxies).
// It is the engine's only object transport: undici 7 measured 0.70-0.76x of it with about 1.5x
// the CPU per GiB (bench/RESULTS.md, "Object transport choice"; reasons in ./README.md).
// Also: TLS (node:tls, verification always on, extra CAs, session reuse per origin), proxies
// (absolute-form GETs for http:, CONNECT tunnels for https:), 1xx interim answers skipped,
// `Connection: close` and HTTP/1.0 answers not reused.

/** Largest response head accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Socket reading pauses when this much body is queued and not yet consumed (backpressure). */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Idle pooled connections are closed after this long (servers close theirs after ~5 s). */
const IDLE_MS = 4000;

type Socket = net.Socket | tls.TLSSocket;

/** An error of the connection itself (reset, closed early, bad framing): retryable. */
export class Http1Error extends Error {
  override name = 'Http1Error';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** How sockets are opened: through which proxy, trusting which CAs. */
export interface Http1Options {
  /** The proxy for a URL, or undefined for a direct connection (see network/proxy-env.ts). */
  proxy?: ((url: URL) => ProxyTarget | undefined) | undefined;
  /** Trusted CAs (PEM) replacing Node's default store; undefined = Node's default. */
  ca?: readonly (string | Buffer)[] | undefined;
}

/** Longest wait for a proxy's answer to CONNECT. */
const CONNECT_TIMEOUT_MS = 30_000;

interface PoolEntry {
  socket: Socket;
  timer: NodeJS.Timeout;
  drop: () => void;
}

/** HTTP/1.1 GETs over pooled keep-alive sockets (net or tls), at most `maxSockets` per origin. */
export function http1Transport(maxSockets: number, options: Http1Options = {}): ObjectTransport {
  const idle = new Map<string, PoolEntry[]>();
  // The last TLS session per origin: new connections resume it (an abbreviated handshake).
  const sessions = new Map<string, Buffer>();
  // Body memory shared by every response of this transport (see body-blocks.ts).
  const blocks = new BodyBlocks(maxSockets * FREE_BLOCKS);
  let closed = false;

  const take = (origin: string): Socket | undefined => {
    const list = idle.get(origin);
    while (list && list.length > 0) {
      const entry = list.pop()!;
      clearTimeout(entry.timer);
      entry.socket.removeListener('error', entry.drop);
      entry.socket.removeListener('close', entry.drop);
      if (!entry.socket.destroyed) return entry.socket;
    }
    return undefined;
  };

  const giveBack = (origin: string, socket: Socket) => {
    const list = idle.get(origin) ?? [];
    if (closed || list.length >= maxSockets || socket.destroyed) {
      socket.destroy();
      return;
    }
    const drop = () => {
      socket.destroy();
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
    const entry: PoolEntry = { socket, timer: setTimeout(drop, IDLE_MS), drop };
    entry.timer.unref();
    socket.on('error', drop);
    socket.on('close', drop);
    list.push(entry);
    idle.set(origin, list);
  };

  return {
    async get(url, headers, signal) {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        throw new Http1Error(`unsupported URL scheme ${target.protocol}`, 'ERR_INVALID_URL');
      for (const [k, v] of Object.entries(headers)) {
        if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new TypeError(`invalid header ${k}`);
      }
      const origin = `${target.protocol}//${target.host}`;
      const proxy = options.proxy?.(target);
      const key = proxy ? `${origin} via ${proxy.href}` : origin;
      // http: through a proxy is sent to the proxy in absolute form; https: goes through a tunnel.
      const forward = proxy && target.protocol === 'http:' ? proxy : undefined;
      const fresh = () => open(target, proxy, options.ca, sessions, signal);
      const reused = take(key);
      try {
        return await exchange(target, headers, signal, reused ?? (await fresh()), forward, blocks, (socket) =>
          giveBack(key, socket),
        );
      } catch (error) {
        // A pooled connection the server had already closed: try once on a fresh one.
        if (reused && error instanceof Http1Error && error.code === 'ESTALE') {
          return exchange(target, headers, signal, await fresh(), forward, blocks, (socket) => giveBack(key, socket));
        }
        throw error;
      }
    },
    close() {
      closed = true;
      for (const list of idle.values())
        for (const e of list.splice(0)) {
          clearTimeout(e.timer);
          e.socket.destroy();
        }
    },
  };
}

/** Bytes one socket read may return outside a body; the buffer is reused for every such read. */
const READ_BYTES = 64 * 1024;

/**
 * Where a socket's next read lands. Outside a body (the response head, chunked bodies) reads go
 * to one reused buffer and are announced as 'data'; listeners copy what they keep. While a
 * Content-Length body is being read, its BodyReader installs itself here and the kernel copies
 * straight into the body's free block space: no second copy of any body byte.
 */
interface DirectReader {
  /** The memory the next read should fill (never empty). */
  buffer(): Buffer;
  /** `n` bytes were read into `buf` (the last buffer() result). */
  commit(n: number, buf: Buffer): void;
}
const directReaders = new WeakMap<Socket, DirectReader>();

/**
 * A connection to the target's origin: direct, to the proxy (http: targets), or TLS inside a
 * CONNECT tunnel through the proxy (https: targets). Certificates are always verified.
 */
async function open(
  target: URL,
  proxy: ProxyTarget | undefined,
  ca: Http1Options['ca'],
  sessions: Map<string, Buffer>,
  signal: AbortSignal,
): Promise<Socket> {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const https = target.protocol === 'https:';
  const port = Number(target.port) || (https ? 443 : 80);
  const shared = Buffer.allocUnsafe(READ_BYTES);
  // Node calls buffer() right before each read and callback() right after it, in the same tick
  // (net and tls alike, checked on Node 20); a reader that changed in between is detected by
  // identity and its bytes take the copying path.
  let handed: Buffer = shared;
  let direct: DirectReader | undefined;
  const onread = {
    buffer: () => {
      direct = directReaders.get(socket);
      handed = direct ? direct.buffer() : shared;
      return handed;
    },
    callback: (n: number, buf: Buffer) => {
      if (direct && buf === handed && directReaders.get(socket) === direct) direct.commit(n, buf);
      else socket.emit('data', buf.subarray(0, n));
      return true;
    },
  };
  let socket: Socket;
  if (!https) {
    socket = proxy ? connectProxy(proxy, ca, onread) : net.connect({ host, port, onread });
  } else {
    const origin = `${target.protocol}//${target.host}`;
    // URL.hostname keeps an IPv6 literal's brackets: `[::1]:443`.
    const tunnel = proxy ? await connectTunnel(proxy, ca, `${target.hostname}:${port}`, signal) : undefined;
    // tls.connect honours `onread` too (checked on Node 20: decrypted bytes arrive through it);
    // @types/node only declares it for net.
    const tlsOptions = {
      ...(tunnel ? { socket: tunnel } : { host, port }),
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
      ...(ca ? { ca: [...ca] } : {}),
      ...(sessions.has(origin) ? { session: sessions.get(origin) } : {}),
      onread,
    };
    const secure = tls.connect(tlsOptions as tls.ConnectionOptions);
    secure.on('session', (session: Buffer) => sessions.set(origin, session));
    secure.once('error', (error: NodeJS.ErrnoException) => {
      // A refused certificate: so is the session it might have resumed.
      if (tlsFailureCode(error)) sessions.delete(origin);
    });
    socket = secure;
  }
  socket.setNoDelay(true);
  // Errors are handled by whoever holds the socket (an exchange, or the pool); this keeps an
  // error between two holders (say, a refused connect after an abort) from crashing the process.
  socket.on('error', () => {});
  return socket;
}

/** A connection to the proxy itself (TLS for an https:// proxy). */
function connectProxy(proxy: ProxyTarget, ca: Http1Options['ca'], onread?: object): Socket {
  const host = proxy.hostname;
  if (proxy.protocol === 'https:') {
    return tls.connect({
      host,
      port: proxy.port,
      servername: net.isIP(host) ? undefined : host,
      ...(ca ? { ca: [...ca] } : {}),
      ...(onread ? { onread } : {}),
    } as tls.ConnectionOptions);
  }
  return net.connect({ host, port: proxy.port, ...(onread ? { onread } : {}) } as net.NetConnectOpts);
}

/** Opens a CONNECT tunnel to `authority` (host:port) through the proxy; resolves with its socket. Also used by the S3 destination's agents. */
export function connectTunnel(
  proxy: ProxyTarget,
  ca: Http1Options['ca'],
  authority: string,
  signal: AbortSignal,
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connectProxy(proxy, ca);
    // Once the tunnel carries TLS, errors surface on the TLS socket above; one left on this raw
    // socket (a reset from the proxy) must not crash the process for want of a listener.
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const done = (error?: Error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve(socket);
    };
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Http1Error('aborted', 'ABORT_ERR'));
    const onError = (error: NodeJS.ErrnoException) => {
      const tlsCode = tlsFailureCode(error);
      done(
        tlsCode
          ? new TlsVerificationError(`the proxy ${proxy.display}`, tlsCode, error.message, error)
          : new Http1Error(
              `proxy ${proxy.display}: ${error.code ?? ''} ${error.message}`.trim(),
              error.code ?? 'ECONNRESET',
            ),
      );
    };
    const onClose = () => done(new ProxyError(proxy.display, 0, 'it closed the connection before answering CONNECT'));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) done(new ProxyError(proxy.display, 0, 'its answer to CONNECT is too large'));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(head.subarray(0, end).toString('latin1'));
      if (!status) done(new ProxyError(proxy.display, 0, 'it answered CONNECT with something other than HTTP'));
      else if (status[1] !== '200')
        done(new ProxyError(proxy.display, Number(status[1]), `HTTP ${status[1]}${status[2]} to CONNECT ${authority}`));
      // Bytes after the 200 would be the server's before our TLS hello: out of step.
      else if (head.length > end + 4) done(new ProxyError(proxy.display, 0, 'it sent data before the tunnel was used'));
      else done();
    };
    const timer = setTimeout(
      () => done(new ProxyError(proxy.display, 0, `no answer to CONNECT within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    timer.unref();
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    let lines = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
    if (proxy.authorization) lines += `Proxy-Authorization: ${proxy.authorization}\r\n`;
    socket.write(`${lines}\r\n`);
  });
}

/** Sends one GET on `socket` and resolves once the response head has arrived. */
function exchange(
  target: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  socket: Socket,
  forward: ProxyTarget | undefined,
  blocks: BodyBlocks,
  release: (socket: Socket) => void,
): Promise<ObjectResponse> {
  return new Promise<ObjectResponse>((resolve, reject) => {
    if (signal.aborted) {
      socket.destroy();
      reject(signal.reason);
      return;
    }
    // Through a forward proxy: the absolute URL, and the proxy's credentials (never printed).
    const path = forward ? `${target.origin}${target.pathname}${target.search}` : `${target.pathname}${target.search}`;
    let lines = `GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\n`;
    if (forward?.authorization) lines += `Proxy-Authorization: ${forward.authorization}\r\n`;
    for (const [k, v] of Object.entries(headers)) lines += `${k}: ${v}\r\n`;
    socket.write(`${lines}Connection: keep-alive\r\n\r\n`);

    let head: Buffer | undefined = Buffer.alloc(0);
    let body: BodyReader | undefined;
    let settled = false;
    let gotBytes = false;

    const fail = (error: Error) => {
      socket.destroy();
      if (!settled) {
        settled = true;
        reject(error);
      } else body?.fail(error);
    };
    const onAbort = () => fail(signal.reason instanceof Error ? signal.reason : new Http1Error('aborted', 'ABORT_ERR'));
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', onError);
      socket.removeListener('close', onEnd);
    };

    const onData = (chunk: Buffer) => {
      gotBytes = true;
      if (body) {
        body.feed(chunk);
        return;
      }
      head = Buffer.concat([head!, chunk]);
      let end: number;
      let parsed: ReturnType<typeof parseHead>;
      // Interim answers (100 Continue, 103 Early Hints...) precede the real one: skip them.
      for (;;) {
        end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD_BYTES) fail(new Http1Error('response head too large', 'EPROTO'));
          return;
        }
        parsed = parseHead(head.subarray(0, end).toString('latin1'));
        if (!parsed) {
          fail(new Http1Error('malformed HTTP response head', 'EPROTO'));
          return;
        }
        if (parsed.status >= 200 || parsed.status === 101) break;
        head = head.subarray(end + 4);
      }
      if (forward && parsed.status === 407) {
        fail(new ProxyError(forward.display, 407, 'HTTP 407 Proxy Authentication Required'));
        return;
      }
      const rest = head.subarray(end + 4);
      head = undefined;
      const connection = parsed.headers.get('connection')?.toLowerCase() ?? '';
      // HTTP/1.0 closes after the answer unless it says keep-alive; 1.1 keeps it unless `close`.
      const keepAlive = parsed.version === '1.0' ? /\bkeep-alive\b/.test(connection) : !/\bclose\b/.test(connection);
      let released = false;
      body = new BodyReader(parsed.headers, socket, rest.length, blocks, (reusable) => {
        cleanup();
        released = true;
        if (reusable && keepAlive) release(socket);
        else socket.destroy();
      });
      settled = true;
      resolve({
        status: parsed.status,
        header: (name) => parsed.headers.get(name),
        body: body,
        recycle: (chunk) => body?.recycle(chunk),
        destroy: () => {
          // After the body completed the socket may be back in the pool, serving someone else.
          if (released) return;
          cleanup();
          socket.destroy();
          body?.fail(new Http1Error('destroyed', 'ERR_STREAM_DESTROYED'));
        },
      });
      if (rest.length > 0) body.feed(rest);
    };
    const onEnd = () => {
      if (body) body.ended();
      else fail(new Http1Error('connection closed before a response', gotBytes ? 'ECONNRESET' : 'ESTALE'));
    };
    const onError = (error: Error) => {
      const code = (error as NodeJS.ErrnoException).code ?? 'ECONNRESET';
      const tlsCode = tlsFailureCode(error);
      if (tlsCode) {
        fail(new TlsVerificationError(target.host, tlsCode, error.message, error));
        return;
      }
      fail(new Http1Error(`${code}: ${error.message}`, !gotBytes && code === 'ECONNRESET' ? 'ESTALE' : code));
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    // A pooled socket may have been paused by the previous body's backpressure.
    socket.resume();
  });
}

function parseHead(text: string): { status: number; version: string; headers: Map<string, string> } | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/(1\.[01]) (\d{3})/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { status: Number(m[2]), version: m[1]!, headers };
}

/** Idle body blocks kept per connection of the transport (in the transport's shared BodyBlocks). */
const FREE_BLOCKS = 16;

interface Block {
  buf: Buffer;
  /** Bytes copied in. */
  fill: number;
  /** Bytes handed to the consumer. */
  given: number;
  /** Views handed out and not recycled yet. */
  out: number;
}

const newBlock = (buf: Buffer): Block => ({ buf, fill: 0, given: 0, out: 0 });

/**
 * The body as an async iterable, framed by Content-Length, chunked encoding, or the connection's
 * end. A Content-Length body is read by the kernel straight into 256 KiB blocks (DirectReader);
 * bytes that arrived with the head, and chunked bodies, are copied into them. Blocks are handed
 * out as views; `recycle(view)` gives a block back to the transport's BodyBlocks once every view
 * of it was written and no more bytes can land in it (it is full, or the body is over).
 * So a multi-GiB transfer reuses a few blocks instead of allocating a buffer per socket read,
 * which fragmented the allocator and pushed peak RSS past 150 MB (bench/), or blocks per
 * response (body-blocks.ts). Reading pauses the socket when the consumer falls behind by
 * HIGH_WATER_BYTES.
 */
class BodyReader implements AsyncIterable<Uint8Array>, DirectReader {
  private blocks: Block[] = [];
  private readonly owner = new WeakMap<Uint8Array, Block>();
  private queued = 0;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private remaining: number | undefined;
  private readonly chunked: boolean;
  private chunk = { state: 'size' as 'size' | 'data' | 'crlf' | 'trailer', left: 0, line: '' };

  constructor(
    headers: Map<string, string>,
    private readonly socket: Socket,
    pendingBytes: number,
    private readonly pool: BodyBlocks,
    private readonly finish: (reusable: boolean) => void,
  ) {
    this.chunked = /\bchunked\b/i.test(headers.get('transfer-encoding') ?? '');
    const length = headers.get('content-length');
    if (!this.chunked && length !== undefined) this.remaining = Number(length);
    // An empty body with bytes already behind it: the connection is out of step, do not reuse it.
    if (this.remaining === 0) this.complete(pendingBytes === 0);
    // A body framed by Content-Length (every object GET) is read straight into its blocks.
    else if (this.remaining !== undefined) directReaders.set(socket, this);
  }

  /** The free tail of the newest block: the kernel reads the next body bytes into it. */
  buffer(): Buffer {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.fill === BLOCK_BYTES) {
      block = newBlock(this.pool.take());
      this.blocks.push(block);
    }
    return block.buf.subarray(block.fill);
  }

  /** `n` bytes landed in the tail buffer() returned (bytes past the body are dropped). */
  commit(n: number): void {
    if (this.done || this.remaining === undefined) return;
    const take = Math.min(n, this.remaining);
    this.blocks[this.blocks.length - 1]!.fill += take;
    this.remaining -= take;
    this.queued += take;
    if (this.queued >= HIGH_WATER_BYTES) this.socket.pause();
    this.wake?.();
    // Bytes past the body on a connection without pipelining: do not reuse it.
    if (this.remaining === 0) this.complete(n === take);
  }

  /** Takes bytes from the socket. They are copied at once: the caller may reuse `data`. */
  feed(data: Buffer): void {
    if (this.done) return;
    if (this.chunked) this.feedChunked(data);
    else if (this.remaining !== undefined) {
      const take = data.length > this.remaining ? data.subarray(0, this.remaining) : data;
      this.remaining -= take.length;
      this.push(take);
      // Bytes past the body on a connection without pipelining: do not reuse it.
      if (this.remaining === 0) this.complete(data.length === take.length);
    } else this.push(data);
  }

  /** The consumer is done with a chunk it got from this body (written to disk). */
  recycle(view: Uint8Array): void {
    const block = this.owner.get(view);
    if (!block) return;
    this.owner.delete(view);
    block.out--;
    // A full block, or the body's last one once the body is over: nothing will land in it again.
    if (block.out === 0 && block.given === block.fill && (block.given === BLOCK_BYTES || this.done))
      this.pool.give(block.buf);
  }

  /** The socket ended: complete for close-delimited bodies, an error otherwise. */
  ended(): void {
    if (this.done) return;
    if (this.remaining === undefined && !this.chunked) this.complete(false);
    else this.fail(new Http1Error('the connection closed before the body was complete', 'ECONNRESET'));
  }

  fail(error: Error): void {
    if (this.done) return;
    this.detach();
    this.error = error;
    this.done = true;
    this.finish(false);
    this.wake?.();
  }

  private complete(reusable: boolean): void {
    this.detach();
    this.done = true;
    this.finish(reusable);
    this.wake?.();
  }

  /** Reads go back to the socket's shared buffer (before the socket may return to the pool). */
  private detach(): void {
    if (directReaders.get(this.socket) === this) directReaders.delete(this.socket);
  }

  private push(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      let block = this.blocks[this.blocks.length - 1];
      if (!block || block.fill === BLOCK_BYTES) {
        block = newBlock(this.pool.take());
        this.blocks.push(block);
      }
      const n = Math.min(BLOCK_BYTES - block.fill, data.length - offset);
      data.copy(block.buf, block.fill, offset, offset + n);
      block.fill += n;
      offset += n;
    }
    this.queued += data.length;
    if (this.queued >= HIGH_WATER_BYTES) this.socket.pause();
    this.wake?.();
  }

  /** The next unread bytes as a view into their block (undefined when nothing is buffered). */
  private take(): Uint8Array | undefined {
    const block = this.blocks[0];
    if (!block || block.given === block.fill) return undefined;
    const view = block.buf.subarray(block.given, block.fill);
    block.given = block.fill;
    block.out++;
    this.owner.set(view, block);
    this.queued -= view.byteLength;
    if (block.given === BLOCK_BYTES) this.blocks.shift();
    return view;
  }

  private feedChunked(data: Buffer): void {
    let i = 0;
    const c = this.chunk;
    while (i < data.length && !this.done) {
      if (c.state === 'data') {
        const n = Math.min(c.left, data.length - i);
        this.push(data.subarray(i, i + n));
        c.left -= n;
        i += n;
        if (c.left === 0) c.state = 'crlf';
        continue;
      }
      const nl = data.indexOf(10, i);
      const piece = data.subarray(i, nl < 0 ? data.length : nl + 1).toString('latin1');
      i = nl < 0 ? data.length : nl + 1;
      c.line += piece;
      if (nl < 0) {
        if (c.line.length > 4096) this.fail(new Http1Error('malformed chunked body', 'EPROTO'));
        continue;
      }
      const line = c.line.trim();
      c.line = '';
      if (c.state === 'crlf') {
        c.state = 'size';
      } else if (c.state === 'size') {
        const size = Number.parseInt(line.split(';')[0]!, 16);
        if (!Number.isFinite(size) || size < 0) {
          this.fail(new Http1Error('malformed chunk size', 'EPROTO'));
          return;
        }
        if (size === 0) c.state = 'trailer';
        else {
          c.left = size;
          c.state = 'data';
        }
      } else if (line === '') {
        this.complete(i === data.length);
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.take();
      if (next) {
        if (this.queued < HIGH_WATER_BYTES / 2 && this.socket.isPaused()) this.socket.resume();
        yield next;
        continue;
      }
      if (this.error) throw this.error;
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
