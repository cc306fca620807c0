import { writevSync } from 'node:fs';
import type { OnWritten, RangeWriter } from './range-writer.js';

/**
 * Bytes gathered before one positional write. 256 KiB (one transport block), not more: what a
 * writer holds unwritten is lost by a kill -9 (it cannot be recorded; bench resume-cost, #15).
 */
const BATCH_BYTES = 256 * 1024;
/** writev takes at most IOV_MAX (1024 on Linux) buffers. */
const MAX_IOVECS = 512;

/** `fs.writevSync`'s shape; a test passes its own to choose short writes and failures. */
export type WritevSync = (fd: number, buffers: readonly Uint8Array[], position: number) => number;

/**
 * Writes one stream of a range into a file at its offsets. Chunks are not copied: they are
 * gathered (up to BATCH_BYTES) and written with one `writev` at their position.
 *
 * Why synchronous (issue #15, bench download-throughput, 4 segments, 1 GiB): an async write goes
 * through libuv's thread pool, which cost about 0.5 CPU-s per GiB in hand-offs, wake-ups and the
 * promise per write, more than the copy into the page cache itself; a sync `writev` of 256 KiB
 * into the page cache takes ~50-100 us on the main thread, and the kernel keeps receiving into
 * the sockets' buffers meanwhile. Measured (1 GiB, 4 segments, whole command, 5 alternated rounds,
 * medians): tmpfs 415 -> 474 MB/s and 3.18 -> 2.74 CPU-s/GiB; disk 420 -> 480 MB/s and 3.08 -> 2.54
 * CPU-s/GiB; peak RSS 121 -> 112 MB. The price: a filesystem that blocks (a hung NFS mount, dirty-page
 * throttling) blocks the event loop, so every segment and the progress line wait with it; the
 * range request does not count that time against the server (speed floor, stall timer).
 *
 * `push` writes once a batch is full, before it returns; it returns a rejected promise when that
 * write failed (then and ever after). `onWritten` runs after each write reached the file, in stream
 * order, never for a failed write.
 */
export class PositionalWriter implements RangeWriter {
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private failure: unknown;
  /** Next offset to be written. */
  private position: number;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly onWritten: OnWritten,
    private readonly writev: WritevSync = writevSync,
  ) {
    this.position = start;
  }

  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.batch.push(chunk);
    this.batchBytes += chunk.byteLength;
    if (this.batchBytes < BATCH_BYTES && this.batch.length < MAX_IOVECS) return undefined;
    return this.flush();
  }

  /** Writes what is queued. Rejects with the first write error. */
  finish(): Promise<void> {
    return this.flush() ?? Promise.resolve();
  }

  /** Drops what is still queued (after a failed response: only bytes that reached the file are reported). */
  abandon(): Promise<void> {
    this.batch = [];
    this.batchBytes = 0;
    return Promise.resolve();
  }

  private flush(): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.batchBytes === 0) return undefined;
    const chunks = this.batch;
    const start = this.position;
    const end = start + this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    try {
      writeAll(this.writev, this.fd, chunks, start);
    } catch (error) {
      this.failure = error;
      return Promise.reject(error);
    }
    this.position = end;
    this.onWritten(start, end, chunks);
    return undefined;
  }
}

/** writev may write less than asked; write the rest. */
function writeAll(writev: WritevSync, fd: number, chunks: Uint8Array[], position: number): void {
  let pending: Uint8Array[] = chunks;
  let pos = position;
  for (;;) {
    const bytesWritten = writev(fd, pending, pos);
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
