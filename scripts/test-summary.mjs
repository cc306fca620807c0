// Sums the Vitest JSON reports each workspace's `test` task writes (test-results.json) and prints
// the plain `N passed, N failed` line CI reads. A workspace with tests but no report counts as a
// failure, so a run that silently skipped a project cannot look green; so does a project whose
// tests left files in their temp directory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = [
  'openapi',
  'bench',
  'e2e',
  ...['packages', 'apps'].flatMap((d) => readdirSync(join(root, d)).map((n) => join(d, n))),
];
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const ws of workspaces) {
  const dir = join(root, ws);
  if (!existsSync(join(dir, 'test'))) continue;
  // Written by scripts/vitest-temp-dir.mjs when the project's tests left files in their temp dir.
  const leftovers = join(dir, 'temp-leftovers.json');
  if (existsSync(leftovers)) {
    const { left } = JSON.parse(readFileSync(leftovers, 'utf8'));
    console.log(`${ws}: the tests left ${left.length} entries in their temp directory: ${left.join(', ')}`);
    failed++;
  }
  const report = join(dir, 'test-results.json');
  if (!existsSync(report)) {
    missing.push(ws);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A suite that failed to load has no failed tests but is a failure all the same.
  failed += (r.testResults ?? []).filter(
    (t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0,
  ).length;
}
if (missing.length > 0) {
  console.log(`No test report from: ${missing.join(', ')} (its tests did not run).`);
  failed += missing.length;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
