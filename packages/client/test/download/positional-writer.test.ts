// PositionalWriter: a stream of chunks written at its offsets with synchronous writes.
// A real file for the bytes; a recording writev for batching, short writes and failures (what a
// real disk does not let a test choose).

import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PositionalWriter, type WritevSync } from '../../src/download/positional-writer.js';
import { tempDir } from './helpers.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A writevSync stand-in that records each call; it can write short once, or fail at a given call. */
function recordingWritev(options: { shortFirstWrite?: boolean; failAt?: number; error?: Error } = {}) {
  const writes: { position: number; bytes: number }[] = [];
  let short = options.shortFirstWrite ?? false;
  const writev: WritevSync = (_fd, buffers, position) => {
    if (options.failAt === writes.length) throw options.error;
    let bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
    if (short && bytes > 1) {
      short = false;
      bytes = Math.floor(bytes / 3);
    }
    writes.push({ position, bytes });
    return bytes;
  };
  return { writev, writes };
}

const chunk = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
const BATCH = 256 * 1024;

describe('PositionalWriter', () => {
  it('writes the stream at its offset in a real file; onWritten reports contiguous pieces in order', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'f.part');
    const fh = await open(path, 'w+');
    cleanups.push(() => fh.close());
    const expected = Buffer.alloc(100 + 3 * MiB + 12345);
    const reports: [number, number][] = [];
    const w = new PositionalWriter(fh.fd, 100, (s, e) => reports.push([s, e]));
    let pos = 100;
    let i = 0;
    while (pos < expected.length) {
      const c = chunk(Math.min(70_000 + (i % 7) * 1000, expected.length - pos), i++ % 251);
      expected.set(c, pos);
      pos += c.byteLength;
      expect(w.push(c)).toBeUndefined(); // written before push returns: nothing to wait for
    }
    await w.finish();
    const got = await readFile(path);
    expect(got.length).toBe(expected.length);
    expect(Buffer.compare(got, expected)).toBe(0); // (toEqual diffs 3 MiB byte by byte: too slow)
    expect(reports[0]![0]).toBe(100);
    for (let k = 1; k < reports.length; k++) expect(reports[k]![0]).toBe(reports[k - 1]![1]);
    expect(reports.at(-1)![1]).toBe(expected.length);
    expect(reports.length).toBeGreaterThan(2); // gathered into 256 KiB writes, not one per chunk
  });

  it('a full batch is written before push returns and reported at once; a partial one waits for finish', () => {
    const { writev, writes } = recordingWritev();
    const reports: [number, number][] = [];
    const w = new PositionalWriter(3, 7, (s, e) => reports.push([s, e]), writev);
    expect(w.push(chunk(BATCH / 2))).toBeUndefined();
    expect(writes).toHaveLength(0); // gathered, nothing written yet
    expect(w.push(chunk(BATCH / 2))).toBeUndefined();
    expect(writes).toEqual([{ position: 7, bytes: BATCH }]);
    expect(reports).toEqual([[7, 7 + BATCH]]);
    w.push(chunk(10));
    expect(writes).toHaveLength(1);
    return w.finish().then(() => {
      expect(writes.at(-1)).toEqual({ position: 7 + BATCH, bytes: 10 });
      expect(reports.at(-1)).toEqual([7 + BATCH, 7 + BATCH + 10]);
    });
  });

  it('many small chunks: a write at most every 512 buffers (writev takes up to IOV_MAX)', () => {
    const { writev, writes } = recordingWritev();
    const w = new PositionalWriter(3, 0, () => {}, writev);
    for (let i = 0; i < 1024; i++) w.push(chunk(1));
    expect(writes).toEqual([
      { position: 0, bytes: 512 },
      { position: 512, bytes: 512 },
    ]);
  });

  it('a short writev: the rest is written at the right offset, and reported once', async () => {
    const { writev, writes } = recordingWritev({ shortFirstWrite: true });
    const reports: [number, number][] = [];
    const w = new PositionalWriter(3, 0, (s, e) => reports.push([s, e]), writev);
    w.push(chunk(300));
    await w.finish();
    expect(writes.map((x) => [x.position, x.bytes])).toEqual([
      [0, 100],
      [100, 200],
    ]);
    expect(reports).toEqual([[0, 300]]);
  });

  it('abandon drops what is queued and never throws; what was written stays reported', async () => {
    const { writev, writes } = recordingWritev();
    const reports: number[] = [];
    const w = new PositionalWriter(3, 0, (_s, e) => reports.push(e), writev);
    w.push(chunk(BATCH));
    w.push(chunk(10)); // queued, not written
    await expect(w.abandon()).resolves.toBeUndefined();
    await w.finish();
    expect(writes).toHaveLength(1);
    expect(reports).toEqual([BATCH]);
  });

  it('a write error: push rejects with it, nothing from it is reported, every later push and finish reject', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const { writev } = recordingWritev({ failAt: 1, error: enospc });
    const reports: number[] = [];
    const w = new PositionalWriter(3, 0, (s) => reports.push(s), writev);
    expect(w.push(chunk(BATCH))).toBeUndefined();
    await expect(w.push(chunk(BATCH))!).rejects.toBe(enospc);
    expect(reports).toEqual([0]);
    await expect(w.push(chunk(1))!).rejects.toBe(enospc);
    await expect(w.finish()).rejects.toBe(enospc);
    await expect(w.abandon()).resolves.toBeUndefined();
  });
});
