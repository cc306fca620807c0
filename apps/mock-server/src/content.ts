import { createCipheriv, createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Deterministic object content, generated on the fly: a 50 GiB backup costs no disk.
 *
 * Layout: the object is a sequence of 4 KiB blocks. Block `b` is a slice of a per-file 64 KiB
 * pseudo-random pattern (AES-128-CTR keystream keyed by seed, backup id and file name), with its
 * first 8 bytes overwritten by the block's byte offset (big-endian u64). The stamp is why a
 * range written at the wrong offset always changes the file's hash: no two blocks of a file are
 * equal. Producing any range is a memcpy plus one 8-byte write per block.
 */
export const BLOCK_SIZE = 4096;
const PATTERN_SIZE = 64 * 1024;

/** Objects up to this size get a quoted content-MD5 ETag; larger ones a multipart ETag. */
export const SINGLE_PART_ETAG_MAX_BYTES = 64 * 1024 * 1024;

const TWO_32 = 2 ** 32;
/** For the stamps cut by a range's edges. */
const edgeStamp = new Uint8Array(8);
const edgeView = new DataView(edgeStamp.buffer);

/**
 * Writes the stamp (big-endian u64 offset) of every block whose first 8 bytes intersect the
 * range [start, start + target.length) held in `target`: two 32-bit writes each (no BigInt, no
 * allocation; offsets stay far below 2^53).
 */
function writeStamps(target: Uint8Array, start: number): void {
  const end = start + target.length;
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  for (let b = start - (start % BLOCK_SIZE); b < end; b += BLOCK_SIZE) {
    const off = b - start;
    if (off >= 0 && off + 8 <= target.length) {
      view.setUint32(off, Math.floor(b / TWO_32));
      view.setUint32(off + 4, b >>> 0);
      continue;
    }
    const from = Math.max(b, start);
    const to = Math.min(b + 8, end);
    if (from >= to) continue;
    edgeView.setUint32(0, Math.floor(b / TWO_32));
    edgeView.setUint32(4, b >>> 0);
    target.set(edgeStamp.subarray(from - b, to - b), from - start);
  }
}

/** What identifies an object's bytes. */
export interface ContentKey {
  seed: number;
  backupId: string;
  fileName: string;
  /** Exact size in bytes. */
  size: number;
}

export interface ContentHashes {
  /** Lowercase hex MD5 of the whole object. */
  md5: string;
  /** Lowercase hex SHA-256 of the whole object. */
  sha256: string;
}

/** The bytes of one object; cheap to create, patterns are built lazily. */
export class ObjectContent {
  readonly size: number;
  private pattern: Buffer | undefined;
  private hashPromise: Promise<ContentHashes> | undefined;
  private hashValue: ContentHashes | undefined;

  constructor(readonly key: ContentKey) {
    this.size = key.size;
  }

  private getPattern(): Buffer {
    if (!this.pattern) {
      const k = createHash('sha256')
        .update(`dds-backup-mock\0${this.key.seed}\0${this.key.backupId}\0${this.key.fileName}`)
        .digest();
      const cipher = createCipheriv('aes-128-ctr', k.subarray(0, 16), k.subarray(16, 32));
      this.pattern = cipher.update(Buffer.alloc(PATTERN_SIZE));
    }
    return this.pattern;
  }

  /** Writes bytes [start, start + target.length) of the object into `target`. */
  fill(target: Uint8Array, start: number): void {
    const end = start + target.length;
    if (start < 0 || end > this.size) throw new RangeError(`range ${start}-${end} outside 0-${this.size}`);
    const pattern = this.getPattern();
    let pos = start;
    let out = 0;
    while (pos < end) {
      const at = pos % PATTERN_SIZE;
      const run = Math.min(PATTERN_SIZE - at, end - pos);
      target.set(pattern.subarray(at, at + run), out);
      pos += run;
      out += run;
    }
    writeStamps(target, start);
  }

  /**
   * Makes `target` hold bytes [start, start + target.length) when it already holds the bytes of
   * a range that started at the same offset modulo PATTERN_SIZE and was at least as long: such a
   * range differs only in its stamps, so only those are rewritten (8 bytes per 4 KiB instead of
   * a copy of every byte).
   */
  restamp(target: Uint8Array, start: number): void {
    const end = start + target.length;
    if (start < 0 || end > this.size) throw new RangeError(`range ${start}-${end} outside 0-${this.size}`);
    writeStamps(target, start);
  }
  /** Bytes [start, end) of the object as a new Buffer. */
  read(start: number, end: number): Buffer {
    const buf = Buffer.allocUnsafe(end - start);
    this.fill(buf, start);
    return buf;
  }

  /** Hashes if already computed, else undefined (never blocks). */
  get cachedHashes(): ContentHashes | undefined {
    return this.hashValue;
  }

  /**
   * MD5 and SHA-256 of the whole object, computed once and cached. Works through the object in
   * 1 MiB slices and yields to the event loop between them, so hashing a 2 GiB object never
   * stalls the server for more than a few milliseconds at a time.
   */
  hashes(): Promise<ContentHashes> {
    if (!this.hashPromise) {
      this.hashPromise = (async () => {
        const md5 = createHash('md5');
        const sha = createHash('sha256');
        const slice = Buffer.allocUnsafe(1024 * 1024);
        for (let pos = 0; pos < this.size; pos += slice.length) {
          const n = Math.min(slice.length, this.size - pos);
          const view = slice.subarray(0, n);
          this.fill(view, pos);
          md5.update(view);
          sha.update(view);
          if (pos + n < this.size) await yieldToLoop();
        }
        this.hashValue = { md5: md5.digest('hex'), sha256: sha.digest('hex') };
        return this.hashValue;
      })();
    }
    return this.hashPromise;
  }

  /**
   * The object's ETag. Up to SINGLE_PART_ETAG_MAX_BYTES: the quoted hex MD5 of the content (as
   * OBS gives single-part uploads). Above: OBS's multipart form `"<hex>-N"`, N parts of that
   * size; like a real multipart ETag it is not a content MD5, so a 2 GiB object never waits for
   * hashing before its first byte.
   */
  async etag(): Promise<string> {
    if (this.size <= SINGLE_PART_ETAG_MAX_BYTES) return `"${(await this.hashes()).md5}"`;
    return this.multipartEtag();
  }

  /** The multipart ETag (deterministic from the key, not the content). */
  multipartEtag(): string {
    const hex = createHash('md5')
      .update(`multipart\0${this.key.seed}\0${this.key.backupId}\0${this.key.fileName}\0${this.size}`)
      .digest('hex');
    return `"${hex}-${Math.ceil(this.size / SINGLE_PART_ETAG_MAX_BYTES)}"`;
  }
}

/** One buffer of a ChunkPool and what it holds. */
export interface PooledChunk {
  /** The chunk's bytes (a view of the pooled buffer). */
  bytes: Buffer;
  readonly buffer: Buffer;
  /** Object offset modulo PATTERN_SIZE of the range the buffer holds; -1: nothing yet. */
  phase: number;
  /** Length of that range. */
  filled: number;
}

/**
 * A few reusable buffers for sending one range of an object chunk by chunk: no allocation per
 * chunk and, once a buffer holds a range at the same pattern phase (always, when the chunk size
 * is a multiple of PATTERN_SIZE), no copy either, only the stamps rewritten. A buffer goes back
 * with give() once the socket is done with it (the write callback).
 */
export class ChunkPool {
  private readonly free: PooledChunk[] = [];

  constructor(
    private readonly content: ObjectContent,
    readonly chunkSize: number,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      this.free.push({ bytes: Buffer.alloc(0), buffer: Buffer.allocUnsafe(chunkSize), phase: -1, filled: 0 });
    }
  }

  /** A chunk holding object bytes [start, start + n) (n <= chunkSize), or undefined when every buffer is in flight. */
  take(start: number, n: number): PooledChunk | undefined {
    const chunk = this.free.pop();
    if (!chunk) return undefined;
    const bytes = chunk.buffer.subarray(0, n);
    const phase = start % PATTERN_SIZE;
    if (chunk.phase === phase && n <= chunk.filled) this.content.restamp(bytes, start);
    else {
      this.content.fill(bytes, start);
      chunk.phase = phase;
      chunk.filled = n;
    }
    chunk.bytes = bytes;
    return chunk;
  }

  give(chunk: PooledChunk): void {
    this.free.push(chunk);
  }
}

/**
 * The exact bytes [start, end) (end exclusive, default: the whole object) the mock serves for a
 * file. For tests elsewhere: compare a downloaded file or range with what the mock sent.
 */
export function objectBytes(key: ContentKey, start = 0, end = key.size): Buffer {
  return new ObjectContent(key).read(start, end);
}

/** MD5 and SHA-256 of a file the mock serves (computed without blocking the event loop). */
export function expectedHashes(key: ContentKey): Promise<ContentHashes> {
  return new ObjectContent(key).hashes();
}
