import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RESERVED_PREFIX } from './safe-name.js';
import type { ByteRange } from './segments.js';

/** The manifest's file name inside the target directory. */
export const MANIFEST_NAME = `${RESERVED_PREFIX}manifest.json`;
const FORMAT = 'dds-backup-manifest';
const VERSION = 1;

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
   * `partial`: `ranges` of NAME.part are on disk (fdatasync'ed before they were recorded).
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
 * The resume manifest of a target directory. Writes are atomic (temp file, fsync, rename) and
 * serialized; callers record only bytes they have fdatasync'ed, so the manifest never claims
 * bytes that are not on disk.
 */
export class Manifest {
  private data: ManifestFile;
  private writing: Promise<void> | undefined;
  private again = false;
  private durable = false;

  private constructor(
    readonly path: string,
    data: ManifestFile,
  ) {
    this.data = data;
  }

  /** Loads the manifest of `dir`; a missing or unreadable one starts empty (nothing is trusted). */
  static async load(dir: string): Promise<Manifest> {
    const path = join(dir, MANIFEST_NAME);
    let data: ManifestFile = { format: FORMAT, version: VERSION, files: {} };
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<ManifestFile>;
      if (parsed?.format === FORMAT && parsed.version === VERSION && parsed.files && typeof parsed.files === 'object') {
        data = { format: FORMAT, version: VERSION, files: parsed.files };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    return new Manifest(path, data);
  }

  /** The entry of a file when it matches this identity (same size in KB), else undefined. */
  get(instanceId: string, backupId: string, name: string, sizeKB: number): ManifestEntry | undefined {
    const entry = this.data.files[entryKey(instanceId, backupId, name)];
    if (!entry || entry.sizeKB !== sizeKB || !isEntry(entry)) return undefined;
    return entry;
  }

  /** Every well-formed entry (for `dds-backup verify`). */
  entries(): ManifestEntry[] {
    return Object.values(this.data.files).filter(isEntry);
  }

  set(entry: ManifestEntry): void {
    this.data.files[entryKey(entry.instanceId, entry.backupId, entry.name)] = entry;
  }

  /**
   * Writes the manifest now (coalescing concurrent calls into at most one more write). With
   * `durable`, the file is fdatasync'ed before the rename; without, a crash of the machine may
   * lose the write, which only means re-downloading more (never trusting bytes not on disk).
   */
  async save(durable = true): Promise<void> {
    this.durable ||= durable;
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      try {
        do {
          this.again = false;
          const sync = this.durable;
          this.durable = false;
          await this.write(sync);
        } while (this.again);
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private async write(sync: boolean): Promise<void> {
    const temp = `${this.path}.${process.pid}.tmp`;
    const fh = await open(temp, 'w');
    try {
      await fh.writeFile(`${JSON.stringify(this.data, null, 1)}\n`);
      if (sync) await fh.datasync();
    } finally {
      await fh.close();
    }
    try {
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
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
