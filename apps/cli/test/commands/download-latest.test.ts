// `dds-backup download --latest`: resolves the newest COMPLETED full backup of the instance,
// then behaves exactly as with --backup-id (same default directory, same files, same output).
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createClock } from '@dds-backup/mock-server';
import { afterEach, describe, expect, it } from 'vitest';
import { mockPerTest, runCli, tempDir } from '../helpers.js';

const m = mockPerTest(() => ({ clock: createClock({ start: '2026-03-10T12:00:00Z', frozen: true }) }));
let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

const cli = (argv: string[], cwd?: string) =>
  runCli(['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, ...argv], {
    env: { DDS_BACKUP_TOKEN: 'latest-token-secret' },
    ...(cwd ? { cwd } : {}),
  });

describe('dds-backup download --latest', () => {
  it('downloads the newest COMPLETED full backup by end time into ./BACKUP_ID, as --backup-id would', async () => {
    const instanceId = m.mock.defaults.sharded.instanceId;
    const listed = JSON.parse((await cli(['backups', '--instance-id', instanceId, '-o', 'json'])).stdout).backups as {
      id: string;
      status: string;
      end_time: string;
    }[];
    const newest = listed
      .filter((b) => b.status === 'COMPLETED')
      .sort((a, b) => b.end_time.localeCompare(a.end_time))[0]!;
    const cwd = await tempDir('dds-backup-latest-');
    dirs.push(cwd);
    const r = await cli(['download', '--instance-id', instanceId, '--latest'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Latest COMPLETED full backup of ${instanceId}: ${newest.id}`);
    expect(await readdir(cwd)).toEqual([newest.id]);
    for (const f of await m.files(newest.id))
      expect(
        createHash('sha256')
          .update(await readFile(join(cwd, newest.id, f.name)))
          .digest('hex'),
      ).toBe(f.sha256);

    // The same download by id is already complete: the same directory, nothing fetched again.
    const again = await cli(['download', '--instance-id', instanceId, '--backup-id', newest.id], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already complete/);
  });

  it('an instance with no COMPLETED full backup is exit 4 saying so; an unknown instance is exit 4 too', async () => {
    const cwd = await tempDir('dds-backup-latest-');
    dirs.push(cwd);
    const none = await cli(['download', '--instance-id', m.mock.defaults.empty.instanceId, '--latest'], cwd);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain(`instance ${m.mock.defaults.empty.instanceId} has no COMPLETED full backup`);
    const unknown = await cli(['download', '--instance-id', `${'0'.repeat(32)}in02`, '--latest'], cwd);
    expect(unknown.code, unknown.stderr).toBe(4);
    expect(await readdir(cwd)).toEqual([]);
  });
});
