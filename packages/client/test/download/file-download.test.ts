// Start-up of a file whose exact size is not known yet (issue #15): every segment starts at
// once from the API's KB size, the last one open-ended; the exact size comes from whichever
// answer is first. Objects larger, smaller, and exactly as large as the estimate, a server that
// ignores Range, a zero-byte object; a hostile server for what the mock cannot do (hold every
// answer until all segments asked, a 416 without `bytes */N` before the size is known).

import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, MANIFEST_NAME, VerificationError } from '../../src/download/index.js';
import { eventLog, listDir, sha256File, startMock, tempDir } from './helpers.js';
import { type Rewrite, rewritingProxy } from './rewriting-proxy.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** The mock behind a rewriting proxy with one file of `size` bytes, listed as `listedKB` (default: the mock's). */
async function setup(size: number, opts: { listedKB?: number; link?: string; rewrite?: Rewrite } = {}) {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
  const ids = { instanceId: added.backup.instance_id, backupId: added.backup.id };
  const proxy = await rewritingProxy(m, {
    ...opts.rewrite,
    api: (a, req) => {
      if (!req.url!.includes('/backups/download-file') || a.status !== 200) return;
      const body = JSON.parse(a.body.toString('utf8'));
      for (const f of body.files) {
        if (opts.listedKB !== undefined) f.size = opts.listedKB;
        if (opts.link !== undefined) f.download_link = opts.link;
      }
      a.body = Buffer.from(JSON.stringify(body));
    },
  });
  cleanups.push(proxy.close);
  const [file] = await m.files(ids.backupId);
  const options = {
    client: proxy.client,
    ...ids,
    dir: t.dir,
    segmentsPerFile: 4,
    minSegmentBytes: MiB,
    progressIntervalMs: 0,
  };
  return { m, dir: t.dir, options, sha256: file!.sha256! };
}

/** Range headers of the object GETs the mock answered, and their statuses, in arrival order. */
async function objectGets(m: Awaited<ReturnType<typeof setup>>['m']) {
  return (await m.downloads()).map((d) => d.status);
}

describe('a large file in pieces handed out lowest offset first (minPieceBytes)', () => {
  it.each([
    { case: 'exactly the estimate', size: 8 * MiB, listedKB: undefined },
    { case: 'larger than its KB estimate', size: 8 * MiB + 123, listedKB: 6 * 1024 },
    { case: 'smaller than its KB estimate (verify off)', size: 5 * MiB + 7, listedKB: 8 * 1024 },
  ])(
    '$case: every byte fetched once, in more requests than connections, in about file order',
    async ({ size, listedKB }) => {
      const starts: number[] = [];
      const { m, dir, options, sha256 } = await setup(size, {
        listedKB,
        rewrite: {
          request: (h, req) => {
            if (req.url!.startsWith('/obs/')) starts.push(Number(/^bytes=(\d+)-/.exec(h.get('range') ?? '')?.[1] ?? 0));
          },
        },
      });
      const result = await downloadBackup({ ...options, minPieceBytes: 256 * 1024, verify: listedKB === undefined });
      expect(result.files[0]).toMatchObject({ bytes: size, sha256 });
      expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(sha256);
      const served = (await m.downloads()).filter((d) => d.status === 206);
      expect(served.reduce((n, d) => n + d.bytes_sent, 0)).toBe(size);
      expect(starts.length).toBeGreaterThan(8);
      // Pieces are taken in order by at most 4 connections: a request arrives at most 3 places
      // away from its place in offset order (contiguous segments would be 4 requests in all).
      const sorted = [...starts].sort((a, b) => a - b);
      for (const [i, s] of starts.entries()) expect(Math.abs(sorted.indexOf(s) - i)).toBeLessThan(4);
    },
  );
});

