import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, BodyBlocks } from '../../src/download/body-blocks.js';

describe('BodyBlocks', () => {
  it('hands a given-back block to the next taker, whole and with its own memory', () => {
    const pool = new BodyBlocks(2);
    const a = pool.take();
    expect(a.byteLength).toBe(BLOCK_BYTES);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(BLOCK_BYTES);
    pool.give(a);
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(a);
  });

  it('keeps at most `limit` idle blocks, each once, and refuses memory it did not hand out', () => {
    const pool = new BodyBlocks(2);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    pool.give(a);
    pool.give(a);
    expect(pool.size).toBe(1);
    pool.give(b);
    pool.give(c);
    expect(pool.size).toBe(2);
    pool.give(Buffer.alloc(1024));
    pool.give(Buffer.allocUnsafeSlow(2 * BLOCK_BYTES).subarray(BLOCK_BYTES));
    expect(pool.size).toBe(2);
  });
});
