// PositionalWriter: a stream of chunks written at its offsets with a few writes in flight.
// A real file for the bytes; a file handle whose writes finish when the test says, for order,
// backpressure and failures (timings a real disk does not let a test choose).

import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PositionalWriter } from '../../src/download/positional-writer.js';
import { tempDir } from './helpers.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A FileHandle stand-in: every writev waits until the test settles it (`next()`), and records what it got. */
function heldFile(options: { shortFirstWrite?: boolean } = {}) {
  const writes: { position: number; bytes: number; settle: (error?: Error) => void }[] = [];
  let short = options.shortFirstWrite ?? false;
  const fh = {
    writev(buffers: Uint8Array[], position: number) {
      let bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
      if (short && bytes > 1) {
        short = false;
        bytes = Math.floor(bytes / 3);
      }
      return new Promise<{ bytesWritten: number }>((resolve, reject) => {
        writes.push({ position, bytes, settle: (error) => (error ? reject(error) : resolve({ bytesWritten: bytes })) });
      });
    },
  };
  return { fh: fh as never, writes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const chunk = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('PositionalWriter', () => {
  it('writes the stream at its offset in a real file; onWritten reports contiguous pieces in order', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'f.part');
    const fh = await open(path, 'w+');
    cleanups.push(() => fh.close());
    const expected = Buffer.alloc(100 + 3 * MiB + 12345);
    const reports: [number, number][] = [];
    const w = new PositionalWriter(fh, 100, (s, e) => reports.push([s, e]));
    let pos = 100;
    let i = 0;
    while (pos < expected.length) {
      const c = chunk(Math.min(70_000 + (i % 7) * 1000, expected.length - pos), i++ % 251);
      expected.set(c, pos);
      pos += c.byteLength;
      await w.push(c);
    }
    await w.finish();
    const got = await readFile(path);
    expect(got.length).toBe(expected.length);
    expect(Buffer.compare(got, expected)).toBe(0); // (toEqual diffs 3 MiB byte by byte: too slow)
    expect(reports[0]![0]).toBe(100);
    for (let k = 1; k < reports.length; k++) expect(reports[k]![0]).toBe(reports[k - 1]![1]);
    expect(reports.at(-1)![1]).toBe(expected.length);
    expect(reports.length).toBeGreaterThan(2); // gathered into ~1 MiB writes, not one per chunk
  });

  it('a later write finishing first is reported only after the earlier one', async () => {
    const { fh, writes } = heldFile();
    const reports: number[] = [];
    const w = new PositionalWriter(fh, 0, (s) => reports.push(s));
    await w.push(chunk(MiB));
    await w.push(chunk(MiB));
    expect(writes.map((x) => x.position)).toEqual([0, MiB]);
    writes[1]!.settle();
    await tick();
    expect(reports).toEqual([]);
    writes[0]!.settle();
    await tick();
    expect(reports).toEqual([0, MiB]);
    await w.finish();
  });

  it('backpressure: with four writes in flight the next full batch waits for the first to finish', async () => {
    // Batches of 256 KiB (one transport block), at most 4 in flight: a stream never holds more
    // than 1.25 MiB unwritten (what a kill -9 loses cannot be recorded).
    const BATCH = 256 * 1024;
    const { fh, writes } = heldFile();
    const w = new PositionalWriter(fh, 0, () => {});
    expect(w.push(chunk(BATCH / 2))).toBeUndefined(); // gathered, nothing written yet
    expect(writes).toHaveLength(0);
    await w.push(chunk(BATCH / 2));
    for (let i = 0; i < 3; i++) await w.push(chunk(BATCH));
    expect(writes).toHaveLength(4);
    let released = false;
    const wait = w.push(chunk(BATCH))!.then(() => {
      released = true;
    });
    await tick();
    expect(released).toBe(false);
    expect(writes).toHaveLength(4);
    writes[0]!.settle();
    await wait;
    expect(writes).toHaveLength(5);
    for (const write of writes.slice(1)) write.settle();
    await w.finish();
  });

  it('finish writes the partial batch and waits for every write', async () => {
    const { fh, writes } = heldFile();
    const reports: [number, number][] = [];
    const w = new PositionalWriter(fh, 7, (s, e) => reports.push([s, e]));
    w.push(chunk(10));
    w.push(chunk(5));
    let finished = false;
    const done = w.finish().then(() => {
      finished = true;
    });
    await tick();
    expect(writes).toMatchObject([{ position: 7, bytes: 15 }]);
    expect(finished).toBe(false);
    writes[0]!.settle();
    await done;
    expect(reports).toEqual([[7, 22]]);
  });

  it('a short writev: the rest is written at the right offset', async () => {
    const { fh, writes } = heldFile({ shortFirstWrite: true });
    const reports: [number, number][] = [];
    const w = new PositionalWriter(fh, 0, (s, e) => reports.push([s, e]));
    w.push(chunk(300));
    const done = w.finish();
    await tick();
    writes[0]!.settle();
    await tick();
    expect(writes.map((x) => [x.position, x.bytes])).toEqual([
      [0, 100],
      [100, 200],
    ]);
    writes[1]!.settle();
    await done;
    expect(reports).toEqual([[0, 300]]);
  });

  it('abandon drops what is queued, waits for the writes in flight, and never throws', async () => {
    const { fh, writes } = heldFile();
    const reports: number[] = [];
    const w = new PositionalWriter(fh, 0, (_s, e) => reports.push(e));
    await w.push(chunk(MiB));
    w.push(chunk(10)); // queued, not written
    let abandoned = false;
    const done = w.abandon().then(() => {
      abandoned = true;
    });
    await tick();
    expect(abandoned).toBe(false);
    writes[0]!.settle();
    await done;
    expect(writes).toHaveLength(1);
    expect(reports).toEqual([MiB]); // the write that reached the file is still reported
  });

  it('a write error: finish throws it, nothing from it or after it is reported, the next push throws', async () => {
    const { fh, writes } = heldFile();
    const reports: number[] = [];
    const w = new PositionalWriter(fh, 0, (s) => reports.push(s));
    await w.push(chunk(MiB));
    await w.push(chunk(MiB));
    const enospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    writes[1]!.settle();
    writes[0]!.settle(enospc);
    await expect(w.finish()).rejects.toBe(enospc);
    expect(reports).toEqual([]);
    await expect(w.push(chunk(MiB))!).rejects.toBe(enospc);
    await expect(w.abandon()).resolves.toBeUndefined();
  });
});
