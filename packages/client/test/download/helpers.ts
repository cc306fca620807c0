import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockServer, type MockServer, type MockServerOptions } from '@dds-backup/mock-server';
import { afterEach } from 'vitest';
import type { DownloadEvent } from '../../src/download/index.js';
import { createClient, type DdsClient, type FetchLike, tokenCredentials } from '../../src/index.js';

/** Any origin works in-process: the mock's links point back at it. */
export const ORIGIN = 'http://mock.test';

/** Retries that do not slow the tests down (the engine's backoff comes from the client). */
export const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

export interface MockHandle {
  mock: MockServer;
  /** Base URL: the real socket's, or ORIGIN in-process. */
  url: string;
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
 * A fresh mock and a client for it: in-process through the mock's fetch handler (the engine
 * then uses the client's fetch), or on 127.0.0.1:0 with the client's default global fetch (the
 * engine's node:http fast path).
 */
export async function startMock(
  options: MockServerOptions & { listen?: boolean; fetch?: (mock: MockServer) => FetchLike } = {},
): Promise<MockHandle> {
  const mock = createMockServer(options);
  const url = options.listen ? await mock.listen({ port: 0 }) : ORIGIN;
  const client = createClient({
    endpoint: url,
    projectId: mock.defaults.projectId,
    credentials: tokenCredentials(mock.defaults.token),
    ...(options.listen ? {} : { fetch: options.fetch ? options.fetch(mock) : (r: Request) => mock.fetch(r) }),
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
 * Registers cleanup in the calling test file and returns `setup(listen)`: a fresh mock
 * (in-process, or on 127.0.0.1:0) with its client, and a temp dir, both gone after each test.
 */
export function perTestMock(): (listen: boolean) => Promise<{ m: MockHandle; dir: string }> {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  return async (listen) => {
    const m = await startMock({ listen });
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    return { m, dir: t.dir };
  };
}
