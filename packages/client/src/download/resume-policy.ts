import { lstat, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DownloadLink } from '../links.js';
import type { DownloadEvent } from './events.js';
import { type FilePlan, type FileResult, untilAborted } from './file-download.js';
import type { HashPool } from './file-hasher.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import { PART_SUFFIX } from './safe-name.js';
import { checksumOf, md5FromEtag, requireServerChecksum } from './verify.js';

/**
 * The resume policy: what of a target directory an earlier run left is trusted, taken over,
 * fetched again or refused, decided before anything is written. Kept apart from the engine that
 * moves bytes (download-backup.ts) so the decisions can be read, and tested, on their own.
 */

/** What the resume decisions depend on. */
export interface ResumePolicyOptions {
  /** Absolute target directory. */
  dir: string;
  manifest: Manifest;
  instanceId: string;
  backupId: string;
  /** Overwrite files this tool did not write. */
  force: boolean;
  /** This machine's boot id (undefined: none; then only synced ranges were ever recorded). */
  bootId: string | undefined;
  /** Re-hash complete files instead of trusting their size and mtime. */
  recheck: boolean;
  requireChecksum: boolean;
  hashes: HashPool;
  signal: AbortSignal;
  emit: (event: DownloadEvent) => void;
}

/** The decision for a whole backup. */
export interface FilesPlan {
  /** Files to fetch (resumed or from byte 0). */
  plans: FilePlan[];
  /** Files complete from an earlier run (or adopted): not fetched. */
  skipped: FileResult[];
  /** Paths of files this tool did not write, in the way (refused unless `force`). */
  foreign: string[];
}

/**
 * Decides, per file, before anything is written: skip (complete and unchanged since we wrote
 * it), resume (trusted ranges of NAME.part), start over, or refuse (a file we did not write is in
 * the way and `force` is off).
 */
export async function planFiles(files: readonly DownloadLink[], o: ResumePolicyOptions): Promise<FilesPlan> {
  const { dir, manifest, instanceId, backupId, force } = o;
  const plans: FilePlan[] = [];
  const skipped: FileResult[] = [];
  const foreign: string[] = [];
  for (const link of files) {
    const finalPath = join(dir, link.name);
    const partPath = finalPath + PART_SUFFIX;
    const known = manifest.get(instanceId, backupId, link.name, link.sizeKB);
    if (known?.state === 'partial') trustableRanges(known, o);
    const final = await lstatOrUndefined(finalPath);
    if (final) {
      const ours =
        known?.state === 'complete' && final.isFile() && final.size === known.size && final.mtimeMs === known.mtimeMs;
      if (ours) {
        if (o.requireChecksum && checksumOf(known.etag) === 'size-only') requireServerChecksum(link.name, known.etag);
        const changed = await recheckComplete(known, finalPath, o);
        if (changed === undefined) {
          skipped.push({
            name: link.name,
            path: finalPath,
            bytes: final.size,
            md5: known.md5 ?? null,
            md5Verified: known.md5 !== undefined,
            sha256: known.sha256!,
            checksum: checksumOf(known.etag),
            skipped: true,
            ...(o.recheck ? { rechecked: true } : {}),
            resumedBytes: final.size,
            transferredBytes: 0,
          });
          continue;
        }
        // Ours, but its bytes changed since: fetch it again into NAME.part; the bad copy keeps
        // its place until the new one is whole and verified.
        o.emit({ type: 'restart', file: link.name, reason: changed });
        const entry: ManifestEntry = {
          instanceId,
          backupId,
          name: link.name,
          sizeKB: link.sizeKB,
          state: 'partial',
          ranges: [],
        };
        manifest.set(entry);
        plans.push({ link, finalPath, partPath, entry, truncate: true });
        continue;
      }
      const adopted = await adoptRenamed({ known, finalPath, partPath, size: final.size }, o);
      if (adopted) {
        if (o.requireChecksum && checksumOf(adopted.entry.etag) === 'size-only')
          requireServerChecksum(link.name, adopted.entry.etag);
        manifest.set(adopted.entry);
        skipped.push({ ...adopted.result, name: link.name, path: finalPath });
        continue;
      }
      if (!force) {
        foreign.push(finalPath);
        continue;
      }
    }
    const part = await lstatOrUndefined(partPath);
    // A NAME.part the manifest knows nothing of was not left by this tool for this backup (the
    // manifest records a file before its .part is created): refused like any foreign file.
    if (part?.isFile() && !manifest.knows(instanceId, backupId, link.name) && !force) {
      foreign.push(partPath);
      continue;
    }
    if (part && !part.isFile()) {
      // A symlink or directory under our temporary name is never written through.
      if (!force) {
        foreign.push(partPath);
        continue;
      }
      await rm(partPath, { recursive: true, force: true });
    }
    const resumable =
      known?.state === 'partial' &&
      part?.isFile() === true &&
      (known.ranges ?? []).every(([, end]) => end <= part.size) &&
      (known.size === undefined || (known.ranges ?? []).every(([, end]) => end <= (known.size as number)));
    const entry: ManifestEntry = resumable
      ? known
      : { instanceId, backupId, name: link.name, sizeKB: link.sizeKB, state: 'partial', ranges: [] };
    manifest.set(entry);
    plans.push({ link, finalPath, partPath, entry, truncate: !resumable });
  }
  return { plans, skipped, foreign };
}

