import { constants, type FileHandle, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AbortError, DdsBackupError } from '../errors.js';
import type { DownloadLink } from '../links.js';
import type { Checkpointable, Checkpointer } from './checkpoint.js';
import {
  IncompleteDownloadError,
  ObjectChangedError,
  ObjectResponseError,
  ObjectStorageError,
  RangeIgnoredError,
  VerificationError,
  WriteError,
} from './errors.js';
import type { DownloadEvent } from './events.js';
import type { HashJob, HashPool } from './file-hasher.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import { endgamePieceBytes, nextPieceBytes, PieceQueue, type PieceSizes, pieceSizes } from './piece-queue.js';
import { type RangeContext, type RangeTarget, type RangeTask, startRange } from './range-request.js';
import { bytesIn, planSegments, RangeSet } from './segments.js';
import { checkMd5, checkSizeKB, checksumOf, md5FromEtag, requireServerChecksum } from './verify.js';

/** What a file's download shares with the rest of the run. */
export interface FileContext extends RangeContext {
  manifest: Manifest;
  checkpointer: Checkpointer;
  segmentsPerFile: number;
  minSegmentBytes: number;
  /** Smallest piece of a file cut into pieces (piece-queue.ts). */
  minPieceBytes: number;
  verify: boolean;
  /** A file the server gives no checksum for (no plain-MD5 ETag) fails verification. */
  requireChecksum: boolean;
  /** Worker threads that hash every file as it lands (SHA-256, and MD5 where the ETag is one). */
  hashes: HashPool;
  progressIntervalMs: number;
}

/** One file to fetch, as decided before the transfer starts. */
export interface FilePlan {
  link: DownloadLink;
  finalPath: string;
  partPath: string;
  /** The manifest entry (a partial one to resume, or a fresh one). */
  entry: ManifestEntry;
  /** Start from an empty .part (no trusted ranges). */
  truncate: boolean;
}

/** The outcome of one file. */
export interface FileResult {
  name: string;
  /** The final path (only ever holding a complete, verified file). */
  path: string;
  bytes: number;
  /** Hex MD5 when it was checked against the object's plain-MD5 ETag, else null. */
  md5: string | null;
  md5Verified: boolean;
  /** Hex SHA-256 of the file on disk (recorded in the manifest; `verify` compares it later). */
  sha256: string;
  /**
   * What the server's metadata let us verify: `md5` (a plain-MD5 ETag), `size-only` (multipart
   * `"…-N"`, weak `W/` or missing ETag: only the size could be checked against the server).
   */
  checksum: 'md5' | 'size-only';
  /** Already complete from an earlier run: not downloaded again (size and mtime checked). */
  skipped: boolean;
  /** Skipped, and re-hashed by `recheck`: its SHA-256 still matches the recorded one. */
  rechecked?: boolean;
  /** Bytes that were on disk from an earlier run when this one started. */
  resumedBytes: number;
  /** Bytes received by this run. */
  transferredBytes: number;
}

/**
 * Downloads one file into NAME.part with parallel ranged requests, verifies it, and renames it
 * into place. Ranges already in the manifest are not fetched again.
 */
export class FileDownload implements RangeTarget, Checkpointable {
  readonly name: string;
  readonly path: string;
  fh!: FileHandle;
  ranges: RangeSet;
  entry: ManifestEntry;
  dirtyBytes = 0;
  total: number | undefined;
  private etag: string | undefined;
  /** Hashes [0, n) of the .part on a worker as the contiguous prefix on disk grows. */
  private hashing: HashJob | undefined;
  private transferred = 0;
  private lastProgress = 0;
  /** Stops this file's other ranges when one fails. */
  private stop = new AbortController();
  private rangeContext: FileContext;
  /** Restarted from byte 0 once already (the server ignored Range). */
  private restarted = false;

  constructor(
    private readonly ctx: FileContext,
    private readonly plan: FilePlan,
  ) {
    this.name = plan.link.name;
    this.rangeContext = { ...ctx, signal: AbortSignal.any([ctx.signal, this.stop.signal]) };
    this.path = plan.partPath;
    this.entry = plan.entry;
    this.ranges = new RangeSet(plan.truncate ? [] : (plan.entry.ranges ?? []));
    this.total = plan.truncate ? undefined : plan.entry.size;
    this.etag = plan.truncate ? undefined : plan.entry.etag;
  }

