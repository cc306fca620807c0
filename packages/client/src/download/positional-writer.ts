import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes gathered before one positional write. 256 KiB (one transport block), not 1 MiB: what a
 * stream holds unwritten is lost by a kill -9 (it cannot be recorded), and with 4 segments
 * 1 MiB batches held up to 12 MiB of a file (bench resume-cost, issue #15).
 */
const BATCH_BYTES = 256 * 1024;
/** writev takes at most IOV_MAX (1024 on Linux) buffers. */
const MAX_IOVECS = 512;
/**
 * Writes in flight per stream. One write at a time left the socket idle while the disk was
 * busy (measured: about 0.6 GB/s); a few overlapping writes keep both going. Bounded, so a
 * range never holds more than (MAX_IN_FLIGHT + 1) x BATCH_BYTES (1.25 MiB).
 */
const MAX_IN_FLIGHT = 4;

/**
 * Writes one stream of a range into a file at its offsets. Chunks are not copied: they are
 * gathered (up to BATCH_BYTES) and written with one `writev` at their position while the next batches
 * fill. `push` resolves when the caller may read more (backpressure). `onWritten` runs after each
 * write reached the file, strictly in stream order, and never after a failed write.
 */
export class PositionalWriter {
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  /** Completions in stream order; each resolves after its onWritten ran. */
  private inFlight: Promise<void>[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** Next offset to be queued. */
  private position: number;

  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly onWritten: (start: number, end: number, chunks: readonly Uint8Array[]) => void,
  ) {
    this.position = start;
  }

  /** Queues a chunk; resolves at once unless too many writes are in flight. */
  push(chunk: Uint8Array): Promise<void> | undefined {
    this.batch.push(chunk);
    this.batchBytes += chunk.byteLength;
    if (this.batchBytes < BATCH_BYTES && this.batch.length < MAX_IOVECS) return undefined;
    return this.flushBatch();
  }

  /** Writes what is queued and waits for every write. Throws the first write error. */
  async finish(): Promise<void> {
    await this.flushBatch();
    await this.tail;
    if (this.failure) throw this.failure;
  }

  /**
   * Waits for the writes in flight and drops what is still queued (after a failed response:
   * only bytes that reached the file are reported). Never throws.
   */
  async abandon(): Promise<void> {
    this.batch = [];
    this.batchBytes = 0;
    await this.tail.catch(() => {});
  }

  private async flushBatch(): Promise<void> {
    while (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight[0];
    if (this.failure) throw this.failure;
    if (this.batchBytes === 0) return;
    const chunks = this.batch;
    const start = this.position;
    const end = start + this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    this.position = end;
    const written = writeAll(this.fh, chunks, start);
    const previous = this.tail;
    const done: Promise<void> = Promise.all([written, previous]).then(
      () => {
        if (!this.failure) this.onWritten(start, end, chunks);
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    const settled = done.finally(() => {
      this.inFlight.splice(this.inFlight.indexOf(settled), 1);
    });
    this.inFlight.push(settled);
    this.tail = settled;
  }
}

/** writev may write less than asked; write the rest. */
async function writeAll(fh: FileHandle, chunks: Uint8Array[], position: number): Promise<void> {
  let pending: Uint8Array[] = chunks;
  let pos = position;
  for (;;) {
    const { bytesWritten } = await fh.writev(pending, pos);
    pos += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const c of pending) {
      if (skip >= c.byteLength) skip -= c.byteLength;
      else {
        rest.push(skip > 0 ? c.subarray(skip) : c);
        skip = 0;
      }
    }
    if (rest.length === 0) return;
    if (bytesWritten === 0) throw new Error('writev wrote nothing');
    pending = rest;
  }
}
