import { statfs as fsStatfs, mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { DdsClient } from '../client.js';
import { AbortError, ConfigurationError } from '../errors.js';
import { Budget, forEachLimit } from './budget.js';
import {
  EmptyBackupError,
  FileExistsError,
  InsufficientSpaceError,
  UnsafeFileNameError,
  WriteError,
} from './errors.js';
import { backupDoneEvent, type DownloadEvent, emitter } from './events.js';
import type { FileContext, FilePlan, FileResult } from './file-download.js';
import type { HashPool } from './file-hasher.js';
import { assertFetchableLink } from './link-check.js';
import { assertSafeNames } from './safe-name.js';

const MiB = 1024 * 1024;

/**
 * The modules only the transfer needs, after the link answer (lock, manifest, resume policy,
 * file downloads, the HTTP/1.1 client, hashing). Imported when a download starts, not with this
 * module, so they load while the API call for the links is in flight instead of before it
 * (issue #15: time to the first object byte; over a WAN the whole load hides in the round trip).
 */
function transferModules() {
  return Promise.all([
    import('./checkpoint.js'),
    import('./dir-lock.js'),
    import('./file-download.js'),
    import('./file-hasher.js'),
    import('./http1-transport.js'),
    import('./links-cache.js'),
    import('./manifest.js'),
    import('./resume-policy.js'),
  ]).then(([checkpoint, dirLock, fileDownload, fileHasher, http1, linksCache, manifest, resumePolicy]) => ({
    ...checkpoint,
    ...dirLock,
    ...fileDownload,
    ...fileHasher,
    ...http1,
    ...linksCache,
    ...manifest,
    ...resumePolicy,
  }));
}

/** Free space of a file system, as `fs.statfs` reports it. */
export interface StatFsLike {
  bavail: number | bigint;
  bsize: number | bigint;
}

export interface DownloadBackupOptions {
  client: DdsClient;
  instanceId: string;
  backupId: string;
  /** Target directory (created if missing). Holds the files, their `.part`s and the manifest. */
  dir: string;
  /** Files downloaded at once (default 4). */
  concurrency?: number;
  /** Parallel ranged requests per large file (default 4). */
  segmentsPerFile?: number;
  /** Files smaller than twice this are one stream; no range is cut smaller (default 16 MiB). */
  minSegmentBytes?: number;
  /**
   * A file with at least two pieces of this size per segment is fetched in pieces handed out
   * lowest offset first, so its SHA-256 keeps up with the transfer (piece-queue.ts); a piece is
   * never smaller (default 4 MiB).
   */
  minPieceBytes?: number;
  /**
   * Object requests in flight across all files, the budget files share (default
   * max(concurrency, segmentsPerFile)): one large file gets every connection, several small
   * ones one each.
   */
  maxConnections?: number;
  /**
   * A connection budget shared with other downloads running at the same time (the mirror's one
   * global budget across backups); `maxConnections` is then ignored. Default: a budget of its own.
   */
  budget?: Budget;
  /** Check size and MD5 before renaming into place (default true). */
  verify?: boolean;
  /**
   * A file the server gives no checksum for (multipart, weak or missing ETag: size-only) fails
   * with VerificationError (`check: 'checksum'`) instead of being accepted on its size (default
   * false). Checked at the first response, before the body is fetched, and for files already
   * complete from an earlier run.
   */
  requireChecksum?: boolean;
  /**
   * Re-hash files already complete from an earlier run and compare with the recorded SHA-256
   * (and MD5), instead of trusting their size and mtime (default false). A file that changed is
   * downloaded again (a `restart` event says so); it keeps its place until the new copy is whole.
   */
  recheck?: boolean;
  /** Overwrite files in `dir` that this tool did not write (default false: refuse). */
  force?: boolean;
  /** Cancels everything at once; the manifest is flushed and a re-run resumes. */
  signal?: AbortSignal;
  /** Progress events (see events.ts); plain JSON objects. */
  onEvent?: (event: DownloadEvent) => void;
  /** A request that receives nothing for this long is aborted and retried from where it got (default 30000). */
  stallTimeoutMs?: number;
  /**
   * Speed floor, as curl's --speed-limit/--speed-time: a body slower than `speedLimit` bytes/s
   * over `speedTimeMs` is aborted and retried from where it got (defaults 1024 bytes/s over
   * 30000 ms; 0 disables). An attempt cut off this way that delivered under 1 MiB counts against
   * the retry attempts, so a server dripping 1 byte/s is given up on after about
   * attempts x speedTimeMs (2 minutes with the defaults) with IncompleteDownloadError.
   */
  speedLimit?: number;
  speedTimeMs?: number;
  /** Refresh links before a request when they expire within this many ms (default 60000). */
  refreshMarginMs?: number;
  /** Minimum interval between two `progress` events of a file (default 200). */
  progressIntervalMs?: number;
  /** Record progress after this many new bytes of a file (default 1 MiB)... */
  checkpointBytes?: number;
  /** fdatasync a file and record its `syncedRanges` every this many bytes (default 64 MiB). */
  syncBytes?: number;
  /**
   * The machine's boot id (default: Linux's /proc/sys/kernel/random/boot_id; null: none, so every
   * checkpoint syncs). Recorded ranges are trusted on resume only within the same boot. For tests.
   */
  bootId?: string | null;
  /** ...or this many ms (default 1000). A kill -9 re-fetches at most about this much per file. */
  checkpointIntervalMs?: number;
  /** Free-space probe (default `fs.statfs`); injectable for tests. */
  statfs?: (dir: string) => Promise<StatFsLike>;
  /** Clock for link-expiry decisions (default Date.now); injectable for tests. */
  now?: () => number;
}

export interface DownloadResult {
  instanceId: string;
  backupId: string;
  /** Absolute target directory. */
  dir: string;
  /** Path of the resume manifest. */
  manifestPath: string;
  /** One per file, in the API's order. */
  files: FileResult[];
  /** Bytes of all files. */
  bytes: number;
  /** Bytes received by this run. */
  transferredBytes: number;
}

/**
 * Downloads every file of a backup into `dir`: several files at once, large files in parallel
 * ranges, into `NAME.part` renamed into place once complete and verified. Resumable across runs
 * (manifest in `dir`), refreshes expiring links, retries per range.
 *
 * Throws: UnsafeFileNameError, FileExistsError, InsufficientSpaceError (before any transfer);
 * ApiError / ObjectStorageError (auth, not found); VerificationError; IncompleteDownloadError
 * (resumable: retries exhausted); AbortError (signal; resumable); WriteError; ConfigurationError.
 */
export async function downloadBackup(options: DownloadBackupOptions): Promise<DownloadResult> {
  const started = Date.now();
  const { client, instanceId, backupId } = options;
  const concurrency = positiveInt('concurrency', options.concurrency, 4);
  const segmentsPerFile = positiveInt('segmentsPerFile', options.segmentsPerFile, 4);
  const minSegmentBytes = positiveInt('minSegmentBytes', options.minSegmentBytes, 16 * MiB);
  const minPieceBytes = positiveInt('minPieceBytes', options.minPieceBytes, 4 * MiB);
  const maxConnections = positiveInt('maxConnections', options.maxConnections, Math.max(concurrency, segmentsPerFile));
  const stallTimeoutMs = positiveInt('stallTimeoutMs', options.stallTimeoutMs, 30_000);
  const speedLimit = nonNegative('speedLimit', options.speedLimit, 1024);
  const speedTimeMs = positiveInt('speedTimeMs', options.speedTimeMs, 30_000);
  const refreshMarginMs = nonNegative('refreshMarginMs', options.refreshMarginMs, 60_000);
  if (typeof options.dir !== 'string' || options.dir === '')
    throw new ConfigurationError('dir is required: pass the target directory.');
  const requireChecksum = options.requireChecksum === true;
  if (requireChecksum && options.verify === false)
    throw new ConfigurationError(
      'requireChecksum (--require-checksum) needs verification: do not combine it with verify: false (--no-verify).',
    );
  const emit = emitter(options.onEvent);
  const dir = resolve(options.dir);

  // One controller for the run: the caller's signal or the first fatal error stops everything.
  const run = new AbortController();
  let fatal: unknown;
  const fail = (error: unknown) => {
    fatal ??= error;
    run.abort(error);
  };
  const user = options.signal;
  if (user?.aborted) throw new AbortError();
  const onUserAbort = () => run.abort(new AbortError());
  user?.addEventListener('abort', onUserAbort, { once: true });
  let unlock: (() => Promise<void>) | undefined;
  const loading = transferModules();
  // Awaited after the link answer; until then a failure to load must not be unhandled.
  loading.catch(() => {});
  let hashes: HashPool | undefined;
  try {
    return await runDownload();
  } finally {
    hashes?.close();
    user?.removeEventListener('abort', onUserAbort);
    await unlock?.();
  }

  async function runDownload(): Promise<DownloadResult> {
    const links = await client.getDownloadLinks({ instanceId, backupId, signal: run.signal }).catch((error) => {
      throw user?.aborted ? new AbortError() : error;
    });
    emit({
      type: 'link',
      instanceId,
      backupId,
      bucket: links.bucket,
      files: links.files.map((f) => ({
        name: f.name,
        sizeKB: f.sizeKB,
        expiresAt: f.expiresAt.toISOString(),
        ...(f.groupId !== undefined ? { groupId: f.groupId } : {}),
        ...(f.groupName !== undefined ? { groupName: f.groupName } : {}),
      })),
    });
    if (links.files.length === 0) throw new EmptyBackupError(instanceId, backupId);
    assertSafeNames(links.files.map((f) => f.name));
    for (const f of links.files) assertFetchableLink(f.name, f.url);
    for (const f of links.files) {
      // Belt and braces: the name must resolve to a direct child of dir.
      if (dirname(resolve(dir, f.name)) !== dir)
        throw new UnsafeFileNameError(f.name, 'it resolves outside the target directory');
    }
    const {
      Checkpointer,
      FileDownload,
      fileDoneEvent,
      HashPool,
      http1Transport,
      LinksCache,
      lockDirectory,
      Manifest,
      planFiles,
    } = await loading;
    // Hashing runs on worker threads, at most one per file in flight and one core left free.
    hashes = new HashPool(Math.min(concurrency, Math.max(1, availableParallelism() - 1)));

    await mkdir(dir, { recursive: true }).catch((error) => {
      throw new WriteError(dir, error, 'create');
    });
    unlock = await lockDirectory(dir);
    const bootId = options.bootId === undefined ? await readBootId() : (options.bootId ?? undefined);
    const manifest = await Manifest.load(dir, bootId);
    const { plans, skipped, foreign } = await planFiles(links.files, {
      dir,
      manifest,
      instanceId,
      backupId,
      force: options.force === true,
      bootId,
      recheck: options.recheck === true,
      requireChecksum,
      hashes,
      signal: run.signal,
      emit,
    });
    if (foreign.length > 0) throw new FileExistsError(foreign);
    await checkFreeSpace(dir, plans, options.statfs ?? ((d) => fsStatfs(d)));

    const results = new Map<string, FileResult>();
    // Hashes recorded for files complete from an older version (no sha256 yet) are durable now.
    if (skipped.length > 0) await manifest.save();
    for (const s of skipped) {
      results.set(s.name, s);
      emit(fileDoneEvent(s));
    }

    // Object GETs always go over the engine's own HTTP/1.1 client (see README.md, "Transport"),
    // with the client's proxy and CA settings; the client's `fetch` carries only API calls.
    const transport = http1Transport(maxConnections, client.network);
    const checkpointer = new Checkpointer(
      manifest,
      {
        bytes: positiveInt('checkpointBytes', options.checkpointBytes, MiB),
        intervalMs: positiveInt('checkpointIntervalMs', options.checkpointIntervalMs, 1000),
        syncBytes: positiveInt('syncBytes', options.syncBytes, 64 * MiB),
        bootId,
      },
      fail,
    );
    const ctx: FileContext = {
      transport,
      links: new LinksCache({
        client,
        instanceId,
        backupId,
        initial: links,
        refreshMarginMs,
        now: options.now ?? Date.now,
        signal: run.signal,
        onRefresh: (reason, file, expiresAt) =>
          emit({ type: 'refresh', reason, file, expiresAt: expiresAt.toISOString() }),
      }),
      budget: options.budget ?? new Budget(maxConnections),
      retry: client.retry,
      signal: run.signal,
      stallTimeoutMs,
      speedLimit,
      speedTimeMs,
      emit,
      log: client.log,
      manifest,
      checkpointer,
      segmentsPerFile,
      minSegmentBytes,
      minPieceBytes,
      verify: options.verify !== false,
      requireChecksum,
      hashes,
      progressIntervalMs: nonNegative('progressIntervalMs', options.progressIntervalMs, 200),
    };

    try {
      // Room for the state to be saved even if the disk fills up during the run.
      await manifest.reserve().catch(() => {});
      await manifest.save();
      await forEachLimit(plans, concurrency, async (plan) => {
        try {
          results.set(plan.link.name, await new FileDownload(ctx, plan).run());
        } catch (error) {
          fail(error);
          throw error;
        }
      });
      await checkpointer.flush();
      // Cancelled after the last transfer: still a cancellation for the caller.
      if (user?.aborted) throw new AbortError();
      // All done and durable: the directory keeps only the manifest and the files.
      await manifest.settle();
    } catch (error) {
      await manifest.save().catch(() => {});
      if (user?.aborted) {
        throw new AbortError(
          `Download cancelled. Progress is saved in ${manifest.path}; run the same download again to resume.`,
        );
      }
      throw fatal ?? error;
    } finally {
      transport.close();
      manifest.close();
      await manifest.release().catch(() => {});
    }

    const files = links.files.map((f) => results.get(f.name)!);
    const done = backupDoneEvent(files, skipped.length, started);
    emit(done);
    const { bytes, transferredBytes } = done;
    return {
      instanceId,
      backupId,
      dir,
      manifestPath: manifest.path,
      files,
      bytes,
      transferredBytes,
    };
  }
}

/** Refuses to start when the file system cannot hold what is left to fetch. */
async function checkFreeSpace(
  dir: string,
  plans: readonly FilePlan[],
  statfs: (dir: string) => Promise<StatFsLike>,
): Promise<void> {
  let needed = 0;
  for (const p of plans) {
    const size = p.truncate ? p.link.sizeKB * 1024 : (p.entry.size ?? p.link.sizeKB * 1024);
    const have = p.truncate ? 0 : (p.entry.ranges ?? []).reduce((n, [s, e]) => n + (e - s), 0);
    needed += Math.max(0, size - have);
  }
  if (needed === 0) return;
  const fs = await statfs(dir);
  const available = Number(BigInt(fs.bavail) * BigInt(fs.bsize));
  if (needed > available) throw new InsufficientSpaceError(dir, needed, available);
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConfigurationError(`${name} must be a positive integer, got ${value}.`);
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new ConfigurationError(`${name} must be a number >= 0, got ${value}.`);
  return value;
}

/** Linux's boot id, or undefined elsewhere (then every checkpoint syncs). */
async function readBootId(): Promise<string | undefined> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
