import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { RESERVED_PREFIX } from '../download/safe-name.js';
import { DdsBackupError } from '../errors.js';

/** The mirror's record of what it holds, at the top of the mirror directory. */
export const MIRROR_MANIFEST_NAME = `${RESERVED_PREFIX}mirror.json`;
const FORMAT = 'dds-backup-mirror';
const VERSION = 1;

/** One file of a mirrored backup, as the mirror verified it. */
export interface MirroredFile {
  name: string;
  bytes: number;
  /** Modification time when verified: a later run skips the file while size and mtime still match. */
  mtimeMs: number;
  /** Hex SHA-256 computed while downloading (what `verify` and `--recheck` compare against). */
  sha256: string;
  /** Hex MD5 when the server's ETag was a plain MD5 and it matched, else null. */
  md5: string | null;
  /** What the server's metadata let us check: `md5`, or `size-only` (no checksum from the server). */
  checksum: 'md5' | 'size-only';
  /** S3 mirror: the object's key and its ETag as read back when verified (a later run skips it while the ETag is the same; mtimeMs is 0). */
  key?: string;
  etag?: string;
}

/**
 * `downloading`: started, not finished (a killed run leaves this; the next run resumes it).
 * `verified`: every file complete, size checked, hashes recorded. Only these count for retention.
 * `incomplete`: stopped by something a rerun can fix (network, throttling, Ctrl-C).
 * `failed`: verification or another failure; the next run tries again.
 */
export type MirroredBackupState = 'downloading' | 'verified' | 'incomplete' | 'failed';

export interface MirroredBackup {
  instanceId: string;
  backupId: string;
  /** The folder, relative to the mirror directory: `{instance_id}/{backup_id}`. */
  dir: string;
  state: MirroredBackupState;
  name?: string;
  /** The backup's type as the API lists it (`auto`, `manual`, `incremental`...). */
  type?: string;
  /** ISO 8601 UTC. */
  beginTime?: string;
  /** ISO 8601 UTC: what retention's "newest" and "within D days" read. */
  endTime: string;
  /** The API's size of the backup, in KB. */
  sizeKB?: number;
  files?: MirroredFile[];
  /** Bytes of all files (verified copies). */
  bytes?: number;
  /** When the mirror last verified this copy (ISO 8601). */
  verifiedAt?: string;
  /** Why the last attempt failed (failed, incomplete). */
  error?: { name: string; kind: string; message: string; status?: number; code?: string };
  /** When this record last changed (ISO 8601). */
  updatedAt: string;
}

/** What one run of the mirror did; the manifest keeps the last run's. */
export interface MirrorRunSummary {
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  /** Backups downloaded and verified by this run. */
  new: number;
  /** Backups already verified from an earlier run (no API call for them). */
  skipped: number;
  /** Backups listed but outside the retention rules (older than what --keep/--keep-days keep): not downloaded. */
  excluded: number;
  /** Backups that failed (verification, authentication, anything a rerun does not fix by itself). */
  failed: number;
  /** Backups left resumable (network gave up, throttled, interrupted). */
  incomplete: number;
  /** Backups listed but not COMPLETED yet (BUILDING): the next run takes them. */
  pending: number;
  /** Backups removed by retention, as `{instance_id}/{backup_id}`. */
  removed: string[];
  /** Instances named with --instance-id that the project does not have. */
  missingInstances: string[];
}

interface MirrorManifestFile {
  format: typeof FORMAT;
  version: number;
  /** instance id -> backup id -> record. */
  instances: Record<string, { backups: Record<string, MirroredBackup> }>;
  lastRun?: MirrorRunSummary;
}

/** The mirror manifest cannot be read: names the file and what to do. */
export class MirrorManifestError extends DdsBackupError {
  override name = 'MirrorManifestError';
  override readonly kind = 'MIRROR_MANIFEST';
  readonly path: string;

  constructor(path: string, detail: string) {
    super(
      `The mirror manifest ${path} is unreadable (${detail}). Nothing was changed. Move it aside and run the mirror ` +
        'again: every backup is then checked again through its own download manifest, and retention removes nothing ' +
        'until copies are verified anew.',
      { retryable: false },
    );
    this.path = path;
  }
}

/**
 * `DIR/.dds-backup-mirror.json`: per instance and backup, its state, files, sizes, hashes and
 * when it was verified, plus the last run's summary. Written atomically (temp file, fdatasync,
 * rename) after every change of state, so a kill -9 leaves either the old or the new version.
 */
export class MirrorManifest {
  private writing: Promise<void> | undefined;
  private again = false;

  private constructor(
    readonly path: string,
    private data: MirrorManifestFile,
  ) {}

  /** Loads the manifest of `dir`; a missing one starts empty, an unreadable one throws MirrorManifestError. */
  static async load(dir: string): Promise<MirrorManifest> {
    const path = join(dir, MIRROR_MANIFEST_NAME);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return new MirrorManifest(path, { format: FORMAT, version: VERSION, instances: {} });
      throw new MirrorManifestError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
    let parsed: Partial<MirrorManifestFile>;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new MirrorManifestError(path, 'not JSON');
    }
    if (
      parsed?.format !== FORMAT ||
      parsed.version !== VERSION ||
      !parsed.instances ||
      typeof parsed.instances !== 'object'
    )
      throw new MirrorManifestError(path, `not a ${FORMAT} version ${VERSION} file`);
    return new MirrorManifest(path, parsed as MirrorManifestFile);
  }

  get(instanceId: string, backupId: string): MirroredBackup | undefined {
    const record = this.data.instances[instanceId]?.backups[backupId];
    return record && isRecord(record) ? record : undefined;
  }

  /** Every well-formed record. */
  records(): MirroredBackup[] {
    return Object.values(this.data.instances).flatMap((i) => Object.values(i.backups ?? {}).filter(isRecord));
  }

  set(record: MirroredBackup): void {
    this.data.instances[record.instanceId] ??= { backups: {} };
    this.data.instances[record.instanceId]!.backups[record.backupId] = record;
  }

  delete(instanceId: string, backupId: string): void {
    const instance = this.data.instances[instanceId];
    if (!instance) return;
    delete instance.backups[backupId];
    if (Object.keys(instance.backups).length === 0) delete this.data.instances[instanceId];
  }

  get lastRun(): MirrorRunSummary | undefined {
    return this.data.lastRun;
  }

  set lastRun(summary: MirrorRunSummary | undefined) {
    this.data.lastRun = summary;
  }

  /** Writes the state now; concurrent calls coalesce into at most one more write. */
  async save(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      try {
        do {
          this.again = false;
          await writeAtomically(this.path, `${JSON.stringify(this.data, null, 1)}\n`);
        } while (this.again);
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }
}

const writeAtomically = (path: string, text: string) => writeFileAtomic(path, text, { mode: 0o644 });

function isRecord(r: MirroredBackup): boolean {
  return (
    typeof r?.instanceId === 'string' &&
    typeof r.backupId === 'string' &&
    typeof r.endTime === 'string' &&
    !Number.isNaN(Date.parse(r.endTime)) &&
    ['downloading', 'verified', 'incomplete', 'failed'].includes(r.state) &&
    (r.files === undefined || (Array.isArray(r.files) && r.files.every(isFile)))
  );
}

function isFile(f: MirroredFile): boolean {
  return (
    typeof f?.name === 'string' &&
    Number.isSafeInteger(f.bytes) &&
    typeof f.mtimeMs === 'number' &&
    typeof f.sha256 === 'string'
  );
}
