import type { OnWritten, RangeWriter } from '../download/range-writer.js';

/**
 * One S3 part gathered in memory: the range GETs of the part (a first attempt and, after a cut
 * connection, its resumption) copy their bytes in at their offsets. A copy, because the fast
 * transport recycles its chunk memory once `onWritten` ran. Content-MD5 needs the whole part
 * before the upload starts, so a part in flight costs its size in memory, no more. The memory
 * comes from a PartBufferPool and goes back to it once the part is uploaded and hashed.
 */
export class PartBuffer {
  /** Bytes [0, filled) of the part are in the buffer. */
  filled = 0;

  constructor(
    /** Offset of the part in the object. */
    readonly start: number,
    /** The part's memory, exactly its length (may hold stale bytes beyond `filled`). */
    readonly bytes: Buffer,
  ) {}

  /** A writer for a range body that begins at object offset `from` (inside this part). */
  writer(from: number, onWritten: OnWritten): RangeWriter {
    let at = from - this.start;
    return {
      push: (chunk) => {
        if (at + chunk.byteLength > this.bytes.byteLength) throw new RangeError('a range ran past its part');
        this.bytes.set(chunk, at);
        const begin = this.start + at;
        at += chunk.byteLength;
        this.filled = Math.max(this.filled, at);
        onWritten(begin, this.start + at, [chunk]);
        return undefined;
      },
      finish: async () => {},
      abandon: async () => {},
    };
  }
}
