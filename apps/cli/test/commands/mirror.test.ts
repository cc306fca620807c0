// `dds-backup mirror` end to end against the real mock on 127.0.0.1:0 (objects travel over real
// sockets; API calls go through its fetch handler so the test sees them), on a frozen mock clock
// moved by days through the admin API, as a nightly cron job would see it.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClock } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockPerTest, runCli, tempDir } from '../helpers.js';

const TOKEN = 'cli-mirror-token-secret';
const DAY_S = 86_400;
const START = '2026-03-10T12:00:00Z';

const m = mockPerTest(() => ({ clock: createClock({ start: START, frozen: true }) }));
const { admin } = m;
let dirs: string[] = [];
/** Every API URL the CLI asked for (the mock answers; this only watches). */
let seen: URL[] = [];
beforeEach(() => {
  seen = [];
});
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

const watch = (r: Request) => {
  seen.push(new URL(r.url));
  return m.mock.fetch(r);
};
const linkCalls = () => seen.filter((u) => u.pathname.endsWith('/backups/download-file'));

interface StateBackup {
  id: string;
  status: string;
  end_time?: string;
  files: { name: string; size_bytes: number; sha256: string | null }[];
}
/** The default project's backups per instance, as the mock's state publishes them. */
async function stateBackups(): Promise<Map<string, StateBackup[]>> {
  const state = await admin('state?hashes=all', undefined, 'GET');
  const project = state.projects.find((p: { id: string }) => p.id === m.mock.defaults.projectId);
  return new Map(project.instances.map((i: { id: string; backups: StateBackup[] }) => [i.id, i.backups]));
}

/** The default project's COMPLETED full backups as the API lists them, per instance. */
async function completedBackups(): Promise<Map<string, { id: string; end_time: string }[]>> {
  const r = await runCli(['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'backups', '-o', 'json'], {
    env: { DDS_BACKUP_TOKEN: TOKEN },
    fetch: (req) => m.mock.fetch(req),
  });
  expect(r.code, r.stderr).toBe(0);
  const out = new Map<string, { id: string; end_time: string }[]>();
  for (const b of JSON.parse(r.stdout).backups as {
    id: string;
    instance_id: string;
    status: string;
    end_time: string;
  }[]) {
    if (b.status !== 'COMPLETED') continue;
    out.set(b.instance_id, [...(out.get(b.instance_id) ?? []), b]);
  }
  return out;
}

async function mirrorDir(): Promise<string> {
  const dir = await tempDir('dds-backup-mirror-');
  dirs.push(dir);
  return dir;
}

const mirror = async (
  dir: string,
  extra: string[] = [],
  options: { env?: Record<string, string>; endpoint?: string } = {},
) => {
  const endpoint = options.endpoint ?? m.url;
  const r = await runCli(
    ['--endpoint', endpoint, '--project-id', m.mock.defaults.projectId, 'mirror', '--dir', dir, '--json', ...extra],
    { env: options.env ?? { DDS_BACKUP_TOKEN: TOKEN }, fetch: watch },
  );
  const events = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { ...r, events, of: (type: string) => events.filter((e) => e.type === type) };
};

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, '.dds-backup-mirror.json'), 'utf8'));

/** Backup folders on disk, per instance folder. */
async function foldersOnDisk(dir: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const inner = await readdir(join(dir, entry.name), { withFileTypes: true });
    out.set(
      entry.name,
      inner
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    );
  }
  return out;
}

