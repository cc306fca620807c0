import { describe, expect, it } from 'vitest';
import { PartBufferPool } from '../../src/destination/part-buffer-pool.js';

const MiB = 1024 * 1024;

describe('PartBufferPool', () => {
  it('gives a returned part buffer out again (no new allocation), also for a shorter last part', () => {
    const pool = new PartBufferPool(2);
    const a = pool.take(5 * MiB, 5 * MiB);
    pool.give(a, 5 * MiB);
    const b = pool.take(5 * MiB, 3 * MiB);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteLength).toBe(3 * MiB);
    pool.give(b, 5 * MiB);
    expect(pool.take(5 * MiB, 5 * MiB).buffer).toBe(a.buffer);
  });

  it('keeps at most `limit` idle buffers, and none of another part size or one it did not give', () => {
    const pool = new PartBufferPool(1);
    const a = pool.take(5 * MiB, 5 * MiB);
    const b = pool.take(5 * MiB, 5 * MiB);
    pool.give(a, 5 * MiB);
    pool.give(b, 5 * MiB);
    expect(pool.take(5 * MiB, 5 * MiB).buffer).toBe(a.buffer);
    expect(pool.take(5 * MiB, 5 * MiB).buffer).not.toBe(b.buffer);
    pool.give(Buffer.alloc(6 * MiB), 5 * MiB);
    expect(pool.take(6 * MiB, 6 * MiB).byteLength).toBe(6 * MiB);
    expect(pool.take(5 * MiB, 5 * MiB).buffer.byteLength).toBe(5 * MiB);
  });

  it('a file smaller than half a part gets an exact buffer, not a whole part; a part larger than the part size is refused', () => {
    const pool = new PartBufferPool(4);
    expect(pool.take(16 * MiB, 1024).buffer.byteLength).toBeLessThan(16 * MiB);
    expect(() => pool.take(5 * MiB, 5 * MiB + 1)).toThrow(RangeError);
  });
});
