// Answers a careful server would never give: links that are not http(s), a backup without
// files, a listing that changes between refreshes, sizes that contradict the API's. Each ends
// in its own error, with nothing written where it should not be.

import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  downloadBackup,
  EmptyBackupError,
  InvalidLinkError,
  ListingChangedError,
  MANIFEST_NAME,
  PART_SUFFIX,
  VerificationError,
} from '../../src/download/index.js';
import { eventLog, listDir, sha256File, startMock, tempDir } from './helpers.js';
import { type Rewrite, rewritingProxy } from './rewriting-proxy.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(rewrite: Rewrite) {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  const proxy = await rewritingProxy(m, rewrite);
  cleanups.push(proxy.close);
  return { m, dir: t.dir, client: proxy.client };
}

/** Rewrites the JSON body of the ShowBackupDownloadLink answer. */
const listing =
  (edit: (body: { files: any[] }, call: number) => void): Rewrite['api'] =>
  (a, req) => {
    if (!req.url!.includes('/backups/download-file') || a.status !== 200) return;
    const body = JSON.parse(a.body.toString('utf8'));
    edit(body, ++listing.calls);
    a.body = Buffer.from(JSON.stringify(body));
  };
listing.calls = 0;

/** A TCP server that only counts connections: proof that a refused link was never dialled. */
async function connectionCounter() {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('links that are not http(s) are refused before any connection', () => {
  it.each([
    ['ftp://127.0.0.1:PORT/x', /scheme is "ftp:"/],
    ['file:///etc/passwd', /scheme is "file:"/],
    ['gopher://127.0.0.1:PORT/', /scheme is "gopher:"/],
    ['/obs/relative/path', /not a valid absolute URL/],
    ['http//127.0.0.1:PORT', /not a valid absolute URL/],
    ['', /it is empty/],
  ])('%s: InvalidLinkError, not retryable, nothing written, no connection', async (link, reason) => {
    const counter = await connectionCounter();
    let objectGets = 0;
    const { m, dir, client } = await setup({
      api: listing((body) => {
        for (const f of body.files) f.download_link = link.replace('PORT', String(counter.port));
      }),
      object: () => {
        objectGets++;
      },
    });
    const error = await downloadBackup({ client, ...m.mock.defaults.sharded, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidLinkError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/only http: and https: links are fetched\. No connection was made/);
    // The message never carries the link (a signed URL is a secret).
    if (link.length > 8) expect(error.message).not.toContain(link.replace('PORT', String(counter.port)));
    expect(await listDir(dir)).toEqual([]);
    expect(counter.connections()).toBe(0);
    expect(objectGets).toBe(0);
  });
});

describe('listings', () => {
  it('a backup the API lists with no files is EmptyBackupError; the directory is left untouched', async () => {
    const { m, dir, client } = await setup({
      api: listing((body) => {
        body.files = [];
      }),
    });
    const error = await downloadBackup({ client, ...m.mock.defaults.sharded, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(EmptyBackupError);
    expect(error.message).toMatch(/^The API lists no files for this backup/);
    expect(error.retryable).toBe(false);
    expect(await listDir(dir)).toEqual([]);
  });

  it.each([
    ['a file no longer listed', (b: { files: any[] }) => b.files.pop(), /no longer listed/],
    [
      'a file added',
      (b: { files: any[] }) => b.files.push({ ...b.files[0], name: 'extra.tar.gz' }),
      /"extra.tar.gz" added/,
    ],
    ['a file resized', (b: { files: any[] }) => (b.files[0].size += 10), /now \d+ KB \(was \d+ KB\)/],
  ])('a refreshed listing with %s is ListingChangedError, not a silent success', async (_l, change, message) => {
    let gets = 0;
    listing.calls = 0;
    const { m, dir, client } = await setup({
      api: listing((body, call) => {
        if (call > 1) change(body);
      }),
      // The first object GET says the link expired: the engine refreshes the listing.
      object: (a) => {
        if (++gets > 1) return;
        a.status = 403;
        a.headers = { 'content-type': 'application/xml' };
        a.body = Buffer.from(
          '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
        );
      },
    });
    const error = await downloadBackup({ client, ...m.mock.defaults.sharded, dir, concurrency: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(ListingChangedError);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/run the download again to fetch the backup as it is listed now/);
    expect(error.retryable).toBe(false);
  });
});

describe('sizes that contradict the API are refused at the first response', () => {
  it('an object far larger than its listed KB size: VerificationError before a byte of body is written', async () => {
    const { m, dir, client } = await setup({
      api: listing((body) => {
        for (const f of body.files) f.size = 1;
      }),
    });
    const ids = m.mock.defaults.sharded;
    const error = await downloadBackup({ client, ...ids, dir, concurrency: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ check: 'size-kb', expected: '1 KB (as listed by the API)' });
    const part = (await listDir(dir)).find((n) => n.endsWith(PART_SUFFIX))!;
    expect((await stat(join(dir, part))).size).toBe(0);
  });
});

describe('a server that ignores Range', () => {
  it('on resume: the file restarts from byte 0 with a restart event, and completes with the right SHA-256', async () => {
    let ignoreRange = false;
    const { m, dir, client } = await setup({
      request: (headers) => {
        if (ignoreRange) headers.delete('range');
      },
    });
    const size = 6 * 1024 * 1024 + 5;
    const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
    const ids = { instanceId: added.backup.instance_id, backupId: added.backup.id };
    const options = {
      client,
      ...ids,
      dir,
      segmentsPerFile: 3,
      minSegmentBytes: 1024 * 1024,
      checkpointBytes: 1024 * 1024,
      progressIntervalMs: 0,
    };
    const controller = new AbortController();
    // One stream from 0 first, so what is left starts past byte 0 and needs a Range.
    await downloadBackup({
      ...options,
      segmentsPerFile: 1,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.bytes >= 2 * 1024 * 1024) controller.abort();
      },
    }).catch(() => {});

    ignoreRange = true;
    await m.admin('DELETE', 'requests');
    const log = eventLog();
    const result = await downloadBackup({ ...options, onEvent: log.onEvent });
    expect(log.of('file-start')[0]!.resumedBytes).toBeGreaterThan(0);
    expect(log.of('restart')).toEqual([
      {
        type: 'restart',
        file: 'data.tar.gz',
        reason: expect.stringMatching(/server ignored the Range request .*downloading it again from byte 0/),
      },
    ]);
    const [f] = await m.files(ids.backupId);
    expect(result.files[0]).toMatchObject({ bytes: size, sha256: f!.sha256, md5Verified: true });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(f!.sha256);
    expect(await listDir(dir)).toEqual([MANIFEST_NAME, 'data.tar.gz']);
  });
});

describe('Retry-After beyond the wait cap', () => {
  it('stops at once with how long the server asked to wait (resumable), instead of hanging or failing silently', async () => {
    const m = await startMock();
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    await m.admin('POST', 'faults', { target: 'download', kind: 'status', status: 503, retry_after: 7200 });
    const error = await downloadBackup({ client: m.client, ...m.mock.defaults.replicaSet, dir: t.dir }).catch((e) => e);
    expect(error.name).toBe('IncompleteDownloadError');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(
      /HTTP 503.*The server asked to wait 2 h before trying again \(Retry-After\), longer than the 60 s this tool waits at most: run the same command again after that/,
    );
    expect(await m.downloads()).toHaveLength(1);
  });
});
