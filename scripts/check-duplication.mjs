// Copy-paste check of every package's and app's src/ (`npm test` runs it; about a second). jscpd
// finds blocks of 8+ lines and 70+ tokens that occur twice; any such block fails the check unless
// it is listed in KNOWN below with the reason it stays. A new copy fails: merge it into one
// function, or add it here with a reason a reviewer can judge.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const SOURCES = ['packages', 'apps'];
const IGNORE = ['**/node_modules/**', '**/dist/**', '**/test/**', '**/generated/**', '**/bin/**', '**/scripts/**'];

/** Clones that stay, as the two files they are in (in either order), each with its reason. */
const KNOWN = [];

const out = mkdtempSync(join(tmpdir(), 'dds-backup-jscpd-'));
try {
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/jscpd/run-jscpd.js'),
      '--min-lines',
      '8',
      '--min-tokens',
      '70',
      '--format',
      'typescript',
      '--ignore',
      IGNORE.join(','),
      '--reporters',
      'json',
      '--absolute',
      '--output',
      out,
      ...SOURCES.map((s) => join(root, s)),
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) {
    process.stderr.write(`jscpd failed (exit ${run.status}):\n${run.stderr}${run.stdout}`);
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(join(out, 'jscpd-report.json'), 'utf8'));
  const rel = (file) => relative(root, file.name);
  const known = (a, b) => KNOWN.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const found = report.duplicates.map((d) => [rel(d.firstFile), rel(d.secondFile), d]);
  const fresh = found.filter(([a, b]) => !known(a, b));
  const stale = KNOWN.filter(([x, y]) => !found.some(([a, b]) => (a === x && b === y) || (a === y && b === x)));
  for (const [a, b, d] of fresh)
    process.stderr.write(
      `copied code: ${a}:${d.firstFile.start}-${d.firstFile.end} = ${b}:${d.secondFile.start}-${d.secondFile.end} (${d.lines} lines)\n`,
    );
  // A listed clone that is gone: drop it from KNOWN, so the list stays the truth.
  for (const [x, y] of stale) process.stderr.write(`no longer a clone, remove from KNOWN: ${x} ~ ${y}\n`);
  if (fresh.length || stale.length) {
    process.stderr.write(
      'Merge the copies into one function, or list them in scripts/check-duplication.mjs with a reason.\n',
    );
    process.exit(1);
  }
  process.stdout.write(
    `No new copied code in ${report.statistics.total.sources} files (${found.length} known clone(s), listed with reasons).\n`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
