import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type FetchLike, tokenCredentials } from '@dds-backup/client';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
import type { ConformanceOptions } from '../src/index.js';

/** Any origin works in-process: the mock's links point back at it. */
export const ORIGIN = 'http://mock.test';
/** The one token the test mocks accept, so a made-up token is refused as the real gateway refuses it. */
export const TOKEN = 'contract-kit-test-token';

export function newMock(): MockServer {
  return createMockServer({ tokens: [TOKEN] });
}

/** Options that make the suite pass against a fresh mock (the sharded backup: several files). */
export function suiteOptions(mock: MockServer, fetch: FetchLike = mock.fetch, baseUrl = ORIGIN): ConformanceOptions {
  const d = mock.defaults;
  return {
    baseUrl,
    projectId: d.projectId,
    instanceId: d.sharded.instanceId,
    backupId: d.sharded.backupId,
    credentials: tokenCredentials(TOKEN),
    fetch,
  };
}

export const isApiCall = (request: Request) => new URL(request.url).pathname.endsWith('/backups/download-file');
export const isDownload = (request: Request) => new URL(request.url).pathname.startsWith('/obs/');

/** A copy of a response with new status, headers or body (the body as text). */
export async function rebuild(
  response: Response,
  change: { status?: number; headers?: (h: Headers) => void; json?: (body: any) => unknown },
): Promise<Response> {
  const headers = new Headers(response.headers);
  change.headers?.(headers);
  let body: ReadableStream<Uint8Array> | string | null = response.body;
  if (change.json) {
    const text = JSON.stringify(change.json(await response.json()));
    headers.set('content-length', String(Buffer.byteLength(text)));
    body = text;
  }
  return new Response(body, { status: change.status ?? response.status, headers });
}

/**
 * Serves a fetch handler on 127.0.0.1:0 with node:http (which adds a Date header, as real
 * servers do). Links the mock hands out point back at this server, so downloads go through the
 * handler too.
 */
export async function serveFetch(handler: FetchLike): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) =>
        v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]),
      ),
    });
    const response = await handler(request);
    res.writeHead(response.status, [...response.headers].flat());
    if (!response.body || req.method === 'HEAD') {
      await response.body?.cancel();
      res.end();
      return;
    }
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    body.on('error', () => res.destroy());
    res.on('close', () => body.destroy());
    body.pipe(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