describe('the end of a file in pieces (endgame)', () => {
  it('the last pieces shrink to an even share of what is left, down to a quarter of the minimum, so the connections finish together', async () => {
    const pieces: { start: number; bytes: number }[] = [];
    const { options, sha256 } = await setup(8 * MiB, {
      rewrite: {
        request: (h, req) => {
          const m = /^bytes=(\d+)-(\d*)$/.exec(h.get('range') ?? '');
          if (req.url!.startsWith('/obs/') && m)
            pieces.push({
              start: Number(m[1]),
              bytes: m[2] ? Number(m[2]) + 1 - Number(m[1]) : 8 * MiB - Number(m[1]),
            });
        },
      },
    });
    const result = await downloadBackup({ ...options, minPieceBytes: 256 * 1024 });
    expect(result.files[0]).toMatchObject({ bytes: 8 * MiB, sha256 });
    expect(pieces.reduce((a, p) => a + p.bytes, 0)).toBe(8 * MiB);
    // Without the endgame every piece is at least the minimum (256 KiB) until the last.
    const small = pieces.filter((p) => p.bytes < 256 * 1024);
    expect(small.length).toBeGreaterThanOrEqual(2);
    // Not below a quarter of the minimum, except the file's last piece: the remainder of an
    // uneven share is whatever is left (a CI run saw a last piece of 48,336 bytes).
    const notLast = pieces.filter((p) => p.start + p.bytes < 8 * MiB);
    expect(notLast.length).toBe(pieces.length - 1);
    expect(Math.min(...notLast.map((p) => p.bytes))).toBeGreaterThanOrEqual(64 * 1024);
  });
});

describe('pieces and a server that ignores Range', () => {
  it('whole object on piece 0: read in one stream, no further piece asked for, no restart', async () => {
    const size = 8 * MiB + 5;
    let gets = 0;
    const { dir, options, sha256 } = await setup(size, {
      rewrite: {
        request: (h, req) => {
          if (req.url!.startsWith('/obs/')) gets++;
          h.delete('range');
        },
      },
    });
    const log = eventLog();
    const result = await downloadBackup({ ...options, minPieceBytes: 256 * 1024, onEvent: log.onEvent });
    expect(result.files[0]).toMatchObject({ bytes: size, sha256, md5Verified: true });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(sha256);
    expect(log.of('restart')).toEqual([]);
    expect(gets).toBe(4); // the first piece of each connection, nothing after
  });
});

describe('all segments start at once from the KB estimate', () => {
  it('an object larger than its KB estimate is fetched whole: the last segment runs to the end', async () => {
    const size = 8 * MiB + 123;
    const { dir, options, sha256 } = await setup(size, { listedKB: 6 * 1024 });
    const log = eventLog();
    const result = await downloadBackup({ ...options, verify: false, onEvent: log.onEvent });
    expect(result.files[0]).toMatchObject({ bytes: size, sha256 });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(sha256);
    expect(log.of('restart')).toEqual([]);
  });

  it('one KB larger than listed, verify on: complete and MD5-verified', async () => {
    const size = 8 * MiB + 123; // ceil(size / 1024) = 8193 KB, listed 8192
    const { options, sha256 } = await setup(size, { listedKB: 8 * 1024 });
    const result = await downloadBackup(options);
    expect(result.files[0]).toMatchObject({ bytes: size, sha256, md5Verified: true });
  });

  it('an object smaller than its KB estimate, verify on: VerificationError (size-kb) at the first answer', async () => {
    const { options } = await setup(4 * MiB, { listedKB: 8 * 1024 });
    const error = await downloadBackup(options).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ check: 'size-kb', expected: '8192 KB (as listed by the API)' });
  });

  it('smaller, ending exactly at a segment boundary (verify off): the segments past the end hear 416 and are done', async () => {
    const size = 4 * MiB; // segments from 0, 2, 4 (= the end) and 6 MiB
    const { m, dir, options, sha256 } = await setup(size, { listedKB: 8 * 1024 });
    const result = await downloadBackup({ ...options, verify: false });
    expect(result.files[0]).toMatchObject({ bytes: size, sha256 });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(sha256);
    const statuses = await objectGets(m);
    expect(statuses.filter((s) => s === 416)).toHaveLength(2);
    expect(statuses.filter((s) => s === 206)).toHaveLength(2);
  });

  it('exactly the estimate: four ranged requests, the last open-ended, every byte fetched once', async () => {
    const size = 8 * MiB;
    const seen: string[] = [];
    const { m, options, sha256 } = await setup(size, {
      rewrite: { request: (h, req) => void (req.url!.startsWith('/obs/') && seen.push(h.get('range') ?? '')) },
    });
    const result = await downloadBackup(options);
    expect(result.files[0]).toMatchObject({ bytes: size, sha256, md5Verified: true, transferredBytes: size });
    expect(seen.sort()).toEqual([
      'bytes=0-2097151',
      'bytes=2097152-4194303',
      'bytes=4194304-6291455',
      'bytes=6291456-',
    ]);
    expect((await m.downloads()).reduce((n, d) => n + d.bytes_sent, 0)).toBe(size);
  });

  it('a server that ignores Range (4 segments): read in one stream from segment 0, no restart', async () => {
    const size = 8 * MiB + 5;
    const { dir, options, sha256 } = await setup(size, {
      rewrite: { request: (h) => h.delete('range') },
    });
    const log = eventLog();
    const result = await downloadBackup({ ...options, onEvent: log.onEvent });
    expect(result.files[0]).toMatchObject({ bytes: size, sha256, md5Verified: true });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(sha256);
    expect(log.of('restart')).toEqual([]);
    expect(await listDir(dir)).toEqual([MANIFEST_NAME, 'data.tar.gz']);
  });

  it('a zero-byte object (4 segments asked): one request, an empty file', async () => {
    const { m, dir, options, sha256 } = await setup(0);
    const result = await downloadBackup(options);
    expect(result.files[0]).toMatchObject({ bytes: 0, sha256 });
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(sha256);
    expect(await objectGets(m)).toEqual([200]);
  });
});

