// The published shape: built ESM with types; the main entry and the bin resolve from a plain Node
// process (no `source` condition, no TypeScript), as a partner's CI would run them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8'));

describe('@dds-backup/contract-kit as published', () => {
  it('every export points at built JS and .d.ts files; the bin starts with a shebang', () => {
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, Record<string, string> | string>)) {
      if (typeof target === 'string') continue;
      expect(existsSync(`${pkgDir}${target.default}`), `${subpath} -> ${target.default} (run npm run build)`).toBe(
        true,
      );
      expect(existsSync(`${pkgDir}${target.types}`), `${subpath} -> ${target.types}`).toBe(true);
      expect(existsSync(`${pkgDir}${target.source}`), `${subpath} -> ${target.source}`).toBe(true);
    }
    const bin = readFileSync(`${pkgDir}${pkg.bin['dds-backup-contract']}`, 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(pkg.peerDependenciesMeta.vitest.optional).toBe(true);
  });

  it('the main entry resolves from a plain Node script', () => {
    const script = `
      const kit = await import('@dds-backup/contract-kit');
      console.log(JSON.stringify([typeof kit.runConformance, typeof kit.assertConforms, kit.listChecks().length]));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgDir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const [run, assert, checks] = JSON.parse(r.stdout);
    expect([run, assert]).toEqual(['function', 'function']);
    expect(checks).toBeGreaterThan(10);
  });

  it('dds-backup-contract --help answers without credentials', () => {
    const r = spawnSync(process.execPath, [`${pkgDir}dist/bin.js`, '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: dds-backup-contract verify/);
  });
});
