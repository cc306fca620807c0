// The engine's own HTTP/1.1 client, against real sockets: framing (Content-Length, chunked,
// close-delimited), keep-alive reuse, a connection cut mid-body, backpressure, 1xx answers,
// TLS verification and session reuse, and proxies (a real forward proxy on 127.0.0.1:0).
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import net from 'node:net';
import { selfSignedCertificate, type TlsKeyPair } from '@dds-backup/mock-server';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { http1Transport } from '../../src/download/http1-transport.js';
import { ProxyError, TlsVerificationError } from '../../src/network/network-errors.js';
import { parseProxyUrl } from '../../src/network/proxy-env.js';
import { trustedCas } from '../../src/network/trusted-cas.js';

const servers: Array<Server | net.Server> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server | net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const signal = () => new AbortController().signal;

describe('http1Transport', () => {
  it('reads a Content-Length body, sends the headers, and reuses the connection', async () => {
    const seen: Array<{ range?: string; socket: unknown }> = [];
    const payload = Buffer.alloc(3 * 1024 * 1024 + 7, 7);
    const url = await listen(
      createServer((req, res) => {
        seen.push({ range: req.headers.range, socket: req.socket });
        res.writeHead(200, { 'content-length': payload.length, etag: '"abc"' });
        res.end(payload);
      }),
    );
    const t = http1Transport(2);
    for (let i = 0; i < 2; i++) {
      const r = await t.get(`${url}/obs/b/k?x=1`, { range: 'bytes=0-' }, signal());
      expect(r.status).toBe(200);
      expect(r.header('etag')).toBe('"abc"');
      expect((await readAll(r.body)).equals(payload)).toBe(true);
    }
    expect(seen.map((s) => s.range)).toEqual(['bytes=0-', 'bytes=0-']);
    expect(seen[0]!.socket).toBe(seen[1]!.socket);
    t.close();
  });

  it('decodes a chunked body', async () => {
    const url = await listen(
      createServer((_req, res) => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.write('<Error><Code>AccessDenied</Code>');
        res.end('<Message>Request has expired</Message></Error>');
      }),
    );
    const t = http1Transport(1);
    const r = await t.get(`${url}/x`, {}, signal());
    expect(r.status).toBe(403);
    expect((await readAll(r.body)).toString()).toBe(
      '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
    );
    t.close();
  });

  it('a connection cut mid-body yields the bytes that came, then an error', async () => {
    const url = await listen(
      net.createServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
          socket.end(Buffer.alloc(300, 1));
        });
      }),
    );
    const t = http1Transport(1);
    const r = await t.get(`${url}/x`, {}, signal());
    let got = 0;
    await expect(
      (async () => {
        for await (const c of r.body) got += c.byteLength;
      })(),
    ).rejects.toMatchObject({ name: 'Http1Error', code: 'ECONNRESET' });
    expect(got).toBe(300);
    t.close();
  });

  it('reads a close-delimited body (no Content-Length)', async () => {
    const url = await listen(
      net.createServer((socket) => {
        socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello'));
      }),
    );
    const t = http1Transport(1);
    const r = await t.get(`${url}/x`, {}, signal());
    expect((await readAll(r.body)).toString()).toBe('hello');
    t.close();
  });

  it('an aborted signal stops the request', async () => {
    const url = await listen(net.createServer(() => {}));
    const t = http1Transport(1);
    const controller = new AbortController();
    const pending = t.get(`${url}/x`, {}, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    t.close();
  });

  it('refuses header values that would split the request', async () => {
    const url = await listen(createServer((_q, s) => s.end()));
    const t = http1Transport(1);
    await expect(t.get(`${url}/x`, { range: 'bytes=0-\r\nX-Evil: 1' }, signal())).rejects.toThrow(/invalid header/);
    t.close();
  });

  it('hands out views of reused blocks: every byte is right whether chunks are recycled at once or held', async () => {
    const payload = Buffer.alloc(5 * 1024 * 1024 + 333);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 12)) & 0xff;
    const url = await listen(
      createServer((_req, res) => {
        res.writeHead(200, { 'content-length': payload.length });
        res.end(payload);
      }),
    );
    const t = http1Transport(1);
    // Recycled as soon as copied out: blocks are reused, the copy must still be exact.
    const r1 = await t.get(`${url}/x`, {}, signal());
    const copied: Buffer[] = [];
    for await (const c of r1.body) {
      copied.push(Buffer.from(c));
      r1.recycle?.(c);
    }
    expect(Buffer.concat(copied).equals(payload)).toBe(true);
    // Held without recycling until the end: no block may be reused under a held view.
    const r2 = await t.get(`${url}/x`, {}, signal());
    const held: Uint8Array[] = [];
    for await (const c of r2.body) held.push(c);
    expect(Buffer.concat(held).equals(payload)).toBe(true);
    t.close();
  });

  it('shares blocks across responses, never one under a view still held', async () => {
    const payload = (seed: number) => {
      const b = Buffer.alloc(2 * 1024 * 1024 + 77);
      for (let i = 0; i < b.length; i++) b[i] = (i * seed + (i >> 11)) & 0xff;
      return b;
    };
    const bodies = [payload(13), payload(29), payload(41)];
    let n = 0;
    const url = await listen(
      createServer((_req, res) => {
        const body = bodies[n++ % bodies.length]!;
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      }),
    );
    const t = http1Transport(1);
    // Response 1: every view recycled, the body's last (partial) block too.
    const r1 = await t.get(`${url}/x`, {}, signal());
    const memory1 = new Set<ArrayBufferLike>();
    const got1: Buffer[] = [];
    for await (const c of r1.body) {
      memory1.add(c.buffer);
      got1.push(Buffer.from(c));
      r1.recycle?.(c);
    }
    expect(Buffer.concat(got1).equals(bodies[0]!)).toBe(true);
    // Response 2 reads into response 1's blocks; its views are held, not recycled.
    const r2 = await t.get(`${url}/x`, {}, signal());
    const held: Uint8Array[] = [];
    for await (const c of r2.body) held.push(c);
    expect(held.some((c) => memory1.has(c.buffer))).toBe(true);
    // Response 3 must not read into any block response 2's views still point at.
    const r3 = await t.get(`${url}/x`, {}, signal());
    const got3: Buffer[] = [];
    for await (const c of r3.body) {
      expect(held.some((h) => h.buffer === c.buffer)).toBe(false);
      got3.push(Buffer.from(c));
      r3.recycle?.(c);
    }
    expect(Buffer.concat(held).equals(bodies[1]!)).toBe(true);
    expect(Buffer.concat(got3).equals(bodies[2]!)).toBe(true);
    t.close();
  });

  it('reads a body straight into its blocks: bytes with the head, later reads, bytes past the end', async () => {
    // Part of the body arrives with the head (copied), the rest in later reads (read by the
    // kernel into the body's blocks), then 9 stray bytes: the body must end exactly at its
    // Content-Length and that connection must not be reused (out of step).
    const payload = Buffer.alloc(700 * 1024 + 5);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 10)) & 0xff;
    let connections = 0;
    const server = net.createServer((socket) => {
      const first = ++connections === 1;
      socket.on('data', () => {
        const stray = first;
        socket.write(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n`),
            payload.subarray(0, 1000),
          ]),
        );
        setTimeout(() => {
          socket.write(payload.subarray(1000, 300 * 1024));
          setTimeout(
            () =>
              socket.write(
                Buffer.concat([payload.subarray(300 * 1024), stray ? Buffer.from('STRAYBYTE') : Buffer.alloc(0)]),
              ),
            20,
          );
        }, 20);
      });
    });
    const url = await listen(server);
    const t = http1Transport(1);
    for (let i = 0; i < 3; i++) {
      const r = await t.get(`${url}/x`, {}, signal());
      const got: Buffer[] = [];
      for await (const c of r.body) {
        got.push(Buffer.from(c));
        r.recycle?.(c);
      }
      expect(Buffer.concat(got).equals(payload)).toBe(true);
    }
    // The first connection carried stray bytes and was dropped; the second is reused once.
    expect(connections).toBe(2);
    t.close();
  });
});

// Real-network details (issue #14): interim answers, connection handling, TLS, proxies.
describe('http1Transport on real networks', () => {
  /** A raw server that answers every request on a connection with `answer` (then maybe closes). */
  const raw = (answer: string, close = false) =>
    net.createServer((socket) => {
      socket.on('data', () => {
        socket.write(answer);
        if (close) socket.end();
      });
    });

  it('skips 1xx interim answers (100 Continue, 103 Early Hints) before the real one', async () => {
    const url = await listen(
      raw(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      ),
    );
    const t = http1Transport(1);
    const r = await t.get(`${url}/x`, {}, signal());
    expect(r.status).toBe(200);
    expect((await readAll(r.body)).toString()).toBe('hello');
    t.close();
  });

  it('Connection: close and HTTP/1.0 answers are not reused; a close-delimited 1.0 body is read to its end', async () => {
    let connections = 0;
    const server = raw('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok', true);
    server.on('connection', () => connections++);
    const url = await listen(server);
    const t = http1Transport(1);
    for (let i = 0; i < 2; i++)
      expect((await readAll((await t.get(`${url}/x`, {}, signal())).body)).toString()).toBe('ok');
    expect(connections).toBe(2);

    let old = 0;
    const legacy = raw('HTTP/1.0 200 OK\r\n\r\nno length, ends at close', true);
    legacy.on('connection', () => old++);
    const url10 = await listen(legacy);
    for (let i = 0; i < 2; i++) {
      const r = await t.get(`${url10}/x`, {}, signal());
      expect((await readAll(r.body)).toString()).toBe('no length, ends at close');
    }
    expect(old).toBe(2);
    t.close();
  });

  it('a chunked 200 body is decoded and its connection reused', async () => {
    const sockets = new Set<unknown>();
    const url = await listen(
      createServer((req, res) => {
        sockets.add(req.socket);
        res.writeHead(200); // no Content-Length: node:http frames it chunked
        res.write(Buffer.alloc(70_000, 1));
        res.end(Buffer.alloc(3, 2));
      }),
    );
    const t = http1Transport(1);
    for (let i = 0; i < 2; i++) {
      const r = await t.get(`${url}/x`, {}, signal());
      const body = await readAll(r.body);
      expect(body.length).toBe(70_003);
      expect(body.subarray(-3)).toEqual(Buffer.alloc(3, 2));
    }
    expect(sockets.size).toBe(1);
    t.close();
  });
});

describe('http1Transport over TLS and through proxies', () => {
  /** An HTTPS server on `host` answering `body`; records whether each connection resumed a session. */
  async function tlsServer(pair: TlsKeyPair, host = '127.0.0.1', body = 'secret bytes') {
    const resumed: boolean[] = [];
    const server = createHttpsServer({ ...pair }, (_req, res) => {
      res.writeHead(200, { 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
    });
    server.on('secureConnection', (s) => resumed.push(s.isSessionReused()));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, host, r));
    return { url: `https://${host}:${(server.address() as net.AddressInfo).port}`, resumed };
  }

  it('verifies certificates: refused without the CA (non-retryable TlsVerificationError), accepted with it, sessions resumed', async () => {
    const pair = await selfSignedCertificate();
    const { url, resumed } = await tlsServer(pair);
    const untrusted = http1Transport(1);
    const error = await untrusted.get(`${url}/x`, {}, signal()).catch((e) => e);
    expect(error).toBeInstanceOf(TlsVerificationError);
    expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', retryable: false });
    expect(error.message).toContain('--ca-file');
    untrusted.close();

    const t = http1Transport(1, { ca: trustedCas([pair.cert]) });
    // `Connection: close`: every GET opens a new connection, which resumes the last session.
    for (let i = 0; i < 3; i++)
      expect((await readAll((await t.get(`${url}/x`, {}, signal())).body)).toString()).toBe('secret bytes');
    expect(resumed.slice(-3)).toEqual([false, true, true]);
    t.close();
  });

  it('a certificate for another host name is refused (ERR_TLS_CERT_ALTNAME_INVALID), not retried', async () => {
    const pair = await selfSignedCertificate(); // localhost, 127.0.0.1, ::1 - not 127.0.0.2
    const { url } = await tlsServer(pair, '127.0.0.2');
    const t = http1Transport(1, { ca: trustedCas([pair.cert]) });
    await expect(t.get(`${url}/x`, {}, signal())).rejects.toMatchObject({
      name: 'TlsVerificationError',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      retryable: false,
    });
    t.close();
  });

  /** A real forward proxy (npm `proxy`) on 127.0.0.1:0 whose hook logs every request it gets. */
  async function forwardProxy(accept: (authorization: string | undefined) => boolean = () => true) {
    const log: { method: string; url: string; authorization: string | undefined }[] = [];
    const server = createProxy(createServer());
    server.authenticate = (req) => {
      log.push({ method: req.method!, url: req.url!, authorization: req.headers['proxy-authorization'] });
      return accept(req.headers['proxy-authorization']);
    };
    const url = await listen(server);
    return { url, log };
  }

  it('https: through CONNECT with Proxy-Authorization from the URL; http: in absolute form', async () => {
    const pair = await selfSignedCertificate();
    const { url: target } = await tlsServer(pair);
    const plain = await listen(
      createServer((req, res) => {
        res.writeHead(200, { 'content-length': req.url!.length });
        res.end(req.url);
      }),
    );
    const proxy = await forwardProxy();
    const proxyUrl = proxy.url.replace('http://', 'http://user:pa%3Ass@');
    const t = http1Transport(1, { ca: trustedCas([pair.cert]), proxy: () => parseProxyUrl(proxyUrl) });
    expect((await readAll((await t.get(`${target}/obs/b/k?Signature=s`, {}, signal())).body)).toString()).toBe(
      'secret bytes',
    );
    expect((await readAll((await t.get(`${plain}/obs/b/k`, {}, signal())).body)).toString()).toBe('/obs/b/k');
    const basic = `Basic ${Buffer.from('user:pa:ss').toString('base64')}`;
    expect(proxy.log).toEqual([
      { method: 'CONNECT', url: target.replace('https://', ''), authorization: basic },
      { method: 'GET', url: `${plain}/obs/b/k`, authorization: basic },
    ]);
    t.close();
  });

  it('an https:// proxy: TLS to the proxy, then TLS to the server inside the tunnel, each verified', async () => {
    const serverPair = await selfSignedCertificate();
    const proxyPair = await selfSignedCertificate();
    const { url: target } = await tlsServer(serverPair);
    const log: string[] = [];
    const proxy = createProxy(createHttpsServer({ ...proxyPair }) as unknown as Server);
    proxy.authenticate = (req) => {
      log.push(`${req.method} ${req.url}`);
      return true;
    };
    const proxyUrl = (await listen(proxy)).replace('http://', 'https://');
    const t = http1Transport(1, {
      ca: trustedCas([serverPair.cert, proxyPair.cert]),
      proxy: () => parseProxyUrl(proxyUrl),
    });
    expect((await readAll((await t.get(`${target}/x`, {}, signal())).body)).toString()).toBe('secret bytes');
    expect(log).toEqual([`CONNECT ${target.replace('https://', '')}`]);
    t.close();
    // The proxy's own certificate is verified too.
    const untrusted = http1Transport(1, { ca: trustedCas([serverPair.cert]), proxy: () => parseProxyUrl(proxyUrl) });
    await expect(untrusted.get(`${target}/x`, {}, signal())).rejects.toMatchObject({
      name: 'TlsVerificationError',
      retryable: false,
    });
    untrusted.close();
  });

  it('a proxy answering 407 is a non-retryable ProxyError naming the proxy without its credentials', async () => {
    const pair = await selfSignedCertificate();
    const { url: target } = await tlsServer(pair);
    const plain = await listen(createServer((_q, s) => s.end('x')));
    const proxy = await forwardProxy(() => false);
    const proxyUrl = proxy.url.replace('http://', 'http://user:hunter2@');
    const t = http1Transport(1, { ca: trustedCas([pair.cert]), proxy: () => parseProxyUrl(proxyUrl) });
    for (const url of [`${target}/x`, `${plain}/x`]) {
      const error = await t.get(url, {}, signal()).catch((e) => e);
      expect(error).toBeInstanceOf(ProxyError);
      expect(error).toMatchObject({ status: 407, retryable: false, isAuthError: true, proxy: proxy.url });
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain('hunter2');
    }
    t.close();
  });
});
