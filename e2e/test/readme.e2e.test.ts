// From a fresh copy of the repository, as a newcomer: the root README's set-up (`npm ci && npm
// start`), then every `sh` block of the root README and of each package README, run as written,
// one shell per README, with the clone as the working directory. Then the next steps `npm start`
// printed. Slow (an `npm ci` from the npm cache and a build): about a minute and a half here.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, extractShBlocks, readShBlocks, runShBlocks, type ShBlock } from '../src/readme-blocks.js';
import { copyRepository, newcomerEnv, repoRoot } from '../src/repo-copy.js';

const readmes = [
  'README.md',
  ...['openapi', 'packages', 'apps'].flatMap((d) =>
    d === 'openapi' ? ['openapi/README.md'] : readdirSync(join(repoRoot, d)).map((n) => `${d}/${n}/README.md`),
  ),
].filter((f) => existsSync(join(repoRoot, f)));

let work: string;
let clone: string;
let env: NodeJS.ProcessEnv;
const outputs = new Map<string, string>();
let demo = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dds-backup-readme-'));
  clone = join(work, 'dds-backup');
  copyRepository(clone);
  // Everything the blocks write outside the clone stays under `work`: temp files, the config
  // file, the global prefix `npm link` writes to (its bin dir is on PATH, as it would be).
  for (const d of ['tmp', 'config', 'global/bin']) await mkdir(join(work, d), { recursive: true });
  env = newcomerEnv(
    {
      TMPDIR: join(work, 'tmp'),
      XDG_CONFIG_HOME: join(work, 'config'),
      npm_config_prefix: join(work, 'global'),
      // `npm ci` from the cache the machine already has; npx must never fetch a package.
      npm_config_prefer_offline: 'true',
      npm_config_yes: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      NO_COLOR: '1',
      TURBO_TELEMETRY_DISABLED: '1',
      DO_NOT_TRACK: '1',
    },
    [join(work, 'global/bin')],
  );
}, 60_000);
afterAll(() => rm(work, { recursive: true, force: true }));

const run = async (file: string, blocks: ShBlock[], timeoutMs: number) => {
  const result = await runShBlocks(blocks, { cwd: clone, env, timeoutMs });
  outputs.set(file, result.outputs.map((o) => o.output).join(''));
  const failure = describeFailure(file, result);
  if (failure) throw new Error(failure);
  return result;
};

describe.sequential('every README command, run as written in a fresh copy of the repository', () => {
  it(
    'the root README starts with the set-up command, which builds and runs the demo',
    async () => {
      const [setup] = readShBlocks(join(repoRoot, 'README.md'));
      expect(setup?.code).toMatch(/^npm ci && npm start\b/);
      await run('README.md', [setup!], 5 * 60_000);
      demo = outputs.get('README.md')!;
      // The download, its re-check from disk, and the mirror run twice (the second has nothing to do).
      expect(demo).toMatch(/^Downloaded 4 file\(s\), .*MD5 verified for 4\)/m);
      expect(demo).toMatch(/^All 4 file\(s\) in \S+ match the download \(size and SHA-256\)\.$/m);
      expect(demo).toMatch(/^Mirror of \S+: [1-9]\d* new, 0 already verified, .*, 0 failed, /m);
      expect(demo).toMatch(/^Mirror of \S+: 0 new, [1-9]\d* already verified, .*, 0 failed, /m);
    },
    6 * 60_000,
  );

  it(
    'every other block of the root README runs, in order, in one shell',
    async () => {
      const [, ...rest] = readShBlocks(join(repoRoot, 'README.md'));
      await run('README.md', rest, 3 * 60_000);
    },
    4 * 60_000,
  );

  it.each(readmes.filter((f) => f !== 'README.md'))(
    '%s',
    async (file) => {
      const blocks = readShBlocks(join(repoRoot, file));
      await run(file, blocks, 2 * 60_000);
    },
    3 * 60_000,
  );

  it(
    'the next steps `npm start` printed run as printed, and its files are where it said',
    async () => {
      const out = demo;
      const steps = /^Next steps:.*\n((?: {2}.*\n)+)/m.exec(out);
      expect(steps, 'npm start printed no next steps').not.toBeNull();
      const commands = steps![1]!.replace(/^ {2}/gm, '');
      await run('the next steps of npm start', extractShBlocks(`\`\`\`sh\n${commands}\`\`\``), 2 * 60_000);
      const removal = /remove them with:\n {2}(rm -rf (\S+))\n/.exec(out);
      expect(removal, 'npm start did not say how to remove its files').not.toBeNull();
      expect(existsSync(removal![2]!)).toBe(true);
      await run('the removal npm start printed', extractShBlocks(`\`\`\`sh\n${removal![1]}\n\`\`\``), 10_000);
      expect(existsSync(removal![2]!)).toBe(false);
    },
    3 * 60_000,
  );
});
