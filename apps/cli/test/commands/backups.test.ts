// `dds-backup backups` and `dds-backup instances` against the real mock, in-process.
import { createClock, createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers.js';

const ORIGIN = 'http://mock.test';
let mock: MockServer;
let seen: URL[] = [];
beforeEach(() => {
  mock = createMockServer({ clock: createClock({ start: '2026-03-10T12:00:00Z', frozen: true }) });
  seen = [];
});
afterEach(() => mock.close());

const cli = (argv: string[], tty = false) =>
  runCli(['--endpoint', ORIGIN, '--project-id', mock.defaults.projectId, ...argv], {
    env: { DDS_BACKUP_TOKEN: 'backups-token-secret' },
    fetch: (r) => {
      seen.push(new URL(r.url));
      return mock.fetch(r);
    },
    tty,
  });

type Listed = { id: string; instance_id: string; status: string; type: string; begin_time: string; end_time: string };

describe('dds-backup backups', () => {
  it('json (the default off a TTY) is the API shape with every page merged; yaml and tsv say the same', async () => {
    const r = await cli(['backups']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as { backups: Listed[]; total_count: number };
    expect(body.total_count).toBe(body.backups.length);
    expect(new Set(body.backups.map((b) => b.instance_id)).size).toBeGreaterThanOrEqual(2);
    // No incremental backups without --type (full backups only).
    expect(body.backups.every((b) => b.type !== 'incremental')).toBe(true);
    const yaml = parse((await cli(['backups', '-o', 'yaml'])).stdout);
    expect(yaml).toEqual(body);
    const tsv = (await cli(['backups', '-o', 'tsv'])).stdout.trimEnd().split('\n');
    expect(tsv.map((l) => l.split('\t')[0])).toEqual(body.backups.map((b) => b.id));
    expect(tsv[0]!.split('\t')).toHaveLength(8);
  });

  it('a table on a TTY; --instance-id, --type, --since and --status filter', async () => {
    const instanceId = mock.defaults.sharded.instanceId;
    const table = await cli(['backups', '--instance-id', instanceId], true);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+INSTANCE\s+TYPE\s+STATUS\s+END \(UTC\)\s+SIZE\s+NAME$/);
    expect(table.stdout).toMatch(/\d+ backup\(s\)\.\n$/);

    const manual = JSON.parse((await cli(['backups', '--instance-id', instanceId, '--type', 'manual'])).stdout);
    expect(manual.backups.map((b: Listed) => b.id)).toEqual([mock.defaults.sharded.backupId]);
    expect(seen.at(-1)?.searchParams.get('backup_type')).toBe('Manual');

    const since = JSON.parse((await cli(['backups', '--instance-id', instanceId, '--since', '2026-03-08'])).stdout);
    expect(since.backups.length).toBeGreaterThan(0);
    expect(since.backups.every((b: Listed) => b.begin_time >= '2026-03-08 00:00:00')).toBe(true);
    expect(seen.at(-1)?.searchParams.get('begin_time')).toBe('2026-03-08 00:00:00');
    expect(seen.at(-1)?.searchParams.get('end_time')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    const none = JSON.parse(
      (await cli(['backups', '--instance-id', instanceId, '--status', 'failed,BUILDING'])).stdout,
    );
    expect(none.backups).toEqual([]);
    const completed = JSON.parse((await cli(['backups', '--status', 'completed'])).stdout);
    expect(completed.backups.length).toBeGreaterThan(0);
    expect(completed.backups.every((b: Listed) => b.status === 'COMPLETED')).toBe(true);
  });

  it('an unknown instance is exit 4 with the hint', async () => {
    const r = await cli(['backups', '--instance-id', `${'0'.repeat(32)}in02`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/DBS\.200002/);
    expect(r.stderr).not.toContain('backups-token-secret');
  });
});

describe('dds-backup instances', () => {
  it("lists the project's instances with their backup policy, in every format", async () => {
    const json = JSON.parse((await cli(['instances'])).stdout);
    const ids = json.instances.map((i: { id: string }) => i.id);
    expect(ids).toContain(mock.defaults.replicaSet.instanceId);
    expect(ids).toContain(mock.defaults.empty.instanceId);
    expect(json.total_count).toBe(ids.length);
    const table = await cli(['instances'], true);
    expect(table.stdout).toMatch(/daily \d\d:\d\d-\d\d:\d\d, kept \d+ days/);
    expect(table.stdout).toContain('no automated backups');
    const tsv = (await cli(['instances', '-o', 'tsv'])).stdout.trimEnd().split('\n');
    expect(tsv).toHaveLength(ids.length);
    const named = JSON.parse((await cli(['instances', '--name', '*replica'])).stdout);
    expect(named.instances.map((i: { id: string }) => i.id)).toEqual([mock.defaults.replicaSet.instanceId]);
  });
});
