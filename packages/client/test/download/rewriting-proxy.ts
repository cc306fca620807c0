import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type DdsClient, tokenCredentials } from '../../src/index.js';
import { FAST_RETRY, type MockHandle } from './helpers.js';

/** What a rewriting proxy may change in an answer of the mock (headers are lowercase). */
export interface Rewrite {
  /** Every request: change its headers before the mock sees them (e.g. drop Range). */
  request?: (headers: Headers, req: IncomingMessage) => void;
  /** Object GETs (`/obs/...`): change the status, headers or body before they are sent. */
  object?: (answer: { status: number; headers: Record<string, string>; body: Buffer }, req: IncomingMessage) => void;
  /** API calls: same, for everything that is not an object GET. */
  api?: (answer: { status: number; headers: Record<string, string>; body: Buffer }, req: IncomingMessage) => void;
}

/**
 * A real HTTP server on 127.0.0.1:0 in front of an in-process mock that rewrites its answers
 * (drops an ETag, makes it multipart, flips a byte...): for what the mock itself cannot be told
 * to do. The mock builds links from the request's origin, so object GETs come back through it.
 * Returns its URL, a client for it, and `close`.
 */
export async function rewritingProxy(
  m: MockHandle,
  rewrite: Rewrite,
): Promise<{ url: string; client: DdsClient; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const origin = `http://${req.headers.host}`;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    rewrite.request?.(headers, req);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const answer = await m.mock.fetch(
      new Request(origin + req.url, {
        method: req.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      }),
    );
    const out = {
      status: answer.status,
      headers: {} as Record<string, string>,
      body: Buffer.from(await answer.arrayBuffer()),
    };
    answer.headers.forEach((v, k) => {
      out.headers[k] = v;
    });
    if (req.url!.startsWith('/obs/')) rewrite.object?.(out, req);
    else rewrite.api?.(out, req);
    if (out.headers['content-length'] !== undefined) out.headers['content-length'] = String(out.body.length);
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createClient({
    endpoint: url,
    projectId: m.mock.defaults.projectId,
    credentials: tokenCredentials(m.mock.defaults.token),
    // As startMock's client: a developer's proxy variables must not leak in.
    proxy: false,
    retry: FAST_RETRY,
  });
  return {
    url,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
