import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DirectoryBusyError, WriteError } from './errors.js';
import { RESERVED_PREFIX } from './safe-name.js';

/** The lock file of a target directory, held for the whole of a download. */
export const LOCK_NAME = `${RESERVED_PREFIX}lock`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the directory for one download (two runs writing the same .part files and manifest
 * would corrupt each other). The lock file names `pid@host`; a lock whose process is gone (a
 * kill -9, a crash) is taken over. Returns the release function.
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_NAME);
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(me);
      } finally {
        await fh.close();
      }
      return () => rm(path, { force: true });
    } catch (error) {
      // Read-only, no permission, no space: the directory cannot be written at all.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError(path, error, 'create');
    }
    const owner = (await readFile(path, 'utf8').catch(() => '')).trim();
    const [pidText, host] = owner.split('@');
    const pid = Number(pidText);
    const stale = host === hostname() && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
    if (!stale && owner !== '') throw new DirectoryBusyError(dir, owner);
    await rm(path, { force: true });
  }
  throw new DirectoryBusyError(dir, 'unknown');
}
