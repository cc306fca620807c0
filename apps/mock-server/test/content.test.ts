import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, ChunkPool, type PooledChunk } from '../src/content.js';
import { expectedHashes, ObjectContent, objectBytes } from '../src/index.js';

const key = { seed: 1, backupId: 'b', fileName: 'f', size: 300_000 };

describe('deterministic content', () => {
  it('the same key gives the same bytes; another seed, backup or name gives others', () => {
    const a = objectBytes(key);
    expect(a.equals(objectBytes(key))).toBe(true);
    for (const other of [
      { ...key, seed: 2 },
      { ...key, backupId: 'c' },
      { ...key, fileName: 'g' },
    ]) {
      expect(objectBytes(other).equals(a)).toBe(false);
    }
  });

  it('any range equals the same slice of the whole', () => {
    const all = objectBytes(key);
    for (const [s, e] of [
      [0, 1],
      [3, 9],
      [4095, 4097],
      [65530, 65550],
      [123_457, 299_999],
      [0, 300_000],
    ]) {
      expect(objectBytes(key, s, e).equals(all.subarray(s, e))).toBe(true);
    }
  });

  it('every 4 KiB block carries its offset, so no two blocks are equal and a misplaced range changes the hash', () => {
    const all = objectBytes(key);
    for (let b = 0; b + 8 <= all.length; b += BLOCK_SIZE) expect(all.readBigUInt64BE(b)).toBe(BigInt(b));
    const moved = Buffer.from(all);
    all.copy(moved, 0, 64 * 1024, 64 * 1024 + BLOCK_SIZE); // a block written 64 KiB too early
    expect(createHash('sha256').update(moved).digest('hex')).not.toBe(createHash('sha256').update(all).digest('hex'));
  });

  it('expectedHashes() equals hashing the bytes; the ETag is the quoted MD5', async () => {
    const all = objectBytes(key);
    const h = await expectedHashes(key);
    expect(h).toEqual({
      md5: createHash('md5').update(all).digest('hex'),
      sha256: createHash('sha256').update(all).digest('hex'),
    });
    expect(await new ObjectContent(key).etag()).toBe(`"${h.md5}"`);
  });

  it('objects over 64 MiB get a multipart ETag without hashing', async () => {
    const big = new ObjectContent({ ...key, size: 200 * 1024 * 1024 });
    expect(await big.etag()).toMatch(/^"[0-9a-f]{32}-4"$/);
    expect(big.cachedHashes).toBeUndefined();
  });

  it('reading outside the object throws', () => {
    expect(() => objectBytes(key, 0, key.size + 1)).toThrow(RangeError);
  });
});

describe('ChunkPool (reused buffers of the object route)', () => {
  const big = { ...key, size: 3 * 1024 * 1024 + 12_345 };

  /** Sends [start, end) chunk by chunk through a pool the way the node adapter does, giving each chunk back at once. */
  const viaPool = (start: number, end: number, chunkSize: number, count: number) => {
    const content = new ObjectContent(big);
    const pool = new ChunkPool(content, chunkSize, count);
    const out: Buffer[] = [];
    const inFlight: PooledChunk[] = [];
    for (let pos = start; pos < end; pos += chunkSize) {
      const c = pool.take(pos, Math.min(chunkSize, end - pos));
      if (!c) throw new Error('pool empty');
      out.push(Buffer.from(c.bytes));
      inFlight.push(c);
      // Keep up to count - 1 chunks in flight, as a busy socket would.
      if (inFlight.length >= count) pool.give(inFlight.shift()!);
    }
    return Buffer.concat(out);
  };

  it('every chunk equals the same range of objectBytes(), aligned or not, as buffers are reused', () => {
    const all = objectBytes(big);
    for (const [start, end, chunk] of [
      [0, big.size, 1024 * 1024], // pattern-aligned chunks: restamped only
      [4093, big.size, 1024 * 1024], // the first stamp cut at every chunk's start
      [1, big.size - 1, 256 * 1024],
      [77, 2_000_000, 100_000], // chunk size off the pattern: filled afresh when the phase differs
      [5000, 5003, 64 * 1024],
    ] as const) {
      expect(viaPool(start, end, chunk, 3).equals(all.subarray(start, end)), `${start}-${end}/${chunk}`).toBe(true);
    }
  });

  it('hands out no more buffers than it holds', () => {
    const pool = new ChunkPool(new ObjectContent(big), 1024, 2);
    const a = pool.take(0, 1024)!;
    expect(pool.take(1024, 1024)).toBeDefined();
    expect(pool.take(2048, 1024)).toBeUndefined();
    pool.give(a);
    expect(pool.take(2048, 1024)?.bytes.equals(objectBytes(big, 2048, 3072))).toBe(true);
  });

  it('a buffer that held a short last chunk is filled afresh for a longer one', () => {
    const content = new ObjectContent(big);
    const pool = new ChunkPool(content, 64 * 1024, 1);
    const short = pool.take(0, 100)!;
    pool.give(short);
    expect(pool.take(64 * 1024, 64 * 1024)!.bytes.equals(objectBytes(big, 64 * 1024, 128 * 1024))).toBe(true);
  });
});
