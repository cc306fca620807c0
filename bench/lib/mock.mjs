import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_AKSK, selfSignedCertificate } from '@dds-backup/mock-server';
import { startServer } from './processes.mjs';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const mockBin = `${repo}apps/mock-server/dist/bin.js`;
// The bin npm links (a committed shim that imports dist/bin.js): what a user runs.
export const cliBin = `${repo}apps/cli/bin/dds-backup.mjs`;

/**
 * Starts our mock in its own process (so it never shares a core's event loop with the load
 * generator). `{ tlsDir }`: over HTTPS with a fresh self-signed certificate written there
 * (`caFile` of the result: what curl gets as --cacert and dds-backup as --ca-file).
 */
export async function startMock(extraArgs = [], { tlsDir } = {}) {
  let caFile;
  let fetchImpl = fetch;
  if (tlsDir) {
    const pair = await selfSignedCertificate();
    caFile = join(tlsDir, 'mock-ca.pem');
    await writeFile(caFile, pair.cert);
    await writeFile(join(tlsDir, 'mock-key.pem'), pair.key, { mode: 0o600 });
    extraArgs = [...extraArgs, '--tls-cert', caFile, '--tls-key', join(tlsDir, 'mock-key.pem')];
    const undici = await import('undici');
    const dispatcher = new undici.Agent({ connect: { ca: pair.cert } });
    fetchImpl = (url, init) => undici.fetch(url, { ...init, dispatcher });
  }
  const server = await startServer(process.execPath, [mockBin, '--port', '0', '--quiet', ...extraArgs], {
    ready: /dds-backup-mock listening on (https?:\/\/\S+)/,
  });
  const admin = async (method, path, body) => {
    const res = await fetchImpl(`${server.url}/__mock/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} /__mock/${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  const { defaults: d } = await admin('GET', 'state?hashes=none');
  const ids = (x) => ({ instanceId: x.instance_id, backupId: x.backup_id });
  // The mock started without --token/--aksk accepts any token and its documented AK/SK pair.
  const defaults = {
    projectId: d.project_id,
    sharded: ids(d.sharded),
    // The 1.5 GiB backup lives in a second project (the default project mirrors small).
    large: { ...ids(d.large), projectId: d.large.project_id },
    token: 'bench-token',
    aksk: DEFAULT_AKSK,
  };
  return {
    ...server,
    caFile,
    admin,
    defaults,
    /** Adds a backup with one file of `size` bytes; returns its ids and a fresh API URL. */
    async addFile(size, name = `bench-${size}.tar.gz`) {
      const created = await admin('POST', 'backups', { files: [{ name, size_bytes: size }] });
      return { instanceId: created.backup.instance_id, backupId: created.backup.id, name };
    },
    apiUrl(instanceId, backupId) {
      return `${server.url}/v3/${defaults.projectId}/backups/download-file?instance_id=${instanceId}&backup_id=${backupId}`;
    },
    /** A fresh signed link of the file. */
    async link(instanceId, backupId) {
      const res = await fetchImpl(this.apiUrl(instanceId, backupId), { headers: { 'X-Auth-Token': defaults.token } });
      const body = await res.json();
      return body.files[0].download_link;
    },
    /** Bytes the mock sent for object downloads since the journal was last cleared. */
    async objectBytesServed() {
      const journal = await admin('GET', 'requests');
      return journal
        .filter((e) => e.target === 'download' || e.path.startsWith('/obs/'))
        .reduce((s, e) => s + (e.bytes_sent ?? 0), 0);
    },
  };
}
