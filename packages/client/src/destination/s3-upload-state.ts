import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { lockDirectory } from '../download/dir-lock.js';
import { DirectoryBusyError } from '../download/errors.js';

let saves = 0;

/** A multipart upload in progress, as recorded between runs. */
export interface UploadRecord {
  uploadId: string;
  /** Exact size and source ETag: another value = another object; its upload is abandoned. */
  size: number;
  sourceEtag: string | undefined;
  partSize: number;
  /** Parts S3 confirmed (its ETag was the MD5 streamed), by number. */
  parts: { PartNumber: number; ETag: string; md5: string }[];
}

/**
 * Resume state of the uploads to one bucket: `$XDG_STATE_HOME/dds-backup/s3/BUCKET-HASH.json`
 * (default `~/.local/state/...`; HASH of endpoint and bucket, so two servers with a bucket of
 * the same name do not share it). Written atomically (temp file, rename) after every part, so
 * a kill -9 loses at most the part in flight. Keyed by object key.
 */
export class UploadState {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly uploads: Record<string, UploadRecord>,
  ) {}

  static defaultPath(env: Record<string, string | undefined>, endpoint: string | undefined, bucket: string): string {
    const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
    const hash = createHash('sha256')
      .update(`${endpoint ?? 'aws'}\0${bucket}`)
      .digest('hex')
      .slice(0, 12);
    return join(base, 'dds-backup', 's3', `${bucket}-${hash}.json`);
  }

  static async load(path: string): Promise<UploadState> {
    try {
      const data = JSON.parse(await readFile(path, 'utf8')) as {
        version: number;
        uploads: Record<string, UploadRecord>;
      };
      return new UploadState(path, data.version === 1 ? data.uploads : {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError)
        return new UploadState(path, {});
      throw error;
    }
  }

  get(key: string): UploadRecord | undefined {
    return this.uploads[key];
  }

  set(key: string, record: UploadRecord): void {
    this.uploads[key] = record;
  }

  delete(key: string): void {
    delete this.uploads[key];
  }

  /** Writes the state (one write at a time, each of the latest state). */
  save(): Promise<void> {
    const next = this.saving.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      // Unique per save: two states of one file in one process must not share a temp name.
      const tmp = `${this.path}.${process.pid}.${++saves}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ version: 1, uploads: this.uploads }, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    });
    this.saving = next.catch(() => {});
    return next;
  }
}

/**
 * Takes the resume state of one bucket for a run: `download --to` and `mirror --to` into the
 * same endpoint and bucket (any prefix) share one state file, and each run rewrites the whole
 * file after every part, so two at once would drop each other's upload ids (an upload then
 * never resumed nor aborted) or continue the same upload twice. The second run fails at once
 * (DirectoryBusyError, exit 1) instead. The lock is a directory next to the state file
 * (`BUCKET-HASH.lock/.dds-backup-lock`, `pid@host`; a dead process's lock is taken over).
 */
export async function lockUploadState(statePath: string, bucket: string): Promise<() => Promise<void>> {
  const dir = `${statePath.replace(/\.json$/, '')}.lock`;
  await mkdir(dir, { recursive: true });
  try {
    return await lockDirectory(dir);
  } catch (error) {
    if (error instanceof DirectoryBusyError)
      error.message =
        `Another dds-backup run (${error.owner}) is uploading into bucket ${bucket} (download --to or mirror --to; ` +
        `they share the resume state ${statePath}). Wait for it to finish, or stop it; if no such process exists ` +
        `any more, delete ${join(dir, '.dds-backup-lock')}.`;
    throw error;
  }
}
