// The packages as a consumer gets them: every public workspace is packed (`npm pack`), the
// tarballs are installed into a project outside the repository (their registry dependencies come
// from the npm cache the machine already has), and there every `exports` entry is imported from
// ESM, every bin runs, and a consumer file typechecks with moduleResolution nodenext and bundler,
// with skipLibCheck off so the packages' own .d.ts files are checked too.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newcomerEnv, repoRoot } from '../src/repo-copy.js';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
  [key: string]: unknown;
}
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const workspaces = [
  'openapi',
  ...['packages', 'apps'].flatMap((d) => readdirSync(join(repoRoot, d)).map((n) => `${d}/${n}`)),
];
const publics = workspaces
  .map((dir) => ({ dir, pkg: readJson(join(repoRoot, dir, 'package.json')) as Manifest }))
  .filter(({ pkg }) => !pkg.private);
const installedVersion = (name: string) =>
  readJson(join(repoRoot, 'node_modules', name, 'package.json')).version as string;

let work: string;
const packed = new Map<string, { file: string; files: string[] }>();
const env = newcomerEnv({ npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dds-backup-packages-'));
  await mkdir(join(work, 'tarballs'));
  for (const { dir, pkg } of publics) {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', join(work, 'tarballs')], {
      cwd: join(repoRoot, dir),
      env,
      encoding: 'utf8',
    });
    const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed.set(pkg.name, { file: join(work, 'tarballs', info!.filename), files: info!.files.map((f) => f.path) });
  }
  const consumer = join(work, 'consumer');
  await mkdir(consumer);
  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  // The tarballs together (they depend on each other at their version), plus what a TypeScript
  // consumer of them has: TypeScript, @types/node, and vitest for the contract-kit matchers.
  execFileSync(
    'npm',
    [
      'install',
      '--no-package-lock',
      ...[...packed.values()].map((p) => p.file),
      `typescript@${installedVersion('typescript')}`,
      `@types/node@${installedVersion('@types/node')}`,
      `vitest@${installedVersion('vitest')}`,
    ],
    { cwd: consumer, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}, 240_000);
afterAll(() => rm(work, { recursive: true, force: true }));

const consumerDir = () => join(work, 'consumer');

describe.each(publics)('$pkg.name as packed', ({ dir, pkg }) => {
  it('has README, LICENSE, the registry metadata, and nothing but what it ships', () => {
    const { files } = packed.get(pkg.name)!;
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository).toMatchObject({ type: 'git', directory: dir });
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs).toMatchObject({ url: expect.stringMatching(/^https:\/\//) });
    expect((pkg.keywords as string[]).length).toBeGreaterThan(0);
    expect(pkg.engines).toEqual({ node: '>=20.19' });
    const stray = files.filter((f) =>
      /(^|\/)(test|tests|__tests__)\/|\.test\.|tsbuildinfo|^tsconfig|^turbo\.json$/.test(f),
    );
    expect(stray).toEqual([]);
    expect(readFileSync(join(repoRoot, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
    if (pkg.name === '@dds-backup/cli') expect(files).toContain('docs/cli.md');
  });

  it('every exports entry imports from ESM in the consumer project', () => {
    const specifiers = Object.keys(pkg.exports).map((key) => (key === '.' ? pkg.name : `${pkg.name}${key.slice(1)}`));
    // JS through import(), JSON with its import attribute, other files (YAML) are resolved and read.
    const script = `
      import { readFileSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      const out = {};
      for (const s of ${JSON.stringify(specifiers)}) {
        const url = import.meta.resolve(s);
        if (url.endsWith('.js')) out[s] = Object.keys(await import(s)).length;
        else if (url.endsWith('.json')) out[s] = Object.keys((await import(s, { with: { type: 'json' } })).default).length;
        else out[s] = readFileSync(fileURLToPath(url), 'utf8').length;
      }
      console.log(JSON.stringify(out));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumerDir(),
      env,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const sizes = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(sizes)).toEqual(specifiers);
    for (const [s, n] of Object.entries(sizes)) expect(n, `${s} is empty`).toBeGreaterThan(0);
  });

  // Registered only for packages with bins (a skipped test would count as skipped in CI's line).
  if (pkg.bin)
    it('every bin runs from node_modules/.bin', () => {
      for (const name of Object.keys(pkg.bin ?? {})) {
        const r = spawnSync(join(consumerDir(), 'node_modules/.bin', name), ['--help'], { env, encoding: 'utf8' });
        expect(r.stderr, name).toBe('');
        expect(r.status, name).toBe(0);
        expect(r.stdout, name).toMatch(/Usage: /);
      }
    });
});

describe('a TypeScript consumer of the packed packages', () => {
  const consumerTs = `
import { readFileSync } from 'node:fs';
import { createClient, getDownloadLinks, tokenCredentials, type DdsClient } from '@dds-backup/client';
import { downloadBackup, verifyDownload, type DownloadResult } from '@dds-backup/client/download';
import { listRegions, validateResponse, type ShowBackupDownloadLinkResponse } from '@dds-backup/contract';
import { checkConforms, listChecks } from '@dds-backup/contract-kit';
import '@dds-backup/contract-kit/vitest';
import { createMockServer, DEFAULT_AKSK, type MockServer } from '@dds-backup/mock-server';
import { signRequest } from '@dds-backup/signer';
import { expect } from 'vitest';

const mock: MockServer = createMockServer({ tokens: ['t'] });
const client: DdsClient = createClient({ endpoint: 'http://mock.test', projectId: mock.defaults.projectId, credentials: tokenCredentials('t'), fetch: mock.fetch });
const { instanceId, backupId } = mock.defaults.sharded;
const links = await getDownloadLinks(client, { instanceId, backupId });
const body: ShowBackupDownloadLinkResponse = links.body;
const names: string[] = links.files.map((f) => f.name);
const valid: boolean = validateResponse('ShowBackupDownloadLink', 200, body).valid;
const regions: string[] = listRegions().map((r) => r.id);
const result: DownloadResult = await downloadBackup({ client, instanceId, backupId, dir: 'out' });
const checked = await verifyDownload({ dir: 'out' });
const { headers } = signRequest({ method: 'GET', url: 'http://mock.test/v3/p' }, { ak: DEFAULT_AKSK.ak, sk: DEFAULT_AKSK.sk });
const authorization: string | null = headers.get('authorization');
const conformance = await checkConforms('ShowBackupDownloadLink', new Response('{}'));
const ok: boolean = conformance.ok;
const checks: number = listChecks().length;
await expect(new Response('{}')).toSatisfyContract('ShowBackupDownloadLink');
const spec: string = readFileSync(new URL(import.meta.resolve('@dds-backup/openapi/dds-backup.openapi.yaml')), 'utf8');
export { names, valid, regions, result, checked, authorization, ok, checks, spec };
`;
  const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2023'], types: ['node'] };

  it.each([
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])(
    'typechecks with moduleResolution %s',
    async (name, options) => {
      await writeFile(join(consumerDir(), 'consumer.ts'), consumerTs);
      const config = join(consumerDir(), `tsconfig.${name}.json`);
      await writeFile(config, JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['consumer.ts'] }));
      const r = spawnSync(join(consumerDir(), 'node_modules/.bin/tsc'), ['-p', config], {
        cwd: consumerDir(),
        env,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
    60_000,
  );
});
