/**
 * Part-sized memory, reused. Without it every part is a fresh 16 MiB `Buffer.allocUnsafe`, and a
 * run of a 4 GiB file allocates 256 of them: V8 frees an ArrayBuffer only when a GC finds its
 * wrapper dead, so the parts already uploaded pile up until one runs, and the peak RSS grows
 * with the file (measured before the pool: 149 MB at 64 MiB, 245 MB at 1 GiB). With the pool a
 * run allocates its part buffers once and holds at most `limit` idle ones.
 *
 * A buffer is given back only after its part was uploaded and hashed: one whose request failed
 * is dropped (a socket may still be writing from it), never reused.
 */
export class PartBufferPool {
  private readonly idle: ArrayBuffer[] = [];

  constructor(
    /** At most this many idle buffers are kept (the parts in flight across the files at once). */
    private readonly limit: number,
  ) {}

  /**
   * Memory for a part of `length` bytes out of parts of `partSize`: the first `length` bytes of
   * a pooled `partSize` buffer. A file smaller than a part gets an exact buffer of its own, so a
   * 1 KB file does not pin a whole part.
   */
  take(partSize: number, length: number): Buffer {
    if (length > partSize) throw new RangeError(`a part of ${length} bytes is larger than the part size ${partSize}`);
    const at = this.idle.findIndex((b) => b.byteLength === partSize);
    if (at >= 0) return Buffer.from(this.idle.splice(at, 1)[0]!, 0, length);
    if (length < partSize / 2) return Buffer.allocUnsafe(length);
    // allocUnsafe of more than half its 8 KiB pool is a buffer of its own at offset 0.
    return Buffer.allocUnsafe(partSize).subarray(0, length);
  }

  /** Gives back memory `take` returned, once nothing reads it any more. */
  give(bytes: Buffer, partSize: number): void {
    if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== partSize) return;
    if (this.idle.length < this.limit) this.idle.push(bytes.buffer as ArrayBuffer);
  }
}