  /**
   * Starts hashing once it is known whether MD5 is wanted (after the first response, or at the
   * end for a resumed file needing no request). The job reads the .part from byte 0, so bytes
   * an earlier run left are hashed as well as this run's.
   */
  private startHashing(): HashJob {
    this.hashing ??= this.ctx.hashes.open(this.plan.partPath, { md5: this.ctx.verify && !!md5FromEtag(this.etag) });
    return this.hashing;
  }

  async run(): Promise<FileResult> {
    const { ctx, plan } = this;
    const flags =
      constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (plan.truncate ? constants.O_TRUNC : 0);
    try {
      this.fh = await open(plan.partPath, flags, 0o644);
    } catch (error) {
      throw new WriteError(plan.partPath, error);
    }
    const resumedBytes = this.ranges.size;
    Object.assign(this.entry, { state: 'partial', ranges: this.ranges.toJSON(), size: this.total, etag: this.etag });
    delete this.entry.mtimeMs;
    delete this.entry.md5;
    delete this.entry.sha256;
    ctx.checkpointer.track(this);
    let closed = false;
    try {
      ctx.emit({
        type: 'file-start',
        file: this.name,
        path: plan.finalPath,
        totalBytes: this.total ?? null,
        sizeKB: plan.link.sizeKB,
        resumedBytes,
      });
      let verified: { total: number; md5: string | undefined; sha256: string };
      try {
        verified = await this.transferAndVerify();
      } catch (error) {
        // An MD5 mismatch with bytes an earlier run left: those bytes are the suspects (a run
        // stopped mid-file keeps what it received, and bytes damaged in transit pass every check
        // until the whole file is hashed). Fetched whole once more before calling it corrupt,
        // so "run it again" repairs a file, as the messages promise.
        const md5Mismatch = error instanceof VerificationError && error.check === 'md5';
        if (!md5Mismatch || resumedBytes === 0 || ctx.signal.aborted) throw error;
        await this.restartFromZero(
          `its MD5 did not match with ${resumedBytes} byte(s) resumed from an earlier run: downloading it again from byte 0`,
          { segments: true },
        );
        verified = await this.transferAndVerify();
      }
      const { total, md5, sha256 } = verified;
      ctx.checkpointer.untrack(this);
      // Everything on disk before the file gets its final name, including bytes an earlier run
      // of this boot wrote but never synced (they were trusted, not re-written, by this run).
      await this.fh.datasync();
      await this.fh.close();
      closed = true;
      await rename(plan.partPath, plan.finalPath).catch((e) => {
        throw new WriteError(plan.finalPath, e);
      });
      await syncDirectory(dirname(plan.finalPath));
      const st = await stat(plan.finalPath);
      Object.assign(this.entry, { state: 'complete', size: total, mtimeMs: st.mtimeMs });
      if (md5) this.entry.md5 = md5;
      this.entry.sha256 = sha256;
      delete this.entry.ranges;
      await ctx.manifest.save();
      this.emitProgress(true);
      const result: FileResult = {
        name: this.name,
        path: plan.finalPath,
        bytes: total,
        md5: md5 ?? null,
        md5Verified: md5 !== undefined,
        sha256,
        checksum: checksumOf(this.etag),
        skipped: false,
        resumedBytes,
        transferredBytes: this.transferred,
      };
      ctx.emit(fileDoneEvent(result));
      return result;
    } catch (error) {
      // Record what reached the disk (the checkpointer snapshots, fdatasyncs, then records, and
      // runs after any checkpoint in flight, so an older snapshot never overwrites a newer one).
      if (this.entry.state === 'partial') await ctx.checkpointer.flush().catch(() => {});
      ctx.checkpointer.untrack(this);
      this.hashing?.cancel();
      // A refused size-only file holds good bytes: kept for a run without --require-checksum.
      if (error instanceof ObjectChangedError || (isVerificationError(error) && !isChecksumRefusal(error))) {
        // Never resume these bytes: the next run starts this file over.
        Object.assign(this.entry, { state: 'failed', ranges: [] });
        await ctx.manifest.save().catch(() => {});
      }
      throw toFileError(this.name, error);
    } finally {
      if (!closed) await this.fh.close().catch(() => {});
    }
  }

