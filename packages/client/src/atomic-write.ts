import { open, rename, rm } from 'node:fs/promises';

export interface AtomicWriteOptions {
  /** fdatasync the temp file before the rename (default true): the new content survives a power cut. */
  sync?: boolean;
  /** Mode of a new file (before the umask; default 0o666, as fs.writeFile). */
  mode?: number;
  /** Exactly 0600 whatever the umask or a leftover temp file's mode: the file holds secrets. */
  private?: boolean;
}

/**
 * Replaces `path` with `data` so that a crash or kill -9 leaves either the old file or the new
 * one, never half of either: written to `PATH.PID.tmp`, synced, then renamed over `path`. The
 * temp file never outlives a failure; the error is the write's, not the clean-up's. Used by the
 * download manifest, the mirror manifest and the CLI's profile file.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(temp, 'w', options.private ? 0o600 : (options.mode ?? 0o666));
    try {
      if (options.private) await fh.chmod(0o600);
      await fh.writeFile(data);
      if (options.sync ?? true) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
