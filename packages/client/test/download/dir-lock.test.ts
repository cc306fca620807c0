// One download per directory: a live owner's lock refuses a second run; a dead owner's lock
// (kill -9, crash) is taken over.
import { spawnSync } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_NAME } from '../../src/download/dir-lock.js';
import { DirectoryBusyError, downloadBackup } from '../../src/download/index.js';
import { perTestMock } from './helpers.js';

const setup = perTestMock();
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('directory lock', () => {
  it('refuses to run while another live process holds the directory, touching nothing', async () => {
    const { m, dir } = await setup();
    // The parent of this test process is alive and is not us.
    await writeFile(join(dir, LOCK_NAME), `${process.ppid}@${hostname()}`);
    const error = await downloadBackup({ client: m.client, ...m.mock.defaults.replicaSet, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(DirectoryBusyError);
    expect(error.message).toContain(`(${process.ppid}@${hostname()})`);
    expect(error.message).toContain('delete the .dds-backup-lock file');
    expect(await exists(join(dir, LOCK_NAME))).toBe(true);
  });

  it('takes over the lock of a process that is gone, and releases it when done', async () => {
    const { m, dir } = await setup();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(join(dir, LOCK_NAME), `${gone.stdout}@${hostname()}`);
    const result = await downloadBackup({ client: m.client, ...m.mock.defaults.replicaSet, dir });
    expect(result.files).toHaveLength(1);
    expect(await exists(join(dir, LOCK_NAME))).toBe(false);
  });

  it('a second download while the first still runs is refused; the first completes', async () => {
    const { m, dir } = await setup();
    const ids = m.mock.defaults.sharded;
    // Slow enough that the first run is surely still going when the second starts.
    await m.admin('POST', 'faults', { target: 'download', kind: 'throttle', bytes_per_second: 4 * 1024 * 1024 });
    let started!: () => void;
    const transferring = new Promise<void>((resolve) => {
      started = resolve;
    });
    const first = downloadBackup({
      client: m.client,
      ...ids,
      dir,
      onEvent: (e) => {
        if (e.type === 'file-start') started();
      },
    });
    await transferring;
    const second = await downloadBackup({ client: m.client, ...ids, dir }).catch((e) => e);
    expect(second).toBeInstanceOf(DirectoryBusyError);
    expect((await first).files.length).toBeGreaterThan(1);
    expect(await exists(join(dir, LOCK_NAME))).toBe(false);
  });
});
