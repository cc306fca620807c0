// API answers a client must not trust: an HTML page where JSON belongs, an endless or huge
// body. A small hostile server on 127.0.0.1:0 gives them; each is a clear error, fast.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  getDownloadLinks,
  passwordCredentials,
  ResponseFormatError,
  ResponseTooLargeError,
  RetryLaterError,
  tokenCredentials,
} from '../src/index.js';
import { MAX_API_ANSWER_BYTES } from '../src/transport.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  server = undefined;
});

/** Starts a server answering every request with `answer`; returns a client for it. */
async function hostile(answer: (res: ServerResponse) => void) {
  let requests = 0;
  server = createServer((_req, res) => {
    requests++;
    answer(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createClient({
    endpoint: url,
    projectId: 'p1',
    credentials: tokenCredentials('hostile-test-token'),
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });
  const links = () => getDownloadLinks(client, { instanceId: 'i', backupId: 'b' });
  return { links, requests: () => requests };
}

describe('API answers that are not what DDS gives', () => {
  it('the IAM token call gets the same check: an HTML page names POST /v3/auth/tokens', async () => {
    await hostile((res) => {
      res.writeHead(201, { 'content-type': 'text/html', 'x-subject-token': 'tok' });
      res.end('<html>login</html>');
    });
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    const client = createClient({
      endpoint: url,
      projectId: 'p1',
      credentials: passwordCredentials({ username: 'u', password: 'secret-pw-1', domainName: 'd' }),
      retry: { attempts: 1 },
    });
    const error = await getDownloadLinks(client, { instanceId: 'i', backupId: 'b' }).catch((e) => e);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.message).toMatch(/^POST \/v3\/auth\/tokens: the API answered HTTP 201 text\/html, not JSON/);
  });

  it('an HTML page with 200: ResponseFormatError naming the call, status and content type, and what to check', async () => {
    const h = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body>Welcome to nginx!</body></html>');
    });
    const error = await h.links().catch((e) => e);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.message).toMatch(
      /^GET \/v3\/p1\/backups\/download-file: the API answered HTTP 200 text\/html, not JSON: is the endpoint right\?/,
    );
    expect(error.retryable).toBe(false);
  });

  it('broken JSON with a JSON content type: says the answer cannot be read (not a raw SyntaxError)', async () => {
    const h = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"files": [');
    });
    const error = await h.links().catch((e) => e);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.message).toContain('the API answered HTTP 200 application/json, not JSON: the answer cannot be read');
  });

  it('a declared Content-Length over 16 MiB is refused unread', async () => {
    const h = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(900 * 1024 * 1024) });
      res.write('{"files":[');
      // Never sends the rest: the client must not wait for it.
    });
    const error = await h.links().catch((e) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.message).toMatch(/HTTP 200 with 943718400 bytes; answers over 16 MiB are refused unread/);
    expect(h.requests()).toBe(1);
  });

  it('an endless chunked body is cut at 16 MiB', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const h = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"files":[');
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const error = await h.links().catch((e) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limitBytes).toBe(MAX_API_ANSWER_BYTES);
    expect(error.message).toContain('more than');
  });

  it('Retry-After beyond the wait cap: RetryLaterError saying how long, resumable, after one request', async () => {
    const h = await hostile((res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '600' });
      res.end(JSON.stringify({ error_code: 'DBS.280005', error_msg: 'busy' }));
    });
    const error = await h.links().catch((e) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).toMatchObject({ retryable: true, retryAfterSeconds: 600, status: 503 });
    expect(error.message).toContain('The server asked to wait 10 min before trying again (Retry-After)');
    expect(h.requests()).toBe(1);
  });
});
