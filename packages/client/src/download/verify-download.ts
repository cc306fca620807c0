import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortError, ConfigurationError } from '../errors.js';
import { MANIFEST_NAME, Manifest } from './manifest.js';
import { md5OfFile } from './verify.js';

/** What `verifyDownload` found for one file of the manifest. */
export interface VerifiedFile {
  name: string;
  instanceId: string;
  backupId: string;
  path: string;
  /** `ok`: present with the recorded size (and MD5 when one was recorded). */
  status: 'ok' | 'missing' | 'size-mismatch' | 'md5-mismatch' | 'incomplete' | 'failed';
  expectedBytes: number | undefined;
  actualBytes: number | undefined;
  /** Whether an MD5 was recorded at download time and checked again now. */
  md5Checked: boolean;
}

export interface VerifyResult {
  dir: string;
  ok: boolean;
  files: VerifiedFile[];
}

/**
 * Re-checks a download directory against its manifest, offline: every file the manifest lists
 * must be complete, present under its final name with the recorded size, and match the recorded
 * MD5 when one was taken (objects with a plain-MD5 ETag). Throws when `dir` has no manifest.
 */
export async function verifyDownload(options: { dir: string; signal?: AbortSignal }): Promise<VerifyResult> {
  const manifestPath = join(options.dir, MANIFEST_NAME);
  if (!(await stat(manifestPath).catch(() => undefined))) {
    throw new ConfigurationError(
      `${options.dir} has no ${MANIFEST_NAME}: it is not a dds-backup download directory (or the download never started).`,
    );
  }
  const manifest = await Manifest.load(options.dir);
  const files: VerifiedFile[] = [];
  for (const entry of manifest.entries()) {
    if (options.signal?.aborted) throw new AbortError();
    const path = join(options.dir, entry.name);
    const base = {
      name: entry.name,
      instanceId: entry.instanceId,
      backupId: entry.backupId,
      path,
      expectedBytes: entry.size,
      md5Checked: false,
    };
    if (entry.state !== 'complete') {
      files.push({ ...base, status: entry.state === 'failed' ? 'failed' : 'incomplete', actualBytes: undefined });
      continue;
    }
    const st = await stat(path).catch(() => undefined);
    if (!st) {
      files.push({ ...base, status: 'missing', actualBytes: undefined });
      continue;
    }
    if (entry.size !== undefined && st.size !== entry.size) {
      files.push({ ...base, status: 'size-mismatch', actualBytes: st.size });
      continue;
    }
    if (entry.md5) {
      const fh = await open(path, 'r');
      try {
        const md5 = await md5OfFile(fh, st.size, options.signal);
        files.push({
          ...base,
          status: md5 === entry.md5 ? 'ok' : 'md5-mismatch',
          actualBytes: st.size,
          md5Checked: true,
        });
      } finally {
        await fh.close();
      }
      continue;
    }
    files.push({ ...base, status: 'ok', actualBytes: st.size });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { dir: options.dir, ok: files.length > 0 && files.every((f) => f.status === 'ok'), files };
}