/**
 * Narrows a partial entry's ranges to what may be trusted now: all recorded ranges within the
 * boot that wrote them (a killed process leaves its writes in the page cache), only the
 * fdatasync'ed ones after a reboot. Entries without a boot id were synced at every checkpoint.
 */
export function trustableRanges(entry: ManifestEntry, o: Pick<ResumePolicyOptions, 'bootId'>): void {
  if (entry.bootId === undefined) return;
  if (o.bootId !== undefined && entry.bootId === o.bootId) return;
  entry.ranges = entry.syncedRanges ?? [];
}

/**
 * A run killed between renaming NAME.part to NAME and recording it complete leaves a finished
 * file the manifest still calls partial. It is adopted (not reported as someone else's file)
 * when the .part is gone, the recorded ranges cover the recorded size, the size matches and,
 * when the ETag was a content MD5, the MD5 matches too.
 */
export async function adoptRenamed(
  file: { known: ManifestEntry | undefined; finalPath: string; partPath: string; size: number },
  o: Pick<ResumePolicyOptions, 'hashes' | 'signal'>,
): Promise<{ entry: ManifestEntry; result: Omit<FileResult, 'name' | 'path'> } | undefined> {
  const { known, finalPath, partPath, size } = file;
  if (known?.state !== 'partial' || known.size === undefined || known.size !== size) return undefined;
  if (await lstatOrUndefined(partPath)) return undefined;
  let covered = 0;
  for (const [s, e] of [...(known.ranges ?? [])].sort((a, b) => a[0] - b[0])) {
    if (s > covered) return undefined;
    covered = Math.max(covered, e);
  }
  if (covered < size) return undefined;
  const expected = md5FromEtag(known.etag);
  const h = await untilAborted(
    o.hashes.hashFile(finalPath, size, { md5: expected !== undefined }),
    o.signal,
    finalPath,
  );
  if (expected && h.md5 !== expected) return undefined;
  const st = await stat(finalPath);
  const entry: ManifestEntry = {
    ...known,
    state: 'complete',
    mtimeMs: st.mtimeMs,
    sha256: h.sha256,
    ...(h.md5 ? { md5: h.md5 } : {}),
  };
  delete entry.ranges;
  delete entry.syncedRanges;
  return {
    entry,
    result: {
      bytes: size,
      md5: h.md5 ?? null,
      md5Verified: h.md5 !== undefined,
      sha256: h.sha256,
      checksum: checksumOf(known.etag),
      skipped: true,
      resumedBytes: size,
      transferredBytes: 0,
    },
  };
}

/**
 * A complete file is trusted by size and mtime. Its SHA-256 is taken now when the manifest has
 * none (written by an older version: recorded from now on), and with `recheck` it is re-hashed
 * and compared. Returns why it must be fetched again, or undefined when it stands.
 */
export async function recheckComplete(
  known: ManifestEntry,
  path: string,
  o: Pick<ResumePolicyOptions, 'recheck' | 'hashes' | 'signal'>,
): Promise<string | undefined> {
  if (known.sha256 !== undefined && !o.recheck) return undefined;
  const md5 = o.recheck && known.md5 !== undefined;
  const h = await untilAborted(o.hashes.hashFile(path, known.size ?? 0, { md5 }), o.signal, path);
  if (known.sha256 === undefined) {
    known.sha256 = h.sha256;
    if (!md5 || h.md5 === known.md5) return undefined;
  }
  if (h.sha256 !== known.sha256)
    return `it changed on disk since it was downloaded (SHA-256 ${h.sha256}, recorded ${known.sha256}); downloading it again`;
  if (md5 && h.md5 !== known.md5)
    return `it changed on disk since it was downloaded (MD5 ${h.md5}, recorded ${known.md5}); downloading it again`;
  return undefined;
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
