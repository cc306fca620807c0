import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expectedHashes } from '@dds-backup/mock-server';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup } from '../../src/download/index.js';
import { PROGRESS_NAME, readProgressFile } from '../../src/download/manifest.js';
import { SCHEMES, sha256File, startMock, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

/** Writes the CA next to (not into) the download directory; returns its path. */
async function writeCa(dir: string, pem: string): Promise<string> {
  const path = `${dir}.ca.pem`;
  await writeFile(path, pem);
  cleanups.push(() => rm(path, { force: true }));
  return path;
}
const CHILD = fileURLToPath(new URL('./fixtures/download-child.mjs', import.meta.url));
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe.each(SCHEMES)('kill -9 and resume ($label)', ({ tls }) => {
  it('a download killed with SIGKILL mid-file resumes from its manifest and fetches only what is missing', {
    timeout: 60_000,
  }, async () => {
    const m = await startMock({ tls });
    const t = await tempDir();
    cleanups.push(() => m.close(), t.cleanup);
    const size = 24 * MiB + 777;
    const added = await m.admin('POST', 'backups', { files: [{ name: 'data.tar.gz', size_bytes: size }] });
    const ids = { instanceId: added.backup.instance_id as string, backupId: added.backup.id as string };
    // Slow enough that the kill lands mid-file: 4 ranges at 2 MiB/s each.
    await m.admin('POST', 'faults', { target: 'download', kind: 'throttle', bytes_per_second: 2 * MiB });
    const options = { segmentsPerFile: 4, minSegmentBytes: 2 * MiB, checkpointBytes: MiB, progressIntervalMs: 0 };

    const child = spawn(
      process.execPath,
      [
        CHILD,
        JSON.stringify({
          url: m.url,
          projectId: m.mock.defaults.projectId,
          token: m.mock.defaults.token,
          ...ids,
          dir: t.dir,
          options,
        }),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        // Over TLS the child trusts the mock's certificate through NODE_EXTRA_CA_CERTS (the
        // third way to give a CA, beside `ca` and --ca-file): no `ca` option is passed.
        env: { ...process.env, ...(m.ca ? { NODE_EXTRA_CA_CERTS: await writeCa(t.dir, m.ca) } : {}) },
      },
    );
    cleanups.push(async () => {
      child.kill('SIGKILL');
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let onDisk = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      const event = JSON.parse(line);
      if (event.type === 'progress') onDisk = event.bytes;
      if (onDisk >= 10 * MiB) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBe('SIGKILL');

    // Between durable saves the progress is in the progress file (the same boot trusts it).
    const manifest = (await readProgressFile(join(t.dir, PROGRESS_NAME)))!;
    const entry = Object.values(manifest.files)[0] as { state: string; size: number; ranges: [number, number][] };
    const claimed = entry.ranges.reduce((n, [s, e]) => n + e - s, 0);
    expect(entry).toMatchObject({ state: 'partial', size });
    // What the kill lost: bytes on disk but not yet checkpointed (checkpointBytes), no more.
    expect(claimed).toBeGreaterThanOrEqual(onDisk - options.checkpointBytes - 4 * MiB);
    expect(claimed).toBeLessThan(size);

    await m.admin('DELETE', 'faults');
    await m.admin('DELETE', 'requests');
    const result = await downloadBackup({ client: m.client, ...ids, dir: t.dir, ...options });
    expect(result.files[0]).toMatchObject({ resumedBytes: claimed, transferredBytes: size - claimed });
    // The killed process's requests reach the journal when the mock notices their sockets
    // closed (possibly after the DELETE above): they are the aborted ones. Run 2's all completed.
    const run2 = (await m.downloads()).filter((g) => !g.aborted);
    expect(run2.every((g) => g.status === 206)).toBe(true);
    expect(run2.reduce((n, g) => n + g.bytes_sent, 0)).toBe(size - claimed);
    const expected = await expectedHashes({
      seed: m.mock.defaults.seed,
      backupId: ids.backupId,
      fileName: 'data.tar.gz',
      size,
    });
    expect(await sha256File(join(t.dir, 'data.tar.gz'))).toBe(expected.sha256);
  });
});
