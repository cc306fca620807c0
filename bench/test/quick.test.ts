// CI smoke test of the benchmarks: `npm run bench -- --quick` must be able to run every
// comparison. It never fails on a threshold (the machine is shared and noisy), only when a
// comparison could not run at all.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('../run.mjs', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs every comparison and reports a table for each', { timeout: 300_000 }, () => {
    const r = spawnSync(process.execPath, [runner, '--quick'], { encoding: 'utf8', timeout: 290_000 });
    expect(r.stdout, r.stderr).not.toContain('Could not run');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const title of [
      'Mock API throughput',
      'Download throughput',
      'Object serving',
      'CLI cold start',
      'Resume cost',
      'Through a ',
      'Time to first object byte',
      'Scaling',
      'Streaming into S3',
      'Mirror vs one download per backup',
      'Object transport choice',
    ]) {
      expect(r.stdout).toContain(`## ${title}`);
    }
    expect(r.stdout).toMatch(/\| our mock \(token\) \| [\d,]+ /);
    // The rows issues #15 and #16 ask for, each with a number (not n/a) against its peer.
    expect(r.stdout).toMatch(/\| bare node:http from memory \| [\d,]+ /);
    expect(r.stdout).toMatch(/\| curl \\\| tee \\\| openssl dgst -sha256, tmpfs \| [\d,]+ /);
    expect(r.stdout).toMatch(/\| dds-backup download \(--segments 1\), disk \| [\d,]+ /);
    expect(r.stdout).toMatch(/\| node: http\.get \\\| fs\.createWriteStream \(no hash\), tmpfs \| [\d,]+ /);
    expect(r.stdout).toMatch(/\| kill at 0\.5 s \| /);
    expect(r.stdout).toMatch(/\| `node empty\.mjs` \| [\d.,]+ /);
    // The profile behind a first-byte miss: each phase timed (a number, not n/a).
    expect(r.stdout).toMatch(/\| -> the first object byte leaves the mock \| [\d.,]+ \|/);
    expect(r.stdout).toMatch(/\| dds-backup download --segments 8 \| [\d.,]+ /);
    expect(r.stdout).toMatch(/\| curl LINK \\\| aws s3 cp - s3:\/\/… \| [\d,]+ /);
    // The peak RSS of --to s3:// with where its bytes were (heap, ArrayBuffers, the rest), as numbers.
    expect(r.stdout).toMatch(/\| 8 MiB \| [\d.,]+ \| [\d.,]+ \| [\d.,]+ \| -?[\d.,]+ \|/);
  });
});