describe('dds-backup mirror', () => {
  it("copies every COMPLETED backup of the default project, each file equal to the mock's; a second run asks for no link at all", async () => {
    const dir = await mirrorDir();
    const first = await mirror(dir);
    expect(first.code, first.stderr).toBe(0);
    const completed = await completedBackups();
    expect(completed.size).toBeGreaterThanOrEqual(2);
    const state = await stateBackups();
    let count = 0;
    for (const [instanceId, backups] of completed) {
      for (const b of backups) {
        count++;
        const published = state.get(instanceId)!.find((s) => s.id === b.id)!;
        for (const f of published.files) expect(await sha256(join(dir, instanceId, b.id, f.name))).toBe(f.sha256);
      }
    }
    expect(first.of('backup-done')).toHaveLength(count);
    expect(
      first
        .of('backup-done')
        .every((e) => typeof e.instanceId === 'string' && e.dir === `${e.instanceId}/${e.backupId}`),
    ).toBe(true);
    // Download events come through, tagged with their backup.
    expect(first.of('file-done').every((e) => typeof e.backupId === 'string' && typeof e.instanceId === 'string')).toBe(
      true,
    );
    // No secret in the stream: neither the token nor a link's signature.
    expect(first.stdout + first.stderr).not.toContain(TOKEN);
    expect(first.stdout).not.toMatch(/Signature=|AccessKeyId=|download_link/);
    const summary = first.events.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', new: count, skipped: 0, failed: 0, removed: 0, exitCode: 0 });

    const manifest = await manifestOf(dir);
    expect(manifest.format).toBe('dds-backup-mirror');
    expect(manifest.lastRun).toMatchObject({ new: count, skipped: 0, failed: 0 });
    for (const [instanceId, backups] of completed) {
      for (const b of backups) {
        const record = manifest.instances[instanceId].backups[b.id];
        expect(record.state).toBe('verified');
        const published = state.get(instanceId)!.find((s) => s.id === b.id)!;
        for (const f of published.files) {
          const file = record.files.find((x: { name: string }) => x.name === f.name);
          expect(file).toMatchObject({ bytes: f.size_bytes, sha256: f.sha256 });
          expect(['md5', 'size-only']).toContain(file.checksum);
        }
      }
    }

    seen = [];
    const second = await mirror(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(linkCalls()).toEqual([]);
    expect(second.of('backup-skipped').filter((e) => e.reason === 'verified')).toHaveLength(count);
    expect(second.events.at(-1)).toMatchObject({ type: 'summary', new: 0, skipped: count, exitCode: 0 });
  });

  it('a backup BUILDING during one mirror is left for the next, which copies it once COMPLETED', async () => {
    const dir = await mirrorDir();
    expect((await mirror(dir)).code).toBe(0);
    // Move the clock to one minute past the next window start of the instances' policy.
    const instances = JSON.parse(
      (
        await runCli(['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'instances', '-o', 'json'], {
          env: { DDS_BACKUP_TOKEN: TOKEN },
          fetch: (r) => m.mock.fetch(r),
        })
      ).stdout,
    ).instances as { id: string; backup_strategy?: { start_time: string } }[];
    const scheduled = instances.find((i) => i.backup_strategy)!;
    const [h, min] = scheduled.backup_strategy!.start_time.slice(0, 5).split(':').map(Number);
    const now = Date.parse(START);
    let next = Date.UTC(2026, 2, 10, h!, min!);
    while (next <= now) next += DAY_S * 1000;
    await admin('clock', { set: new Date(next + 60_000).toISOString() });

    const during = await mirror(dir, ['--instance-id', scheduled.id]);
    expect(during.code, during.stderr).toBe(0);
    const building = during.of('backup-skipped').filter((e) => e.reason === 'not-completed');
    expect(building).toHaveLength(1);
    expect(building[0]).toMatchObject({ status: 'BUILDING', instanceId: scheduled.id });
    const buildingId = building[0]!.backupId;
    expect(during.events.at(-1)).toMatchObject({ type: 'summary', new: 0, pending: 1, exitCode: 0 });
    await expect(stat(join(dir, scheduled.id, buildingId))).rejects.toThrow();

    await admin('clock', { advance_seconds: 3600 });
    const after = await mirror(dir, ['--instance-id', scheduled.id]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.of('backup-done').map((e) => e.backupId)).toEqual([buildingId]);
    expect((await manifestOf(dir)).instances[scheduled.id].backups[buildingId].state).toBe('verified');
  });

  it.each([
    ['a token', () => ({ DDS_BACKUP_TOKEN: TOKEN })],
    ['AK/SK', () => ({ HUAWEICLOUD_SDK_AK: m.mock.defaults.aksk.ak, HUAWEICLOUD_SDK_SK: m.mock.defaults.aksk.sk })],
  ])(
    'ten mock days of daily mirrors with --keep 3 (%s) end with the three newest backups per instance, every other file untouched',
    { timeout: 120_000 },
    async (_name, env) => {
      const dir = await mirrorDir();
      // Files that are not the mirror's: at the top, in an instance folder, and a foreign folder.
      const first = await mirror(dir, ['--keep', '3'], { env: env() });
      expect(first.code, first.stderr).toBe(0);
      const [someInstance] = [...(await foldersOnDisk(dir)).keys()];
      const foreign = [join(dir, 'README.txt'), join(dir, someInstance!, 'notes.txt')];
      for (const f of foreign) await writeFile(f, `not the mirror's: ${f}`);
      const before = await Promise.all(foreign.map(async (f) => [await readFile(f, 'utf8'), (await stat(f)).mtimeMs]));

      // Only the three newest per instance are ever fetched: what retention would delete at once
      // is not downloaded, and nothing removed is downloaded again.
      expect(first.of('backup-done').length).toBeLessThanOrEqual(3 * (await completedBackups()).size);
      const removed = new Set<string>();
      for (let day = 1; day <= 10; day++) {
        await admin('clock', { advance_seconds: DAY_S });
        const r = await mirror(dir, ['--keep', '3'], { env: env() });
        expect(r.code, `day ${day}: ${r.stderr}`).toBe(0);
        const done = r.of('backup-done').map((e) => e.backupId);
        expect(done.length, `day ${day}`).toBeGreaterThanOrEqual(1);
        for (const id of done) expect(removed.has(id), `day ${day}: ${id} fetched again`).toBe(false);
        for (const e of r.of('removed')) removed.add(e.backupId);
      }
      expect(removed.size).toBeGreaterThan(0);

      const completed = await completedBackups();
      const onDisk = await foldersOnDisk(dir);
      const manifest = await manifestOf(dir);
      for (const [instanceId, backups] of completed) {
        const newest = [...backups]
          .sort((a, b) => b.end_time.localeCompare(a.end_time))
          .slice(0, 3)
          .map((b) => b.id)
          .sort();
        expect(onDisk.get(instanceId), instanceId).toEqual(newest);
        expect(Object.keys(manifest.instances[instanceId].backups).sort()).toEqual(newest);
      }
      const after = await Promise.all(foreign.map(async (f) => [await readFile(f, 'utf8'), (await stat(f)).mtimeMs]));
      expect(after).toEqual(before);
    },
  );

  it('one backup whose bytes are corrupted in transit: exit 6, that one failed, every other one complete and verified', async () => {
    const dir = await mirrorDir();
    const completed = await completedBackups();
    const [instanceId, backups] = [...completed][0]!;
    const victim = backups[0]!.id;
    // A hostile network between us and object storage: the first byte of every body of the
    // victim's objects is flipped (the ETag stays the real MD5, sizes stay right).
    const corrupting = await m.rewriting((answer, path) => {
      if (path.includes(victim) && answer.status < 300 && answer.body.length > 0)
        answer.body[0] = answer.body[0]! ^ 0xff;
    });
    const r = await mirror(dir, [], { endpoint: corrupting });
    expect(r.code, r.stderr).toBe(6);
    const failed = r.of('backup-failed');
    expect(failed.map((e) => e.backupId)).toEqual([victim]);
    expect(failed[0]).toMatchObject({ resumable: false, error: { name: 'VerificationError' } });
    const manifest = await manifestOf(dir);
    expect(manifest.instances[instanceId].backups[victim].state).toBe('failed');
    let others = 0;
    for (const [i, list] of completed)
      for (const b of list) {
        if (b.id === victim) continue;
        others++;
        expect(manifest.instances[i].backups[b.id].state, `${i}/${b.id}`).toBe('verified');
      }
    expect(r.of('backup-done')).toHaveLength(others);
    // Nothing under a final name is unverified: the victim's files are only .part.
    const names = await readdir(join(dir, instanceId, victim));
    expect(names.filter((n) => !n.startsWith('.dds-backup-') && !n.endsWith('.part'))).toEqual([]);

    // The next run, on a clean network, repairs it.
    const again = await mirror(dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.of('backup-done').map((e) => e.backupId)).toEqual([victim]);
  });

  it('a named instance that does not exist is exit 4; the others are still mirrored', async () => {
    const dir = await mirrorDir();
    const missing = `${'0'.repeat(32)}in02`;
    const r = await mirror(dir, ['--instance-id', missing, '--instance-id', m.mock.defaults.replicaSet.instanceId]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.of('instance-missing')).toEqual([{ type: 'instance-missing', instanceId: missing }]);
    expect(r.of('backup-done').length).toBeGreaterThan(0);
    expect(r.of('backup-done').every((e) => e.instanceId === m.mock.defaults.replicaSet.instanceId)).toBe(true);
  });

  it('--dry-run writes nothing and asks for no link; it says what would be downloaded and removed', async () => {
    const dir = join(await mirrorDir(), 'not-yet');
    const r = await mirror(dir, ['--keep', '2', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(linkCalls()).toEqual([]);
    await expect(stat(dir)).rejects.toThrow();
    expect(r.of('backup-planned').length).toBeGreaterThan(0);
    expect(r.of('backup-start')).toEqual([]);
    expect(r.events.at(-1)).toMatchObject({ type: 'summary', dryRun: true, new: 0 });

    // Over a real mirror: it names the copies retention would remove, and removes none.
    const real = await mirrorDir();
    expect((await mirror(real)).code).toBe(0);
    const before = await foldersOnDisk(real);
    const dry = await mirror(real, ['--keep', '2', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const wouldRemove = dry.of('removed');
    expect(wouldRemove.length).toBeGreaterThan(0);
    expect(wouldRemove.every((e) => e.dryRun === true)).toBe(true);
    expect(await foldersOnDisk(real)).toEqual(before);
  });

  it('retention never goes below N because new backups failed, and never deletes a copy because the cloud expired it', async () => {
    const dir = await mirrorDir();
    const instanceId = m.mock.defaults.replicaSet.instanceId;
    expect((await mirror(dir, ['--instance-id', instanceId, '--keep', '3'])).code).toBe(0);
    const kept = (await foldersOnDisk(dir)).get(instanceId)!;
    expect(kept).toHaveLength(3);

    // Three days of new backups whose links always fail: none verifies, none of the kept goes.
    await admin('faults', {
      target: 'api',
      kind: 'status',
      status: 500,
      error_code: 'DBS.280005',
      path_contains: 'download-file',
    });
    await admin('clock', { advance_seconds: 3 * DAY_S });
    const failing = await mirror(dir, ['--instance-id', instanceId, '--keep', '3', '--retries', '0']);
    expect(failing.code, failing.stderr).toBe(5);
    expect(failing.of('backup-failed').length).toBeGreaterThanOrEqual(3);
    expect(failing.of('removed')).toEqual([]);
    expect((await foldersOnDisk(dir)).get(instanceId)).toEqual(kept);
    await admin('faults', undefined, 'DELETE');

    // Without retention, backups the cloud expired (keep days passed) stay on disk.
    const plain = await mirrorDir();
    expect((await mirror(plain, ['--instance-id', instanceId])).code).toBe(0);
    const all = (await foldersOnDisk(plain)).get(instanceId)!;
    await admin('clock', { advance_seconds: 30 * DAY_S });
    const later = await mirror(plain, ['--instance-id', instanceId]);
    expect(later.code, later.stderr).toBe(0);
    const now = (await foldersOnDisk(plain)).get(instanceId)!;
    for (const id of all) expect(now).toContain(id);
  });

  it('a copy whose file changed on disk is downloaded again; one mirror per DIR at a time', async () => {
    const dir = await mirrorDir();
    const instanceId = m.mock.defaults.replicaSet.instanceId;
    expect((await mirror(dir, ['--instance-id', instanceId])).code).toBe(0);
    const [backupId] = (await foldersOnDisk(dir)).get(instanceId)!;
    const folder = join(dir, instanceId, backupId!);
    const [file] = (await readdir(folder)).filter((n) => !n.startsWith('.'));
    const good = await sha256(join(folder, file!));
    await writeFile(join(folder, file!), 'damaged');
    const r = await mirror(dir, ['--instance-id', instanceId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.of('backup-done').map((e) => e.backupId)).toEqual([backupId]);
    expect(await sha256(join(folder, file!))).toBe(good);

    await writeFile(join(dir, '.dds-backup-lock'), `${process.pid}@${(await import('node:os')).hostname()}`);
    const busy = await mirror(dir, ['--instance-id', instanceId]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/is using/);
    await rm(join(dir, '.dds-backup-lock'));
  });

  it('--since only takes backups begun since then (end_time now); a TTY gets the overall progress line, a log plain lines', async () => {
    const dir = await mirrorDir();
    const r = await runCli(
      ['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'mirror', '--dir', dir, '--since', '2026-03-08'],
      { env: { DDS_BACKUP_TOKEN: TOKEN }, fetch: watch, tty: true },
    );
    expect(r.code, r.stderr).toBe(0);
    const list = seen.find((u) => u.pathname.endsWith('/backups'))!;
    expect(list.searchParams.get('begin_time')).toBe('2026-03-08 00:00:00');
    expect(list.searchParams.get('end_time')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const manifest = await manifestOf(dir);
    const records = Object.values(manifest.instances).flatMap((i: any) => Object.values(i.backups)) as any[];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((b) => b.beginTime >= '2026-03-08T00:00:00.000Z')).toBe(true);
    expect(r.stderr).toMatch(/mirror \[#+-*\] +\d+% /);
    expect(r.stderr).toMatch(/Mirror of .*: \d+ new, 0 already verified, 0 failed/);

    const plain = await runCli(
      ['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'mirror', '--dir', await mirrorDir()],
      { env: { DDS_BACKUP_TOKEN: TOKEN }, fetch: watch },
    );
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('\r');
    expect(plain.stderr).toMatch(/^done \w+\/\w+: \d+ file\(s\)/m);
    expect(plain.stdout).toBe('');
  });

  it('--recheck re-hashes verified copies: a file changed under the same size and mtime is fetched again', async () => {
    const dir = await mirrorDir();
    const instanceId = m.mock.defaults.replicaSet.instanceId;
    expect((await mirror(dir, ['--instance-id', instanceId])).code).toBe(0);
    const [backupId] = (await foldersOnDisk(dir)).get(instanceId)!;
    const folder = join(dir, instanceId, backupId!);
    const [file] = (await readdir(folder)).filter((n) => !n.startsWith('.'));
    const path = join(folder, file!);
    const good = await sha256(path);
    const bytes = await readFile(path);
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(path, bytes);
    // Bit rot keeps size and mtime: make both manifests (the mirror's and the engine's) agree
    // with the file's new mtime, as if it had never been touched.
    const mtimeMs = (await stat(path)).mtimeMs;
    for (const manifestPath of [join(dir, '.dds-backup-mirror.json'), join(folder, '.dds-backup-manifest.json')]) {
      const text = await readFile(manifestPath, 'utf8');
      const data = JSON.parse(text, function (this: { name?: string }, key, value) {
        return key === 'mtimeMs' && this.name === file ? mtimeMs : value;
      });
      await writeFile(manifestPath, JSON.stringify(data));
    }
    // Size and mtime unchanged: a plain run trusts them and skips.
    seen = [];
    const plain = await mirror(dir, ['--instance-id', instanceId]);
    expect(plain.code).toBe(0);
    expect(linkCalls()).toEqual([]);
    const recheck = await mirror(dir, ['--instance-id', instanceId, '--recheck']);
    expect(recheck.code, recheck.stderr).toBe(0);
    expect(linkCalls().length).toBeGreaterThan(0);
    expect(await sha256(path)).toBe(good);
    expect(recheck.events.at(-1)).toMatchObject({ type: 'summary', failed: 0, skipped: 0 });
  });

  it('--require-checksum: a backup whose file has no server checksum (multipart ETag) fails with exit 6 before its body is fetched', async () => {
    const dir = await mirrorDir();
    const added = await admin('backups', {
      instance_name: 'multipart',
      files: [{ name: 'big.tar.gz', size_bytes: 64 * 1024 * 1024 + 1 }],
    });
    const instanceId = added.backup.instance_id as string;
    const r = await mirror(dir, ['--instance-id', instanceId, '--require-checksum']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.of('backup-failed')[0]).toMatchObject({ resumable: false, error: { name: 'VerificationError' } });
    expect((await manifestOf(dir)).instances[instanceId].backups[added.backup.id].state).toBe('failed');
    expect(
      await readdir(join(dir, instanceId, added.backup.id)).then((n) => n.filter((x) => x === 'big.tar.gz')),
    ).toEqual([]);
  });
  it('--require-checksum after a plain run: the copy verified by size only is refused (exit 6, no link asked for), left on disk and still recorded verified', async () => {
    const dir = await mirrorDir();
    const added = await admin('backups', {
      instance_name: 'multipart-later',
      files: [{ name: 'big.tar.gz', size_bytes: 64 * 1024 * 1024 + 1 }],
    });
    const instanceId = added.backup.instance_id as string;
    const path = join(dir, instanceId, added.backup.id, 'big.tar.gz');
    const plain = await mirror(dir, ['--instance-id', instanceId]);
    expect(plain.code, plain.stderr).toBe(0);
    const copied = await sha256(path);
    seen = [];
    const strict = await mirror(dir, ['--instance-id', instanceId, '--require-checksum']);
    expect(strict.code, strict.stderr).toBe(6);
    expect(strict.of('backup-failed')[0]).toMatchObject({
      resumable: false,
      error: { name: 'VerificationError', message: expect.stringContaining('big.tar.gz') },
    });
    expect(strict.of('backup-skipped')).toEqual([]);
    expect(linkCalls()).toEqual([]);
    expect(await sha256(path)).toBe(copied);
    expect((await manifestOf(dir)).instances[instanceId].backups[added.backup.id].state).toBe('verified');
  });
});
