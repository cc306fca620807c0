import { constants, type FileHandle, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AbortError, DdsBackupError } from '../errors.js';
import type { DownloadLink } from '../links.js';
import type { Checkpointable, Checkpointer } from './checkpoint.js';
import { IncompleteDownloadError, ObjectChangedError, ObjectResponseError, WriteError } from './errors.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import { fetchRange, type RangeContext, type RangeTarget, type RangeTask } from './range-request.js';
import { planSegments, RangeSet } from './segments.js';
import { checkMd5, checkSizeKB, md5FromEtag, md5OfFile, SequentialHash } from './verify.js';

/** What a file's download shares with the rest of the run. */
export interface FileContext extends RangeContext {
  manifest: Manifest;
  checkpointer: Checkpointer;
  segmentsPerFile: number;
  minSegmentBytes: number;
  verify: boolean;
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
  /** Already complete from an earlier run: not downloaded again. */
  skipped: boolean;
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
  private readonly hash = new SequentialHash();
  private transferred = 0;
  private lastProgress = 0;
  private sizeKnown: () => void = () => {};
  /** Stops this file's other ranges when one fails. */
  private readonly stop = new AbortController();
  private readonly rangeContext: FileContext;

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
    // Bytes from an earlier run were not hashed: the file is re-read at the end.
    if (this.ranges.size > 0) this.hash.disable();
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
      await this.transfer();
      const total = this.total ?? 0;
      if (!this.ranges.covers(total))
        throw new ObjectResponseError(this.name, 'ranges left unfetched', { retryable: false });
      await ctx.checkpointer.flush();
      const md5 = await this.verify(total);
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
      delete this.entry.ranges;
      await ctx.manifest.save();
      this.emitProgress(true);
      const result: FileResult = {
        name: this.name,
        path: plan.finalPath,
        bytes: total,
        md5: md5 ?? null,
        md5Verified: md5 !== undefined,
        skipped: false,
        resumedBytes,
        transferredBytes: this.transferred,
      };
      ctx.emit({
        type: 'file-done',
        file: this.name,
        path: plan.finalPath,
        bytes: total,
        md5: result.md5,
        md5Verified: result.md5Verified,
        skipped: false,
        transferredBytes: this.transferred,
      });
      return result;
    } catch (error) {
      // Record what reached the disk (the checkpointer snapshots, fdatasyncs, then records, and
      // runs after any checkpoint in flight, so an older snapshot never overwrites a newer one).
      if (this.entry.state === 'partial') await ctx.checkpointer.flush().catch(() => {});
      ctx.checkpointer.untrack(this);
      if (error instanceof ObjectChangedError || isVerificationError(error)) {
        // Never resume these bytes: the next run starts this file over.
        Object.assign(this.entry, { state: 'failed', ranges: [] });
        await ctx.manifest.save().catch(() => {});
      }
      throw toFileError(this.name, error);
    } finally {
      if (!closed) await this.fh.close().catch(() => {});
    }
  }

  /**
   * Fetches every missing range: a first request learns the exact size (the API gives KB), then
   * the rest in parallel. The first failing range stops its siblings; all have settled (no
   * write in flight) when this returns or throws.
   */
  private async transfer(): Promise<void> {
    const ctx = this.rangeContext;
    const failures: unknown[] = [];
    const running: Promise<void>[] = [];
    const start = (task: RangeTask) => {
      const p = fetchRange(ctx, this, task).catch((error: unknown) => {
        failures.push(error);
        this.stop.abort();
      });
      running.push(p);
      return p;
    };
    const settle = async () => {
      await Promise.all(running);
      if (failures.length > 0) throw failures[0];
    };
    if (this.total === undefined) {
      const estimate = this.plan.link.sizeKB * 1024;
      const split = ctx.segmentsPerFile > 1 && estimate >= 2 * ctx.minSegmentBytes;
      const probe: RangeTask = {
        start: 0,
        end: split ? Math.ceil(estimate / ctx.segmentsPerFile) : undefined,
        // A server that ignores Range answers 200 with everything: read it in one stream.
        onFirstResponse: (status, total) => {
          if (status === 200) probe.end = total;
        },
      };
      const known = new Promise<void>((resolve) => {
        this.sizeKnown = resolve;
      });
      await Promise.race([known, start(probe)]);
      const total = this.total as number | undefined;
      if (total !== undefined && failures.length === 0) {
        const rest = new RangeSet(this.ranges.toJSON());
        rest.add(0, probe.end ?? total);
        for (const [s, e] of planSegments(rest.gaps(total), ctx.segmentsPerFile - 1, ctx.minSegmentBytes))
          start({ start: s, end: e });
      }
      return settle();
    }
    for (const [s, e] of planSegments(this.ranges.gaps(this.total), ctx.segmentsPerFile, ctx.minSegmentBytes))
      start({ start: s, end: e });
    return settle();
  }

  /** Size, KB size and MD5 checks; returns the verified MD5 (or undefined when there is none). */
  private async verify(total: number): Promise<string | undefined> {
    if (!this.ctx.verify) return undefined;
    checkSizeKB(this.name, total, this.plan.link.sizeKB);
    const expected = md5FromEtag(this.etag);
    if (!expected) return undefined;
    const actual = this.hash.digest(total) ?? (await md5OfFile(this.fh, total, this.ctx.signal));
    checkMd5(this.name, expected, actual);
    return actual;
  }

  learn(total: number, etag: string | undefined): void {
    if (this.total === undefined) {
      this.total = total;
      this.entry.size = total;
      this.sizeKnown();
    } else if (this.total !== total) {
      throw new ObjectChangedError(this.name, `its size is now ${total} bytes, was ${this.total}`);
    }
    if (etag === undefined) return;
    if (this.etag === undefined) {
      this.etag = etag;
      this.entry.etag = etag;
      // Hashing on the fly costs a core's worth of MD5 at full speed: only do it when the
      // ETag is a content MD5 there is something to check against.
      if (!this.ctx.verify || !md5FromEtag(etag)) this.hash.disable();
    } else if (this.etag !== etag) {
      throw new ObjectChangedError(this.name, `its ETag is now ${etag}, was ${this.etag}`);
    }
  }

  written(start: number, end: number, chunks: readonly Uint8Array[]): void {
    this.ranges.add(start, end);
    this.hash.update(start, chunks);
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
