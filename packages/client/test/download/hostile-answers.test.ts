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
  PART_SUFFIX,
  VerificationError,
} from '../../src/download/index.js';
import { listDir, startMock, tempDir } from './helpers.js';
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
