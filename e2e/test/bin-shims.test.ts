// The three bins npm links are committed shims over dist/bin.js (npm links a bin only if its file
// exists at install time, and dist/ is built after `npm ci`). Built, they run the CLI; not built,
// they say what to run instead of failing with a module-not-found stack.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo-copy.js';

const shims = [
  { dir: 'apps/cli', name: 'dds-backup' },
  { dir: 'apps/mock-server', name: 'dds-backup-mock' },
  { dir: 'packages/contract-kit', name: 'dds-backup-contract' },
];
const work = await mkdtemp(join(tmpdir(), 'dds-backup-shims-'));
afterAll(() => rm(work, { recursive: true, force: true }));

describe.each(shims)('$name', ({ dir, name }) => {
  const shim = join(repoRoot, dir, 'bin', `${name}.mjs`);

  it('is the package bin, executable, with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ [name]: `./bin/${name}.mjs` });
    expect(readFileSync(shim, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(shim).mode & 0o111).toBe(0o111);
  });

  it('runs the built code', () => {
    const r = spawnSync(shim, ['--help'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: ${name}`);
  });

  it('not built: exit 1 and says to run npm run build', () => {
    const copy = join(work, name, 'bin');
    mkdirSync(copy, { recursive: true });
    copyFileSync(shim, join(copy, `${name}.mjs`));
    const r = spawnSync(process.execPath, [join(copy, `${name}.mjs`), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${name}: not built yet (no dist/bin.js). Run \`npm run build\` at the repository root, then run this again.\n`,
    );
  });
});
