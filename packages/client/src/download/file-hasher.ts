import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Digests of a file's first `size` bytes, lowercase hex. */
export interface FileHashes {
  sha256: string;
  /** Only when it was asked for (the ETag is a plain MD5). */
  md5?: string;
}

/**
 * The worker's code, evaluated as a CommonJS script (`eval: true`): a file next to this one
 * would not exist when the engine runs from its TypeScript sources (tests), and a worker
 * cannot go through the test runner's loader.
 *
 * Each job reads its file from offset 0 in order, up to the offset the main thread says is on
 * disk, and feeds SHA-256 (and MD5) as it goes. Reads are synchronous: this thread does
 * nothing else, and pages just written are still in the page cache, so a read is a memcpy.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const jobs = new Map();
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
function fail(id, error) {
  const job = jobs.get(id);
  if (job) { try { fs.closeSync(job.fd); } catch {} jobs.delete(id); }
  parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'open') {
      const fd = fs.openSync(m.path, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0));
      jobs.set(m.id, { fd, pos: 0, sha: createHash('sha256'), md5: m.md5 ? createHash('md5') : undefined });
      return;
    }
    const job = jobs.get(m.id);
    if (!job) return;
    if (m.op === 'cancel') { fs.closeSync(job.fd); jobs.delete(m.id); return; }
    while (job.pos < m.upTo) {
      const n = fs.readSync(job.fd, buf, 0, Math.min(buf.length, m.upTo - job.pos), job.pos);
      if (n === 0) throw Object.assign(new Error('the file ended at ' + job.pos + ' bytes, ' + m.upTo + ' expected'), { code: 'ESHORT' });
      const view = buf.subarray(0, n);
      job.sha.update(view);
      if (job.md5) job.md5.update(view);
      job.pos += n;
    }
    if (m.op === 'finish') {
      fs.closeSync(job.fd);
      jobs.delete(m.id);
      parentPort.postMessage({ id: m.id, sha256: job.sha.digest('hex'), md5: job.md5 ? job.md5.digest('hex') : undefined });
    }
  } catch (error) {
    fail(m.id, error);
  }
});
`;

/** A read failure while hashing: `code` is the errno code (or ESHORT: the file is shorter). */
export class HashReadError extends Error {
  override name = 'HashReadError';
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(`cannot read back ${path} to hash it: ${code ?? message}`);
  }
}

interface Pending {
  resolve: (h: FileHashes) => void;
  reject: (e: unknown) => void;
}

class HashWorker {
  readonly worker: Worker;
  /** Jobs open on this worker (the pool puts a new job on the least busy one). */
  load = 0;
  private pending = new Map<number, Pending>();
  private failed = new Map<number, HashReadError>();
  private paths = new Map<number, string>();
  private dead: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Never keeps the process alive; a pool is closed at the end of every run anyway.
    this.worker.unref();
    this.worker.on(
      'message',
      (m: { id: number; sha256?: string; md5?: string; error?: { message: string; code?: string } }) => {
        const path = this.paths.get(m.id) ?? '';
        const p = this.pending.get(m.id);
        if (m.error) {
          const error = new HashReadError(path, m.error.code, m.error.message);
          if (p) p.reject(error);
          else this.failed.set(m.id, error);
        } else if (p) {
          p.resolve({ sha256: m.sha256!, ...(m.md5 ? { md5: m.md5 } : {}) });
        }
        if (p) this.settle(m.id);
      },
    );
    this.worker.on('error', (error) => this.die(error));
    this.worker.on('exit', () => this.die(new Error('the hashing worker exited')));
  }

  private settle(id: number): void {
    this.pending.delete(id);
    this.paths.delete(id);
    this.failed.delete(id);
    this.load--;
  }

  private die(error: Error): void {
    this.dead ??= error;
    for (const [id, p] of this.pending) {
      p.reject(new HashReadError(this.paths.get(id) ?? '', undefined, error.message));
      this.settle(id);
    }
  }

  post(message: { op: string; id: number; path?: string; md5?: boolean; upTo?: number }): void {
    if (!this.dead) this.worker.postMessage(message);
  }

  open(id: number, path: string, md5: boolean): void {
    this.load++;
    this.paths.set(id, path);
    this.post({ op: 'open', id, path, md5 });
  }

  finish(id: number, size: number): Promise<FileHashes> {
    const early = this.failed.get(id);
    if (early) {
      this.settle(id);
      return Promise.reject(early);
    }
    if (this.dead) {
      const path = this.paths.get(id) ?? '';
      this.settle(id);
      return Promise.reject(new HashReadError(path, undefined, this.dead.message));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ op: 'finish', id, upTo: size });
    });
  }

  cancel(id: number): void {
    this.post({ op: 'cancel', id });
    if (!this.pending.has(id)) this.settle(id);
  }
}

/**
 * Hashes one file in order from offset 0 on a worker thread, while it is still being written:
 * `advance(n)` says [0, n) is on disk. See README.md (Decisions: hashing) for why.
 */
export class HashJob {
  private sent = 0;
  private done = false;

  constructor(
    private readonly worker: HashWorker,
    private readonly id: number,
    /** Bytes between two `advance` messages (fewer messages, bigger reads). */
    private readonly step: number,
  ) {}

  /** Bytes [0, upTo) are on disk and will not change: the worker may hash them. */
  advance(upTo: number): void {
    if (this.done || upTo - this.sent < this.step) return;
    this.sent = upTo;
    this.worker.post({ op: 'advance', id: this.id, upTo });
  }

  /** Hashes up to `size` and returns the digests of [0, size). */
  finish(size: number): Promise<FileHashes> {
    this.done = true;
    return this.worker.finish(this.id, size);
  }

  /** Drops the job (its file failed); the worker closes the file. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.worker.cancel(this.id);
  }
}

/**
 * A few worker threads that hash files, so SHA-256 (and MD5) never run on the thread that
 * moves the bytes. Workers start on first use; `close()` ends them.
 */
export class HashPool {
  private workers: HashWorker[] = [];
  private nextId = 1;
  private readonly size: number;

  constructor(
    size = Math.max(1, Math.min(4, availableParallelism() - 1)),
    private readonly step = 4 * 1024 * 1024,
  ) {
    this.size = Math.max(1, size);
  }

  /** Opens `path` for hashing from offset 0 (`md5`: also MD5). */
  open(path: string, options: { md5: boolean }): HashJob {
    let worker = this.workers.find((w) => w.load === 0);
    if (!worker && this.workers.length < this.size) {
      worker = new HashWorker();
      this.workers.push(worker);
    }
    worker ??= this.workers.reduce((a, b) => (b.load < a.load ? b : a));
    const id = this.nextId++;
    worker.open(id, path, options.md5);
    return new HashJob(worker, id, this.step);
  }

  /** Hashes a whole, finished file. */
  hashFile(path: string, size: number, options: { md5: boolean }): Promise<FileHashes> {
    return this.open(path, options).finish(size);
  }

  close(): void {
    for (const w of this.workers) void w.worker.terminate();
    this.workers = [];
  }
}
