// CI smoke test of the benchmarks: `npm run bench -- --quick` must be able to run every
// comparison. It never fails on a threshold (the machine is shared and noisy), only when a
// comparison could not run at all.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('../run.mjs', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs every comparison and reports a table for each', { timeout: 180_000 }, () => {
    const r = spawnSync(process.execPath, [runner, '--quick'], { encoding: 'utf8', timeout: 170_000 });
    expect(r.stdout, r.stderr).not.toContain('Could not run');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const title of [
      'Mock API throughput',
      'Download throughput',
      'Object serving',
      'CLI cold start',
      'Resume cost',
      'Scaling',
      'Mirror vs one download per backup',
    ]) {
      expect(r.stdout).toContain(`## ${title}`);
    }
    expect(r.stdout).toMatch(/\| our mock \(token\) \| [\d,]+ /);
  });
});