  /** Fetches what is missing, then verifies the whole file (size, MD5 where the ETag is one). */
  private async transferAndVerify(): Promise<{ total: number; md5: string | undefined; sha256: string }> {
    await this.transfer();
    const total = this.total ?? 0;
    if (!this.ranges.covers(total))
      throw new ObjectResponseError(this.name, 'ranges left unfetched', { retryable: false });
    await this.ctx.checkpointer.flush();
    return { total, ...(await this.verify(total)) };
  }

  /**
   * Fetches every missing range in parallel (a fresh file: cut from the KB size, see startUp).
   * The first failing range stops its siblings; all have settled (no write in flight) when this
   * returns or throws.
   */
  private async transfer(): Promise<void> {
    try {
      await this.transferRanges();
    } catch (error) {
      if (!(error instanceof RangeIgnoredError) || this.restarted || this.ctx.signal.aborted) throw error;
      await this.restartFromZero(
        `the server ignored the Range request (${error.message.replace(`${this.name}: `, '')}): downloading it again from byte 0 in one stream`,
      );
      await this.transferRanges();
    }
  }

  /**
   * A server that ignores Range can still be read from byte 0 to the end: forget the ranges on
   * disk (recorded as empty before any new byte lands), truncate, and fetch in one stream.
   */
  private async restartFromZero(reason: string, options: { segments?: boolean } = {}): Promise<void> {
    if (!options.segments) this.restarted = true;
    this.ctx.emit({ type: 'restart', file: this.name, reason });
    this.hashing?.cancel();
    this.hashing = undefined;
    this.ranges = new RangeSet();
    Object.assign(this.entry, { ranges: [] });
    delete this.entry.syncedRanges;
    await this.fh.truncate(0).catch((e) => {
      throw new WriteError(this.path, e);
    });
    // Recorded before any new byte lands; the checkpointer runs after any checkpoint in flight.
    await this.ctx.checkpointer.flush();
    this.stop = new AbortController();
    this.rangeContext = {
      ...this.ctx,
      signal: AbortSignal.any([this.ctx.signal, this.stop.signal]),
      // One stream where the server ignores Range; the usual segments for a plain fetch again.
      ...(options.segments ? {} : { segmentsPerFile: 1 }),
    };
    this.total = undefined;
  }

  private async transferRanges(): Promise<void> {
    const ctx = this.rangeContext;
    const failures: unknown[] = [];
    const running: Promise<void>[] = [];
    const fail = (error: unknown) => {
      failures.push(error);
      this.stop.abort();
    };
    if (this.total !== undefined) {
      const gaps = this.ranges.gaps(this.total);
      const piece = pieceSizes(bytesIn(gaps), ctx.segmentsPerFile, ctx.minPieceBytes);
      if (piece !== undefined) {
        const queue = new PieceQueue(gaps);
        for (let i = 0; i < ctx.segmentsPerFile; i++) running.push(this.lane(ctx, queue, piece).catch(fail));
      } else {
        for (const [s, e] of planSegments(gaps, ctx.segmentsPerFile, ctx.minSegmentBytes))
          running.push(startRange(ctx, this, { start: s, end: e }).done.catch(fail));
      }
    } else {
      running.push(...this.startUp(ctx, fail));
    }
    await Promise.all(running);
    if (failures.length > 0) throw failures[0];
  }

