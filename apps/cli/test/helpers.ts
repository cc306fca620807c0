import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockServer, type MockServer, type MockServerOptions } from '@dds-backup/mock-server';
import { afterAll, afterEach, beforeEach } from 'vitest';
import type { CliContext } from '../src/context.js';
import { main } from '../src/main.js';

/** A captured output stream. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's main() as a function with captured output and the given environment. */
export async function runCli(
  argv: string[],
  context: Partial<CliContext> & { tty?: boolean } = {},
): Promise<RunResult> {
  const stdout = new Capture(context.tty ?? false);
  const stderr = new Capture(context.tty ?? false);
  const code = await main(argv, { env: {}, ...context, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

// Every temp dir a test file makes is removed when that file's tests end (each test file loads
// this module afresh, so the hook belongs to the file that imported it).
const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

export const tempDir = async (prefix = 'dds-backup-cli-') => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};

export interface SocketMock {
  /** This test's mock. */
  readonly mock: MockServer;
  /** Its base URL on 127.0.0.1:0: the endpoint to pass, so its links point at the socket. */
  readonly url: string;
  /** Calls the admin API (`/__mock/...`) in-process; parsed JSON, throws on an error status. */
  admin(path: string, body?: unknown, method?: string): Promise<any>;
  /** Files of a backup as `/__mock/state?hashes=all` publishes them. */
  files(backupId: string): Promise<{ name: string; size_bytes: number; sha256: string | null }[]>;
  /**
   * A server on 127.0.0.1:0 in front of this mock that rewrites its object answers (ETag, bytes)
   * the way a broken cache or network would, for what the mock cannot be told to do. The mock
   * builds links from the request's origin, so an endpoint pointing here brings the object GETs
   * here too. Closed after the test. Returns its URL.
   */
  rewriting(object: (answer: ObjectAnswer, path: string) => void): Promise<string>;
}

/** An object answer of the mock as a rewriting server may change it (headers lower-case). */
export interface ObjectAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A fresh mock listening on 127.0.0.1:0 for each test of the calling file, closed after it.
 * Object GETs always travel over real sockets (the engine's only transport), so the links must
 * point at a listening server; API calls may still go through a `fetch` wrapping `mock.fetch` (to
 * watch or tamper with them) as long as the endpoint is `url`.
 */
export function mockPerTest(options: () => MockServerOptions = () => ({})): SocketMock {
  let mock: MockServer | undefined;
  let url = '';
  const servers: Server[] = [];
  beforeEach(async () => {
    mock = createMockServer(options());
    url = await mock.listen({ port: 0 });
  });
  afterEach(async () => {
    for (const s of servers.splice(0))
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    await mock?.close();
    mock = undefined;
  });
  const current = () => {
    if (!mock) throw new Error('mockPerTest: the mock exists only inside a test');
    return mock;
  };
  const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await current().fetch(
      new Request(`http://mock.test/__mock/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const text = await res.text();
    if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    get mock() {
      return current();
    },
    get url() {
      current();
      return url;
    },
    admin,
    async files(backupId) {
      const state = await admin('state?hashes=all');
      for (const p of state.projects)
        for (const i of p.instances) for (const b of i.backups) if (b.id === backupId) return b.files;
      throw new Error(`backup ${backupId} not in the mock's state`);
    },
    async rewriting(object) {
      const target = current();
      const server = createServer(async (req, res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const answer = await target.fetch(
          new Request(`http://${req.headers.host}${req.url}`, {
            method: req.method,
            headers,
            ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          }),
        );
        const out: ObjectAnswer = { status: answer.status, headers: {}, body: Buffer.from(await answer.arrayBuffer()) };
        answer.headers.forEach((v, k) => {
          out.headers[k] = v;
        });
        if (req.url!.startsWith('/obs/')) object(out, req.url!);
        if (out.headers['content-length'] !== undefined) out.headers['content-length'] = String(out.body.length);
        res.writeHead(out.status, out.headers);
        res.end(out.body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}
