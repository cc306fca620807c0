// End-to-end runs of the real binary (dist/bin.js, built by `turbo run test`'s build step)
// against a mock listening on 127.0.0.1:0.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir as makeTempDir } from './helpers.js';

// Every directory a test makes is removed after it (the tests leave nothing in the temp dir).
const made: string[] = [];
const tempDir = async () => {
  const dir = await makeTempDir();
  made.push(dir);
  return dir;
};
afterEach(async () => {
  const { rm } = await import('node:fs/promises');
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let mock: MockServer;
let url: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test builds it first).`);
  mock = createMockServer();
  url = await mock.listen({ port: 0 });
});
afterAll(() => mock.close());

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DDS_BACKUP_TOKEN: 'e2e-token-secret',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const done = once(child, 'exit').then(([code]) => ({ code: code as number, stdout, stderr }));
  return { child, done, output: () => ({ stdout, stderr }) };
}

const admin = (path: string, body?: unknown, method = 'POST') =>
  fetch(`${url}/__mock/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('dds-backup binary', () => {
  it('--version and --help work and exit 0', async () => {
    expect((await start(['--version']).done).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await start(['download', '--help']).done;
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: dds-backup download');
  });

  it('Ctrl-C during a download exits 130 with state saved; running it again completes and verifies', async () => {
    const dir = await tempDir();
    const d = mock.defaults;
    const args = [
      '--endpoint',
      url,
      '--project-id',
      d.projectId,
      'download',
      '--instance-id',
      d.sharded.instanceId,
      '--backup-id',
      d.sharded.backupId,
      '--dir',
      dir,
      '--json',
    ];
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 512 * 1024 });
    const first = start(args);
    // Interrupt once a file has more than its first 1 MiB write batch on disk.
    const onDisk = () =>
      first
        .output()
        .stdout.split('\n')
        .some((l) => l.includes('"type":"progress"') && JSON.parse(l).bytes >= 2 * 1024 * 1024);
    while (!onDisk()) {
      if (first.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain('run the same command again to resume');
    await admin('faults', undefined, 'DELETE');

    const second = await start(args).done;
    expect(second.code, second.stderr).toBe(0);
    const events = second.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'file-start' && e.resumedBytes > 0)).toBe(true);

    const state = (await (await admin('state', undefined, 'GET')).json()) as any;
    const backup = state.projects
      .flatMap((p: any) => p.instances)
      .flatMap((i: any) => i.backups)
      .find((b: any) => b.id === d.sharded.backupId);
    for (const f of backup.files) {
      expect(
        createHash('sha256')
          .update(await readFile(join(dir, f.name)))
          .digest('hex'),
      ).toBe(f.sha256);
    }
    const verify = await start(['verify', '--dir', dir]).done;
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('SIGTERM during a download is handled like Ctrl-C: exit 143, state saved, lock released, --json ends with an error event', async () => {
    const dir = await tempDir();
    const d = mock.defaults;
    const args = [
      ...['--endpoint', url, '--project-id', d.projectId, 'download'],
      ...['--instance-id', d.sharded.instanceId, '--backup-id', d.sharded.backupId, '--dir', dir, '--json'],
    ];
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 512 * 1024 });
    const first = start(args);
    const onDisk = () =>
      first
        .output()
        .stdout.split('\n')
        .some((l) => l.includes('"type":"progress"') && JSON.parse(l).bytes >= 2 * 1024 * 1024);
    while (!onDisk()) {
      if (first.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    await admin('faults', undefined, 'DELETE');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toContain('run the same command again to resume');
    const last = JSON.parse(stopped.stdout.trimEnd().split('\n').at(-1)!);
    expect(last).toMatchObject({ type: 'error', name: 'AbortError', exitCode: 143 });
    // Lock released, progress recorded, nothing partial under a final name.
    const { readdir } = await import('node:fs/promises');
    const names = await readdir(dir);
    expect(names).not.toContain('.dds-backup-lock');
    expect(names).toContain('.dds-backup-manifest.json');
    expect(names.some((n) => n.endsWith('.part'))).toBe(true);

    const second = await start(args).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('"resumedBytes":');
    const verify = await start(['verify', '--dir', dir]).done;
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('a token never appears in any output or log with --verbose', async () => {
    const d = mock.defaults;
    const r = await start(
      [
        '--verbose',
        '--endpoint',
        url,
        '--project-id',
        d.projectId,
        'links',
        '--instance-id',
        d.sharded.instanceId,
        '--backup-id',
        d.sharded.backupId,
        '-o',
        'json',
      ],
      { DDS_BACKUP_TOKEN: 'e2e-visible-token-42' },
    ).done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('"x-auth-token":"***"');
    expect(r.stdout + r.stderr).not.toContain('e2e-visible-token-42');
  });

  it('no credentials: exit 3', async () => {
    const r = await start(['links', '--instance-id', 'i', '--backup-id', 'b'], {
      DDS_BACKUP_TOKEN: '',
      XDG_CONFIG_HOME: '/nonexistent',
    }).done;
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