  /**
   * The exact size is not known yet (the API gives KB): every segment starts at once, cut from
   * the KB estimate (issue #15: waiting for a first answer's headers cost a round trip before
   * the others began). Whichever answer comes first tells the exact size (`learn`, checked
   * against the KB size there). The last segment runs to the object's end, so an object
   * somewhat larger than its estimate is still fetched whole; a segment starting past a smaller
   * object's end hears 416 and is done; the others are cut at the real end.
   *
   * Segment 0 (from byte 0) is the one that may carry the whole file: a server that ignores
   * Range answers its first request with 200 and the whole object, which it then reads to the
   * end in one stream while the other segments are called off (their 200s from non-zero
   * positions are RangeIgnoredErrors that segment 0's answer makes moot).
   */
  private startUp(ctx: FileContext, fail: (error: unknown) => void): Promise<void>[] {
    const estimate = this.plan.link.sizeKB * 1024;
    const split = ctx.segmentsPerFile > 1 && estimate >= 2 * ctx.minSegmentBytes;
    // Unsplit: one request without Range (a zero-byte object would answer `bytes=0-` with 416).
    if (!split) return [startRange(ctx, this, { start: 0, end: undefined }).done.catch(fail)];
    // A large file is cut into pieces handed out in order (piece-queue.ts), the first batch
    // (one per connection) from the estimate; a smaller one into one segment per connection.
    const piece = pieceSizes(estimate, ctx.segmentsPerFile, ctx.minPieceBytes);
    const queue = piece === undefined ? undefined : new PieceQueue([[0, estimate]], estimate);
    const planned: RangeTask[] = [];
    if (queue) {
      for (let i = 0; i < ctx.segmentsPerFile && !queue.empty; i++) planned.push(queue.take(piece!.first)!);
    } else {
      const cut = planSegments([[0, estimate]], ctx.segmentsPerFile, ctx.minSegmentBytes);
      for (const [i, [s, e]] of cut.entries()) planned.push({ start: s, end: i === cut.length - 1 ? undefined : e });
    }
    // Then each connection goes on with the next pieces (none without a queue).
    const thenPieces = (lane: FileContext) => (queue ? this.lane(lane, queue, piece!) : Promise.resolve());
    const head = startRange(ctx, this, { ...planned[0]!, wholeObjectOn200: true });
    const running = [head.done.then(() => thenPieces(ctx)).catch(fail)];
    const others = new AbortController();
    const wholeInOne = head.first.then((first) => first?.status === 200);
    // (The queue learns the exact size from `this.total` before each piece: lane().)
    void wholeInOne.then((whole) => {
      if (whole) {
        queue?.clear();
        others.abort();
      }
    });
    const othersCtx = { ...ctx, signal: AbortSignal.any([ctx.signal, others.signal]) };
    for (const [i, task] of planned.entries()) {
      if (i === 0) continue;
      const s = task.start;
      running.push(
        startRange(othersCtx, this, task)
          .done.then(() => thenPieces(othersCtx))
          .catch(async (error: unknown) => {
            // Called off because segment 0 carries the whole object, or a 200 of its own that
            // segment 0's 200 makes moot; else a failure of the file (a RangeIgnoredError then
            // restarts it in one stream, see transfer()).
            if (others.signal.aborted && !ctx.signal.aborted) return;
            if (error instanceof RangeIgnoredError && (await wholeInOne)) return;
            // A 416 without `bytes */N`, heard before any answer told the size: past the end
            // if segment 0's answer puts the end at or before this segment's start.
            if (error instanceof ObjectStorageError && error.status === 416) {
              await head.first;
              if (this.total !== undefined && s >= this.total) return;
            }
            fail(error);
          }),
      );
    }
    return running;
  }

  /**
   * One connection's share of a file cut into pieces: the next lowest piece, until none is left.
   * Pieces grow with what the connection measured (nextPieceBytes), and shrink only near the
   * end, where every connection takes an even share of what is left (endgamePieceBytes).
   */
  private async lane(ctx: FileContext, queue: PieceQueue, sizes: PieceSizes): Promise<void> {
    let piece = sizes.first;
    for (;;) {
      // The exact size is known from the first answer of any piece: nothing past it is asked for.
      if (this.total !== undefined) queue.clip(this.total);
      const task = queue.take(endgamePieceBytes(piece, queue.bytesLeft, ctx.segmentsPerFile, sizes));
      if (!task) return;
      const asked = Date.now();
      const fetch = startRange(ctx, this, task);
      const first = await fetch.first;
      const answered = Date.now();
      await fetch.done;
      const took = Date.now() - answered;
      const end = task.end ?? this.total;
      if (first && end !== undefined && took > 0)
        piece = nextPieceBytes(piece, sizes, {
          bytesPerSecond: ((end - task.start) * 1000) / took,
          headersMs: answered - asked,
        });
    }
  }

