import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockServer, type MockServer, type MockServerOptions } from '@dds-backup/mock-server';
import { afterEach } from 'vitest';
import type { DownloadEvent } from '../../src/download/index.js';
import { createClient, type DdsClient, type FetchLike, tokenCredentials } from '../../src/index.js';

/** Any origin works in-process (the admin calls here): the mock's answers point back at it. */
export const ORIGIN = 'http://mock.test';

/** The schemes the download suite runs over: the mock on 127.0.0.1:0, plain and with TLS. */
export const SCHEMES = [
  { label: 'http', tls: false },
  { label: 'https', tls: true },
] as const;

/** Retries that do not slow the tests down (the engine's backoff comes from the client). */
export const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

export interface MockHandle {
  mock: MockServer;
  /** Base URL on 127.0.0.1 (https:// with `tls`). */
  url: string;
  /** With `tls`, the mock's self-signed certificate (PEM), which the client trusts as its CA. */
  ca: string | undefined;
  client: DdsClient;
  /** Calls the admin API (`/__mock/...`); throws on an error status. */
  admin(method: string, path: string, body?: unknown): Promise<any>;
  /** Files of a backup as `/__mock/state` publishes them (name, size_bytes, md5, sha256, etag). */
  files(
    backupId: string,
  ): Promise<
    { name: string; size_bytes: number; size: number; md5: string | null; sha256: string | null; etag: string | null }[]
  >;
  /** Journal entries of object downloads. */
  downloads(): Promise<{ method: string; path: string; status: number; bytes_sent: number; aborted: boolean }[]>;
  close(): Promise<void>;
}

/**
 * A fresh mock on 127.0.0.1:0 (with a self-signed certificate when `tls`) and a client for it
 * that trusts that certificate. Objects always travel over the socket (the engine's only
 * transport); API calls too, unless `fetch` wraps the mock's in-process handler (to tamper with
 * answers), whose links still point at the socket.
 */
export async function startMock(
  options: Omit<MockServerOptions, 'tls'> & { tls?: boolean; fetch?: (mock: MockServer) => FetchLike } = {},
): Promise<MockHandle> {
  const { tls, fetch, ...mockOptions } = options;
  const mock = createMockServer({ ...mockOptions, ...(tls ? { tls: true } : {}) });
  const url = await mock.listen({ port: 0 });
  const ca = mock.certificate;
  const client = createClient({
    endpoint: url,
    projectId: mock.defaults.projectId,
    credentials: tokenCredentials(mock.defaults.token),
    ...(fetch ? { fetch: fetch(mock) } : {}),
    ...(ca ? { ca } : {}),
    // The tests' proxy cases set their own; a developer's proxy variables must not leak in.
    proxy: false,
    retry: FAST_RETRY,
  });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await mock.fetch(
      new Request(`${ORIGIN}/__mock/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    mock,
    url,
    ca,
    client,
    admin,
    async files(backupId) {
      const state = await admin('GET', 'state');
      for (const p of state.projects)
        for (const i of p.instances) for (const b of i.backups) if (b.id === backupId) return b.files;
      throw new Error(`backup ${backupId} not in the mock's state`);
    },
    async downloads() {
      const journal = (await admin('GET', 'requests')) as {
        target: string;
        method: string;
        path: string;
        status: number;
        bytes_sent: number;
        aborted: boolean;
      }[];
      return journal.filter((e) => e.target === 'download');
    },
    close: () => mock.close(),
  };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dds-download-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const listDir = async (dir: string) => (await readdir(dir)).sort();

/**
 * Collects events as the CLI would print them (one JSON line each). The engine swallows a
 * listener's exceptions, so secrets are checked with `lines()` in the tests, not thrown here.
 */
export function eventLog(): {
  events: DownloadEvent[];
  onEvent: (e: DownloadEvent) => void;
  of<T extends DownloadEvent['type']>(type: T): Extract<DownloadEvent, { type: T }>[];
  lines(): string;
} {
  const events: DownloadEvent[] = [];
  const lines: string[] = [];
  return {
    events,
    onEvent(e) {
      const line = JSON.stringify(e);
      lines.push(line);
      events.push(JSON.parse(line));
    },
    of: (type) => events.filter((e) => e.type === type) as never,
    lines: () => lines.join('\n'),
  };
}

/**
 * Registers cleanup in the calling test file and returns `setup(tls)`: a fresh mock on
 * 127.0.0.1:0 (HTTPS with `tls`) with its client, and a temp dir, both gone after each test.
 */
export function perTestMock(): (tls?: boolean) => Promise<{ m: MockHandle; dir: string }> {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  return async (tls = false) => {
    const m = await startMock({ tls });
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    return { m, dir: t.dir };
  };
}
