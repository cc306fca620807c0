import { fileURLToPath } from 'node:url';
import { DEFAULT_AKSK } from '@dds-backup/mock-server';
import { startServer } from './processes.mjs';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const mockBin = `${repo}apps/mock-server/dist/bin.js`;
// The bin npm links (a committed shim that imports dist/bin.js): what a user runs.
export const cliBin = `${repo}apps/cli/bin/dds-backup.mjs`;

/** Starts our mock in its own process (so it never shares a core's event loop with the load generator). */
export async function startMock(extraArgs = []) {
  const server = await startServer(process.execPath, [mockBin, '--port', '0', '--quiet', ...extraArgs], {
    ready: /dds-backup-mock listening on (http:\/\/\S+)/,
  });
  const admin = async (method, path, body) => {
    const res = await fetch(`${server.url}/__mock/${path}`, {
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
    large: ids(d.large),
    token: 'bench-token',
    aksk: DEFAULT_AKSK,
  };
  return {
    ...server,
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
      const res = await fetch(this.apiUrl(instanceId, backupId), { headers: { 'X-Auth-Token': defaults.token } });
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