  /**
   * Size, KB size and MD5 checks; returns the file's SHA-256 and the verified MD5 (undefined
   * when the server gives none, or verification is off).
   */
  private async verify(total: number): Promise<{ sha256: string; md5: string | undefined }> {
    if (this.ctx.verify) checkSizeKB(this.name, total, this.plan.link.sizeKB);
    const expected = this.ctx.verify ? md5FromEtag(this.etag) : undefined;
    if (this.ctx.requireChecksum && !md5FromEtag(this.etag)) requireServerChecksum(this.name, this.etag);
    let hashes = await untilAborted(this.startHashing().finish(total), this.ctx.signal, this.plan.partPath);
    // MD5 was not asked for when hashing began (no ETag yet, then one came): hash again.
    if (expected && hashes.md5 === undefined)
      hashes = await untilAborted(
        this.ctx.hashes.hashFile(this.plan.partPath, total, { md5: true }),
        this.ctx.signal,
        this.plan.partPath,
      );
    if (expected) checkMd5(this.name, expected, hashes.md5!);
    return { sha256: hashes.sha256, md5: expected ? hashes.md5 : undefined };
  }

  learn(total: number, etag: string | undefined): void {
    if (this.total === undefined) {
      // Refused at the first response, before the body: a server declaring far more than the
      // API lists must not fill the disk first.
      if (this.ctx.verify) checkSizeKB(this.name, total, this.plan.link.sizeKB);
      this.total = total;
      this.entry.size = total;
    } else if (this.total !== total) {
      throw new ObjectChangedError(this.name, `its size is now ${total} bytes, was ${this.total}`);
    }
    if (etag !== undefined && this.etag === undefined) {
      this.etag = etag;
      this.entry.etag = etag;
    } else if (etag !== undefined && this.etag !== etag) {
      throw new ObjectChangedError(this.name, `its ETag is now ${etag}, was ${this.etag}`);
    }
    // --require-checksum: refuse before the body is fetched, not after gigabytes.
    if (this.ctx.requireChecksum && !md5FromEtag(this.etag)) requireServerChecksum(this.name, this.etag);
    // MD5 only where the ETag is a content MD5 there is something to check against (the
    // decision is made here, after the ETag is known, for every answer: with or without one).
    this.startHashing().advance(this.ranges.prefixEnd);
  }

  written(start: number, end: number): void {
    this.ranges.add(start, end);
    this.hashing?.advance(this.ranges.prefixEnd);
    this.transferred += end - start;
    this.ctx.checkpointer.written(this, end - start);
    this.emitProgress(false);
  }

  private emitProgress(final: boolean): void {
    const now = Date.now();
    if (!final && now - this.lastProgress < this.ctx.progressIntervalMs) return;
    this.lastProgress = now;
    this.ctx.emit({
      type: 'progress',
      file: this.name,
      bytes: this.ranges.size,
      totalBytes: this.total ?? null,
      transferredBytes: this.transferred,
    });
  }
}

/** Failures a re-run can cure become IncompleteDownloadError (resumable); the rest pass through. */
function toFileError(name: string, error: unknown): unknown {
  if (error instanceof AbortError || error instanceof IncompleteDownloadError) return error;
  if (error instanceof ObjectChangedError || (error instanceof DdsBackupError && error.retryable))
    return new IncompleteDownloadError(name, error);
  return error;
}

function isVerificationError(error: unknown): boolean {
  return (error as { kind?: string })?.kind === 'VERIFICATION';
}

/** Waits for the hash of a file, or throws AbortError at once when the run is cancelled. */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, path: string): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AbortError());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      work.catch((error: unknown) => {
        throw new WriteError(path, error, 'read back');
      }),
      aborted,
    ]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
    work.catch(() => {});
  }
}

function isChecksumRefusal(error: unknown): boolean {
  return (error as { check?: string })?.check === 'checksum';
}

/** The `file-done` event of a result. */
export function fileDoneEvent(r: FileResult): DownloadEvent {
  return {
    type: 'file-done',
    file: r.name,
    path: r.path,
    bytes: r.bytes,
    md5: r.md5,
    md5Verified: r.md5Verified,
    sha256: r.sha256,
    checksum: r.checksum,
    skipped: r.skipped,
    ...(r.rechecked ? { rechecked: true } : {}),
    transferredBytes: r.transferredBytes,
  };
}

/** Makes a rename in `dir` durable (Linux needs the directory itself synced); best effort elsewhere. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // Some platforms and file systems cannot sync a directory; the rename itself stands.
  } finally {
    await fh.close();
  }
}
