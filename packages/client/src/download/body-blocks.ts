/** Response bodies are read into blocks of this size (see BodyReader in http1-transport.ts). */
export const BLOCK_BYTES = 256 * 1024;

/**
 * The 256 KiB body blocks of one transport, shared by all its responses. Each response used to
 * allocate its own blocks and drop them at its end: a 4 GiB file into S3 is 256 part GETs, each
 * leaving its blocks for the GC, and V8 frees an ArrayBuffer only once a GC finds its wrapper
 * dead, so the dead blocks piled up with the file's size (and glibc, its mmap threshold raised
 * by the first freed block, may serve the next ones from a fragmenting heap). Measured (bench/,
 * s3-streaming's `download --to s3://`, Node 20, one run each, memoryUsage sampled every 25 ms):
 * at a 4 GiB file, arrayBuffers peaked at 88.8 MB with blocks per response and 71.5 MB with
 * shared ones (the four 16 MiB parts in flight are 67 MB of it); peak RSS at 1 GiB 171.7 MB ->
 * 157.3 MB.
 *
 * A block is given back only when no view of it is left unwritten and nothing reads into it
 * any more; it is then handed to the next response as is (stale bytes, like allocUnsafe).
 */
export class BodyBlocks {
  private readonly idle: Buffer[] = [];

  constructor(
    /** At most this many idle blocks are kept; beyond, given-back blocks are left to the GC. */
    private readonly limit: number,
  ) {}

  /** A block: an idle one, else a fresh one (its own ArrayBuffer, not a slice of Node's pool). */
  take(): Buffer {
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
  }

  /** Gives back a block `take` returned, once nothing reads or writes it. */
  give(block: Buffer): void {
    if (block.byteLength !== BLOCK_BYTES || block.byteOffset !== 0) return;
    if (this.idle.length < this.limit && !this.idle.includes(block)) this.idle.push(block);
  }

  /** Idle blocks held now. */
  get size(): number {
    return this.idle.length;
  }
}
