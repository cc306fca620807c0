import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../src/content.js';
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