/**
 * An object server on 127.0.0.1:0 that honours Range over `data`, answering nothing until
 * `holdUntil` requests have arrived (or `holdMs` passed), answering ranges past the end at once
 * (the others after `delaySatisfiableMs`) with 416 without Content-Range.
 */
async function hostileObjectServer(
  data: Buffer,
  opts: { holdUntil?: number; holdMs?: number; delaySatisfiableMs?: number },
) {
  const ranges: string[] = [];
  let answered = 0;
  let allBeforeFirstAnswer = false;
  const waiting: (() => void)[] = [];
  const etag = `"${createHash('md5').update(data).digest('hex')}"`;
  const server: Server = createServer((req, res) => {
    ranges.push(req.headers.range ?? '');
    const answer = () => {
      if (answered++ === 0) allBeforeFirstAnswer = ranges.length >= (opts.holdUntil ?? 1);
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!m) {
        res.writeHead(200, { 'content-length': data.length, etag });
        return res.end(data);
      }
      const start = Number(m[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>InvalidRange</Code></Error>');
      }
      const end = m[2] ? Math.min(Number(m[2]) + 1, data.length) : data.length;
      res.writeHead(206, {
        'content-length': end - start,
        'content-range': `bytes ${start}-${end - 1}/${data.length}`,
        etag,
      });
      res.end(data.subarray(start, end));
    };
    const from = Number(/^bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const delayed = () =>
      from < data.length && opts.delaySatisfiableMs ? setTimeout(answer, opts.delaySatisfiableMs) : answer();
    waiting.push(delayed);
    if (ranges.length >= (opts.holdUntil ?? 1)) for (const w of waiting.splice(0)) w();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const timer = setTimeout(() => {
    for (const w of waiting.splice(0)) w();
  }, opts.holdMs ?? 3000);
  cleanups.push(async () => {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/obs/data.tar.gz`,
    ranges,
    allBeforeFirstAnswer: () => allBeforeFirstAnswer,
  };
}

describe('against a hostile object server', () => {
  it('every segment is asked for before any answer: no wait for the first answer’s headers', async () => {
    const data = Buffer.alloc(8 * MiB, 7);
    const server = await hostileObjectServer(data, { holdUntil: 4 });
    const { dir, options } = await setup(data.length, { link: server.url, listedKB: 8 * 1024 });
    const result = await downloadBackup(options);
    expect(result.files[0]!.bytes).toBe(data.length);
    expect(server.allBeforeFirstAnswer()).toBe(true);
    expect(server.ranges.slice(0, 4).sort()).toEqual([
      'bytes=0-2097151',
      'bytes=2097152-4194303',
      'bytes=4194304-6291455',
      'bytes=6291456-',
    ]);
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('a 416 without `bytes */N`, before any answer told the size: done once segment 0 tells it', async () => {
    const data = Buffer.alloc(3 * MiB, 9); // the segments from 4 and 6 MiB start past the end
    const server = await hostileObjectServer(data, { delaySatisfiableMs: 300 });
    const { dir, options } = await setup(data.length, { link: server.url, listedKB: 8 * 1024 });
    const result = await downloadBackup({ ...options, verify: false });
    expect(result.files[0]!.bytes).toBe(data.length);
    expect(server.ranges).toHaveLength(4);
    expect(await sha256File(join(dir, 'data.tar.gz'))).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
