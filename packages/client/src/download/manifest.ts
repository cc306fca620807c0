import { rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { CorruptManifestError, WriteError } from './errors.js';
import { ProgressRecord, readProgressRecord } from './progress-record.js';
import { MANIFEST_NAME, RESERVED_PREFIX } from './safe-name.js';
import type { ByteRange } from './segments.js';

const FORMAT = 'dds-backup-manifest';
/** 2: `ranges` may be unsynced within `bootId`; `syncedRanges` are on disk. Version 1 files are read too. */
const VERSION = 2;

/**
 * What the manifest knows about one file. Identity is instance + backup + name + the API's
 * size in KB: never the URL, which is signed anew on every API call.
 */
export interface ManifestEntry {
  instanceId: string;
  backupId: string;
  name: string;
  sizeKB: number;
  /** Exact size in bytes, once a response told it (Content-Range / Content-Length). */
  size?: number;
  /** The object's ETag when the ranges were fetched; another ETag means other bytes. */
  etag?: string;
  /**
   * `partial`: NAME.part holds `ranges`; `syncedRanges` are the ones known to be on disk (in a
   *   version 1 manifest, which has no `syncedRanges`, every range was fdatasync'ed first).
   * `complete`: NAME is in place, verified, with `size` bytes and modification time `mtimeMs`.
   * `failed`: verification failed; NAME.part is a bad copy kept for inspection, restarted next run.
   */
  state: 'partial' | 'complete' | 'failed';
  /** Ranges written to NAME.part (in the page cache at least; see `syncedRanges`). */
  ranges?: [number, number][];
  /**
   * Ranges known to be on disk (fdatasync'ed before they were recorded). After a reboot only
   * these are trusted: page-cache data may not have survived it.
   */
  syncedRanges?: [number, number][];
  /** The Linux boot id when `ranges` were recorded: same boot, so `ranges` can be trusted. */
  bootId?: string;
  mtimeMs?: number;
  /** Hex MD5 when it was checked against the ETag. */
  md5?: string;
  /** Hex SHA-256 of the complete file, taken while downloading (`verify` detects any change by it). */
  sha256?: string;
}

interface ManifestFile {
  format: typeof FORMAT;
  version: number;
  /** Keyed by `entryKey()`. */
  files: Record<string, ManifestEntry>;
}

/** The key of a file in the manifest. */
export function entryKey(instanceId: string, backupId: string, name: string): string {
  return JSON.stringify([instanceId, backupId, name]);
}

/**
 * Progress between durable saves, never fsync'ed: records in the format of progress-record.ts
 * (JSON bodies behind a binary header; the name is the one older versions wrote plain JSON to,
 * so such a file is replaced, not left behind).
 */
export const PROGRESS_NAME = `${RESERVED_PREFIX}progress.json`;
/**
 * Space held back during a run so the state can still be saved when the disk fills up (ENOSPC
 * mid-run): released, then the save retried. Without it a full disk kept the manifest from
 * recording what had reached the disk.
 */
export const RESERVE_NAME = `${RESERVED_PREFIX}reserve`;
const RESERVE_BYTES = 256 * 1024;

interface ProgressFile extends ManifestFile {
  /** Boot the progress was written in: after a reboot it is ignored. */
  bootId?: string;
}

/**
 * The resume manifest of a target directory, in two files. The manifest proper is written
 * durably (temp file, fdatasync, rename) at sync points: every `syncBytes` of a file, at file end,
 * at the end of a run. The progress file holds the newest state: `recordProgress()` writes it
 * at every checkpoint and before every durable save, synchronously, in place, without fdatasync
 * (progress-record.ts: two checksummed slots). Synchronous because an asynchronous write queued
 * in libuv's thread pool behind the 1 MiB data writes and the fdatasyncs of the .part files:
 * records came late and far apart, and a kill -9 re-fetched 3-17% of a 1.5 GiB file (bench:
 * resume-cost). A torn record fails its checksum (the other slot stands), and after a reboot the
 * progress file is ignored (its boot id differs), so a machine crash can never make the durable
 * manifest disappear or make a resume trust unsynced bytes. fsyncing the manifest at every
 * checkpoint cost a third of the download speed (ext4 commits the big file's dirty data with it).
 */
export class Manifest {
  private data: ManifestFile;
  private writing: Promise<void> | undefined;
  private again = false;
  private reservePath: string | undefined;

  private constructor(
    readonly path: string,
    private readonly progressPath: string,
    private readonly bootId: string | undefined,
    data: ManifestFile,
    private readonly progress: ProgressRecord,
  ) {
    this.data = data;
  }

  /**
   * Loads the manifest of `dir`, or the newer progress file when it was written in this boot. A
   * missing or unreadable manifest starts empty (nothing is trusted).
   */
  static async load(dir: string, bootId?: string): Promise<Manifest> {
    const path = join(dir, MANIFEST_NAME);
    const progressPath = join(dir, PROGRESS_NAME);
    const durable = await readManifestFile(path);
    const record = await readProgressRecord(progressPath).catch(() => undefined);
    const progress = bootId === undefined || !record ? undefined : parseManifest(progressPath, record.body, false);
    const data =
      progress && (progress as ProgressFile).bootId === bootId
        ? progress
        : (durable ?? { format: FORMAT, version: VERSION, files: {} });
    return new Manifest(
      path,
      progressPath,
      bootId,
      { format: FORMAT, version: VERSION, files: data.files },
      new ProgressRecord(progressPath, record),
    );
  }

  /** Holds RESERVE_BYTES in the directory (real blocks, not a sparse file) until `release()`. */
  async reserve(): Promise<void> {
    const path = join(dirname(this.path), RESERVE_NAME);
    await writeFile(path, Buffer.alloc(RESERVE_BYTES));
    this.reservePath = path;
  }

  /** Gives the reserved space back (end of a run, or the disk is full). */
  async release(): Promise<void> {
    const path = this.reservePath;
    this.reservePath = undefined;
    if (path) await rm(path, { force: true });
  }

  /** The entry of a file when it matches this identity (same size in KB), else undefined. */
  get(instanceId: string, backupId: string, name: string, sizeKB: number): ManifestEntry | undefined {
    const entry = this.data.files[entryKey(instanceId, backupId, name)];
    if (!entry || entry.sizeKB !== sizeKB || !isEntry(entry)) return undefined;
    return entry;
  }

  /** Whether the manifest has any entry for this file (of any size or state): its .part is ours. */
  knows(instanceId: string, backupId: string, name: string): boolean {
    return this.data.files[entryKey(instanceId, backupId, name)] !== undefined;
  }

  /** Every well-formed entry (for `dds-backup verify`). */
  entries(): ManifestEntry[] {
    return Object.values(this.data.files).filter(isEntry);
  }

  set(entry: ManifestEntry): void {
    this.data.files[entryKey(entry.instanceId, entry.backupId, entry.name)] = entry;
  }

  /**
   * Writes the newest state to the progress file now, synchronously: it never waits behind a data
   * write or an fdatasync in the thread pool. A no-op without a boot id (a progress file is
   * trusted only within the boot that wrote it; then every checkpoint is a durable save).
   * Throws WriteError (a full disk: the reserve is released and the write tried once more).
   */
  recordProgress(): void {
    if (this.bootId === undefined) return;
    // Compact: taken at every checkpoint of every file, and read by nobody but the next run.
    const text = JSON.stringify({ ...this.data, bootId: this.bootId } as ProgressFile);
    try {
      this.progress.write(text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOSPC' && code !== 'EDQUOT') || !this.reservePath) throw new WriteError(this.progressPath, error);
      const reserve = this.reservePath;
      this.reservePath = undefined;
      rmSync(reserve, { force: true });
      try {
        this.progress.write(text);
      } catch (again) {
        throw new WriteError(this.progressPath, again);
      }
    }
  }

  /** Closes the progress file (end of a run; the next record reopens it). */
  close(): void {
    this.progress.close();
  }

  /**
   * Records the state (`recordProgress`) and, with `durable` (the default), writes it to the
   * manifest proper, fdatasync'ed, coalescing concurrent calls into at most one more write.
   * Each durable write is of a state recorded in the progress file at the same moment, and
   * records only get newer, so the progress file of this boot is never older than the manifest.
   */
  async save(durable = true): Promise<void> {
    // Recorded at once, also when a durable write is in flight and this one waits for it.
    this.recordProgress();
    if (!durable && this.bootId !== undefined) return;
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      try {
        do {
          this.again = false;
          const text = serialize(this.data);
          this.recordProgress();
          await this.withSpace(() => writeAtomically(this.path, text, true));
        } while (this.again);
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  /** Runs a write; on a full disk releases the reserve and tries once more. */
  private async withSpace(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      const code = (error as WriteError).code;
      if ((code !== 'ENOSPC' && code !== 'EDQUOT') || !this.reservePath) throw error;
      await this.release();
      await write();
    }
  }

  /** A durable save, then the progress file is removed (nothing in it is newer any more). */
  async settle(): Promise<void> {
    await this.save(true);
    this.progress.close();
    await rm(this.progressPath, { force: true });
  }
}

/** The state in the progress file of `path`'s newest valid record (its boot id included), if any. */
export async function readProgressFile(path: string): Promise<(ManifestFile & { bootId?: string }) | undefined> {
  const record = await readProgressRecord(path);
  return record && parseManifest(path, record.body, false);
}

/**
 * Reads the manifest proper: undefined when it does not exist. A file that is not a manifest
 * this version can read is CorruptManifestError (it is what says which files here are ours:
 * guessing would restart or overwrite them). A progress record that is not one is ignored
 * (`strict` false: it is only ever a newer copy of the same state).
 */
async function readManifestFile(path: string): Promise<ManifestFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WriteError(path, error, 'read back');
  }
  return parseManifest(path, text, true);
}

/** Parses a manifest or a progress record's body (see readManifestFile for `strict`). */
function parseManifest(path: string, text: string, strict: boolean): ManifestFile | undefined {
  let parsed: Partial<ManifestFile>;
  try {
    parsed = JSON.parse(text) as Partial<ManifestFile>;
  } catch (error) {
    if (!strict) return undefined;
    throw new CorruptManifestError(path, `it is not valid JSON (${(error as Error).message})`);
  }
  if (parsed?.format !== FORMAT || !parsed.files || typeof parsed.files !== 'object') {
    if (!strict) return undefined;
    throw new CorruptManifestError(path, 'it is not a dds-backup manifest');
  }
  if (parsed.version !== 1 && parsed.version !== VERSION) {
    if (!strict) return undefined;
    throw new CorruptManifestError(
      path,
      `its format version ${JSON.stringify(parsed.version)} is not one this dds-backup reads (a newer version wrote it? upgrade)`,
    );
  }
  return parsed as ManifestFile;
}

function serialize(data: ManifestFile): string {
  return `${JSON.stringify(data, null, 1)}\n`;
}

/** Writes via a temp file and a rename (writeFileAtomic); a failure is a WriteError naming the manifest. */
async function writeAtomically(path: string, text: string, sync: boolean): Promise<void> {
  await writeFileAtomic(path, text, { sync }).catch((error: unknown) => {
    throw new WriteError(path, error);
  });
}

function isEntry(e: ManifestEntry): boolean {
  if (e.state !== 'partial' && e.state !== 'complete' && e.state !== 'failed') return false;
  if (e.size !== undefined && !(Number.isSafeInteger(e.size) && e.size >= 0)) return false;
  if (e.ranges !== undefined && !(Array.isArray(e.ranges) && e.ranges.every(isRange))) return false;
  if (e.syncedRanges !== undefined && !(Array.isArray(e.syncedRanges) && e.syncedRanges.every(isRange))) return false;
  return true;
}

function isRange(r: unknown): r is ByteRange {
  return (
    Array.isArray(r) &&
    r.length === 2 &&
    Number.isSafeInteger(r[0]) &&
    Number.isSafeInteger(r[1]) &&
    r[0] >= 0 &&
    r[1] > r[0]
  );
}
