import { lstat, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PROGRESS_NAME } from '../download/manifest.js';
import { MANIFEST_NAME, PART_SUFFIX, unsafeNameReason } from '../download/safe-name.js';
import type { MirroredBackup } from './mirror-manifest.js';

/**
 * The folder of a backup inside the mirror, `{instance_id}/{backup_id}`, or a reason why the
 * API's ids cannot be folder names (an id like `..` or `a/b` would leave the mirror directory).
 */
export function backupFolder(instanceId: string, backupId: string): { dir: string } | { refused: string } {
  for (const [what, id] of [
    ['instance', instanceId],
    ['backup', backupId],
  ] as const) {
    const reason = unsafeNameReason(id);
    if (reason) return { refused: `the ${what} id ${JSON.stringify(id)} cannot be a folder name: ${reason}` };
  }
  return { dir: join(instanceId, backupId) };
}

/**
 * True when every file the record lists is still there with the size and mtime it had when it
 * was verified: the cheap check that lets a run skip the backup without any API call.
 */
export async function isIntact(root: string, record: MirroredBackup): Promise<boolean> {
  if (record.state !== 'verified' || !record.files || record.files.length === 0) return false;
  for (const f of record.files) {
    const st = await lstat(join(root, record.dir, f.name)).catch(() => undefined);
    if (!st?.isFile() || st.size !== f.bytes || st.mtimeMs !== f.mtimeMs) return false;
  }
  return true;
}

/**
 * Deletes a verified copy the mirror made: exactly the files it recorded, their `.part`s, the
 * engine's manifest files, then the folder if that left it empty. Anything else in the folder
 * stays (another file, a running download's lock), and so does the folder then (`keptFolder`). A folder that is a symlink or
 * not a directory is not touched.
 */
export async function removeLocalCopy(root: string, record: MirroredBackup): Promise<{ keptFolder: boolean }> {
  const checked = backupFolder(record.instanceId, record.backupId);
  if ('refused' in checked) throw new Error(checked.refused);
  const dir = join(root, checked.dir);
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return { keptFolder: false };
  if (!st.isDirectory()) return { keptFolder: true };
  const names = (record.files ?? []).map((f) => f.name).filter((n) => unsafeNameReason(n) === undefined);
  for (const name of [...names, ...names.map((n) => n + PART_SUFFIX), MANIFEST_NAME, PROGRESS_NAME])
    await rm(join(dir, name), { force: true });
  try {
    await rmdir(dir);
    return { keptFolder: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST')
      return { keptFolder: true };
    throw error;
  }
}
