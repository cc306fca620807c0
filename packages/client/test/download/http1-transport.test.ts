// The engine's own HTTP/1.1 client, against real sockets: framing (Content-Length, chunked,
// close-delimited), keep-alive reuse, a connection cut mid-body, and backpressure.
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { http1Transport } from '../../src/download/http1-transport.js';

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
});
