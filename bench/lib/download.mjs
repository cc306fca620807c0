import { readFile, rm } from 'node:fs/promises';
import { cliBin } from './mock.mjs';
import { runTimed } from './processes.mjs';

/**
 * `dds-backup download` of one backup from the mock into dir; returns { ms, peakRss, code }
 * (+ cpuSeconds with `cpu`, memory with `memory`: see runTimed). `segments: 'default'` passes no
 * --segments (the CLI's default).
 * `endpoint` replaces the mock's URL (e.g. a proxy in front of it; links follow the Host).
 */
export async function ourDownload(
  mock,
  ids,
  dir,
  {
    segments = 1,
    killWhen,
    killAfterMs,
    cpu = false,
    threads = false,
    memory = false,
    endpoint,
    env = {},
    extra = [],
  } = {},
) {
  const d = mock.defaults;
  const r = await runTimed(
    process.execPath,
    [
      cliBin,
      '--endpoint',
      endpoint ?? mock.url,
      '--project-id',
      d.projectId,
      '--quiet',
      ...(mock.caFile ? ['--ca-file', mock.caFile] : []),
      'download',
      '--instance-id',
      ids.instanceId,
      '--backup-id',
      ids.backupId,
      ...(dir === undefined ? [] : ['--dir', dir]),
      ...(segments === 'default' ? [] : ['--segments', String(segments)]),
      ...extra,
    ],
    {
      env: { DDS_BACKUP_TOKEN: d.token, HUAWEICLOUD_SDK_AK: '', HUAWEICLOUD_SDK_SK: '', ...env },
      nodeRss: true,
      memory,
      killWhen,
      killAfterMs,
      cpu,
      threads,
    },
  );
  if (r.code !== 0 && !killWhen && !killAfterMs)
    throw new Error(`dds-backup download exited ${r.code}: ${r.stderr.slice(-1000)}`);
  return r;
}

/** `curl -o FILE LINK` (with `--cacert caFile` over TLS); returns { ms } (+ cpuSeconds with `cpu`). */
export async function curlDownload(link, file, caFile, { cpu = false } = {}) {
  const r = await runTimed('curl', ['-sS', '--fail', ...(caFile ? ['--cacert', caFile] : []), '-o', file, link], {
    cpu,
  });
  if (r.code !== 0) throw new Error(`curl exited ${r.code}: ${r.stderr}`);
  return r;
}

/**
 * The hashing peer of issue #15: `curl LINK | tee FILE | openssl dgst -sha256` (bash, pipefail);
 * returns { ms, cpuSeconds } (all three processes) and the digest.
 */
export async function curlTeeSha256(link, file) {
  const digestFile = `${file}.sha256`;
  const r = await runTimed(
    'bash',
    [
      '-o',
      'pipefail',
      '-c',
      'curl -sS --fail "$1" | tee "$2" | openssl dgst -sha256 -r > "$3"',
      'curl-tee-openssl',
      link,
      file,
      digestFile,
    ],
    { cpu: true },
  );
  if (r.code !== 0) throw new Error(`curl | tee | openssl exited ${r.code}: ${r.stderr}`);
  const sha256 = (await readFile(digestFile, 'utf8')).split(' ')[0];
  await rm(digestFile, { force: true });
  return { ...r, sha256 };
}

export const clean = (path) => rm(path, { recursive: true, force: true });
export const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
