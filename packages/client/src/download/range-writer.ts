/**
 * Where the body of one range request goes: the destination seam. The local directory writes
 * at offsets into NAME.part (PositionalWriter); the S3 destination gathers a part in memory
 * (destination/part-buffer.ts). `push` resolves when the caller may read more (backpressure);
 * the writer calls its `onWritten(start, end, chunks)` after bytes reached the destination,
 * strictly in stream order, never after a failure.
 */
export interface RangeWriter {
  /** Queues a chunk; a promise means: wait for it before pushing more. */
  push(chunk: Uint8Array): Promise<void> | undefined;
  /** Flushes what is queued; throws the first write error. */
  finish(): Promise<void>;
  /** Waits for writes in flight and drops the rest; never throws. */
  abandon(): Promise<void>;
}

/** Called by a writer for each run of bytes that reached the destination. */
export type OnWritten = (start: number, end: number, chunks: readonly Uint8Array[]) => void;
