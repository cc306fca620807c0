import { fileURLToPath } from 'node:url';
import { startServer } from './processes.mjs';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const mockBin = `${repo}apps/mock-server/dist/bin.js`;
export const cliBin = `${repo}apps/cli/dist/bin.js`;

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
  const state = await admin('GET', 'state?hashes=none');
  const defaults = state.defaults;
  return {
    ...server,
    admin,
    defaults,
    /** Adds a backup with one file of `size` bytes; returns its ids and a fresh API URL. */
    async addFile(size, name = `bench-${size}.tar.gz`) {
      const created = await admin('POST', 'backups', { files: [{ name, size_bytes: size }] });
      const backup = created.backup ?? created;
      const instanceId = backup.instance_id ?? created.instance_id;
      const backupId = backup.id ?? backup.backup_id ?? created.backup_id;
      return { instanceId, backupId, name };
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
      return journal.filter((e) => e.target === 'download' || e.path.startsWith('/obs/')).reduce((s, e) => s + (e.bytes_sent ?? 0), 0);
    },
  };
}
