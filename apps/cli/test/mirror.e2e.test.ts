// The real binary (dist/bin.js) mirroring from a mock on 127.0.0.1:0, stopped by kill -9 and by
// Ctrl-C (SIGINT) part way, then run again: the rerun resumes and ends with every backup verified.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClock, createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let mock: MockServer;
let url: string;
let dirs: string[] = [];

beforeEach(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test builds it first).`);
  mock = createMockServer({ clock: createClock({ start: '2026-03-10T12:00:00Z', frozen: true }) });
  url = await mock.listen({ port: 0 });
});
afterEach(async () => {
  await mock.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

const admin = (path: string, body?: unknown, method = 'POST') =>
  fetch(`${url}/__mock/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

function start(args: string[]) {
  const child = spawn(process.execPath, [bin, '--endpoint', url, '--project-id', mock.defaults.projectId, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DDS_BACKUP_TOKEN: 'e2e-mirror-token' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const done = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal, stdout, stderr }));
  const events = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return {};
        }
      });
  return { child, done, events };
}

/** Waits until one backup is done and another has bytes on disk (or the run ended). */
async function midway(run: ReturnType<typeof start>): Promise<void> {
  for (;;) {
    const events = run.events();
    const done = events.filter((e) => e.type === 'backup-done').length;
    const moving = events.some((e) => e.type === 'progress' && e.bytes > 0);
    if ((done >= 1 && moving) || run.child.exitCode !== null) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectAllVerified(dir: string) {
  const state = (await (await admin('state?hashes=all', undefined, 'GET')).json()) as any;
  const manifest = JSON.parse(await readFile(join(dir, '.dds-backup-mirror.json'), 'utf8'));
  const project = state.projects.find((p: any) => p.id === mock.defaults.projectId);
  let count = 0;
  for (const instance of project.instances) {
    for (const backup of instance.backups) {
      if (backup.status !== 'COMPLETED') continue;
      count++;
      expect(manifest.instances[instance.id].backups[backup.id].state).toBe('verified');
      for (const f of backup.files) {
        const bytes = await readFile(join(dir, instance.id, backup.id, f.name));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      }
      const names = await readdir(join(dir, instance.id, backup.id));
      expect(names.filter((n) => n.endsWith('.part'))).toEqual([]);
    }
  }
  expect(count).toBeGreaterThan(2);
  expect(existsSync(join(dir, '.dds-backup-lock'))).toBe(false);
}

describe('dds-backup mirror, the real binary', { timeout: 60_000 }, () => {
  it('killed with kill -9 part way, then run again: resumes and ends with every backup verified', async () => {
    const dir = await tempDir('dds-backup-mirror-e2e-');
    dirs.push(dir);
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 1024 * 1024 });
    const first = start(['mirror', '--dir', dir, '--json', '--parallel-backups', '2']);
    await midway(first);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    // The killed run's records say "downloading" for what it had started; its lock is stale.
    const manifest = JSON.parse(await readFile(join(dir, '.dds-backup-mirror.json'), 'utf8'));
    const states = Object.values(manifest.instances).flatMap((i: any) =>
      Object.values(i.backups).map((b: any) => b.state),
    );
    expect(states).toContain('downloading');
    await admin('faults', undefined, 'DELETE');

    const second = start(['mirror', '--dir', dir, '--json']);
    const r = await second.done;
    expect(r.code, r.stderr).toBe(0);
    expect(second.events().some((e) => e.type === 'backup-start' && e.resumed === true)).toBe(true);
    expect(second.events().some((e) => e.type === 'backup-skipped' && e.reason === 'verified')).toBe(true);
    await expectAllVerified(dir);
  });

  it('Ctrl-C (SIGINT) part way: exit 130, state saved, lock released; run again completes', async () => {
    const dir = await tempDir('dds-backup-mirror-e2e-');
    dirs.push(dir);
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 1024 * 1024 });
    const first = start(['mirror', '--dir', dir, '--json']);
    await midway(first);
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain('run the same mirror again to resume');
    expect(existsSync(join(dir, '.dds-backup-lock'))).toBe(false);
    await admin('faults', undefined, 'DELETE');

    const r = await start(['mirror', '--dir', dir]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Mirror of .*: \d+ new, [1-9]\d* already verified, 0 failed/);
    await expectAllVerified(dir);
  });
});
