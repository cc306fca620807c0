import { rm } from 'node:fs/promises';
import { cliBin } from './mock.mjs';
import { runTimed } from './processes.mjs';

/** `dds-backup download` of one backup from the mock into dir; returns { ms, peakRss, code }. */
export async function ourDownload(mock, ids, dir, { segments = 1, killWhen, extra = [] } = {}) {
  const d = mock.defaults;
  const r = await runTimed(
    process.execPath,
    [
      cliBin,
      '--endpoint',
      mock.url,
      '--project-id',
      d.projectId,
      '--quiet',
      ...(mock.caFile ? ['--ca-file', mock.caFile] : []),
      'download',
      '--instance-id',
      ids.instanceId,
      '--backup-id',
      ids.backupId,
      '--dir',
      dir,
      '--segments',
      String(segments),
      ...extra,
    ],
    { env: { DDS_BACKUP_TOKEN: d.token, HUAWEICLOUD_SDK_AK: '', HUAWEICLOUD_SDK_SK: '' }, nodeRss: true, killWhen },
  );
  if (r.code !== 0 && !killWhen) throw new Error(`dds-backup download exited ${r.code}: ${r.stderr.slice(-1000)}`);
  return r;
}

/** `curl -o FILE LINK` (with `--cacert caFile` over TLS); returns { ms }. */
export async function curlDownload(link, file, caFile) {
  const r = await runTimed('curl', ['-sS', '--fail', ...(caFile ? ['--cacert', caFile] : []), '-o', file, link]);
  if (r.code !== 0) throw new Error(`curl exited ${r.code}: ${r.stderr}`);
  return r;
}

export const clean = (path) => rm(path, { recursive: true, force: true });
export const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
