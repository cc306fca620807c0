import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortError, ConfigurationError } from '../errors.js';
import { MANIFEST_NAME, unsafeNameReason } from './safe-name.js';
import { checksumOf, md5FromEtag } from './verify.js';

/** What `verifyDownload` found for one file of the manifest. */
export interface VerifiedFile {
  name: string;
  instanceId: string;
  backupId: string;
  path: string;
  /**
   * `ok`: present with the recorded size and SHA-256 (and MD5 when one was recorded).
   * `no-checksum`: ok on disk, but `requireChecksum` and the server gave no checksum for it.
   * `unsafe-name`: the manifest names a path outside the directory (not opened).
   */
  status:
    | 'ok'
    | 'missing'
    | 'size-mismatch'
    | 'sha256-mismatch'
    | 'md5-mismatch'
    | 'incomplete'
    | 'failed'
    | 'no-checksum'
    | 'unsafe-name';
  expectedBytes: number | undefined;
  actualBytes: number | undefined;
  /** Whether an MD5 was recorded at download time and checked again now. */
  md5Checked: boolean;
  /** Whether a SHA-256 was recorded at download time and checked again now (every file this version downloaded). */
  sha256Checked: boolean;
  /**
   * What the server let the download verify: `md5` (checked against its plain-MD5 ETag) or
   * `size-only` (the server gives no checksum for this file: only its size was checked).
   */
  checksum: 'md5' | 'size-only';
}

export interface VerifyResult {
  dir: string;
  ok: boolean;
  files: VerifiedFile[];
}

/**
 * Re-checks a download directory against its manifest, offline: every file the manifest lists
 * must be complete, present under its final name with the recorded size and SHA-256, and match
 * the recorded MD5 when one was taken (objects with a plain-MD5 ETag). Hashing runs on worker
 * threads. `requireChecksum`: a file whose content the server gave no checksum for is not ok.
 * Throws when `dir` has no manifest.
 */
export async function verifyDownload(options: {
  dir: string;
  signal?: AbortSignal;
  requireChecksum?: boolean;
}): Promise<VerifyResult> {
  const manifestPath = join(options.dir, MANIFEST_NAME);
  if (!(await stat(manifestPath).catch(() => undefined))) {
    throw new ConfigurationError(
      `${options.dir} has no ${MANIFEST_NAME}: it is not a dds-backup download directory (or the download never started).`,
    );
  }
  // Loaded on call, not with the engine's entry point, which a download imports before its API
  // call: these modules are the ones download-backup.ts loads during that call (issue #15).
  const [{ untilAborted }, { HashPool }, { Manifest }] = await Promise.all([
    import('./file-download.js'),
    import('./file-hasher.js'),
    import('./manifest.js'),
  ]);
  const manifest = await Manifest.load(options.dir);
  const signal = options.signal ?? new AbortController().signal;
  const hashes = new HashPool(1);
  const files: VerifiedFile[] = [];
  try {
    for (const entry of manifest.entries()) {
      if (signal.aborted) throw new AbortError();
      const path = join(options.dir, entry.name);
      const md5Recorded = entry.md5 !== undefined && md5FromEtag(`"${entry.md5}"`) !== undefined;
      const base = {
        name: entry.name,
        instanceId: entry.instanceId,
        backupId: entry.backupId,
        path,
        expectedBytes: entry.size,
        md5Checked: false,
        sha256Checked: false,
        // Recorded MD5 = it was checked against the server's; else the ETag says whether one could be.
        checksum: md5Recorded ? ('md5' as const) : checksumOf(entry.etag),
      };
      // A manifest edited (or written by something else) could name ../../etc/passwd: never opened.
      if (unsafeNameReason(entry.name) !== undefined) {
        files.push({ ...base, path: join(options.dir, '?'), status: 'unsafe-name', actualBytes: undefined });
        continue;
      }
      if (entry.state !== 'complete') {
        files.push({ ...base, status: entry.state === 'failed' ? 'failed' : 'incomplete', actualBytes: undefined });
        continue;
      }
      const st = await lstat(path).catch(() => undefined);
      if (!st?.isFile()) {
        files.push({ ...base, status: 'missing', actualBytes: undefined });
        continue;
      }
      if (entry.size !== undefined && st.size !== entry.size) {
        files.push({ ...base, status: 'size-mismatch', actualBytes: st.size });
        continue;
      }
      let status: VerifiedFile['status'] = 'ok';
      const sha256Checked = entry.sha256 !== undefined;
      const md5Checked = md5Recorded;
      if (sha256Checked || md5Checked) {
        const h = await untilAborted(hashes.hashFile(path, st.size, { md5: md5Checked }), signal, path);
        if (sha256Checked && h.sha256 !== entry.sha256) status = 'sha256-mismatch';
        else if (md5Checked && h.md5 !== entry.md5) status = 'md5-mismatch';
      }
      if (status === 'ok' && options.requireChecksum && base.checksum === 'size-only') status = 'no-checksum';
      files.push({ ...base, status, actualBytes: st.size, sha256Checked, md5Checked });
    }
  } finally {
    hashes.close();
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { dir: options.dir, ok: files.length > 0 && files.every((f) => f.status === 'ok'), files };
}
