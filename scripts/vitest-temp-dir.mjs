// Vitest globalSetup of every project: the project's tests run with TMPDIR set to a directory of
// their own (vitest.config.ts), created here, and checked when the project ends. Whatever a test
// left there (a temp dir it made and never removed, also by a child process that inherited the
// environment) fails the run: it is listed in temp-leftovers.json beside the project's
// test-results.json (scripts/test-summary.mjs counts it as a failure), then removed, so a leak is
// reported once and never piles up in the machine's temp directory.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default function setup(project) {
  const dir = project.config.env.TMPDIR;
  const report = join(project.config.root, 'temp-leftovers.json');
  rmSync(report, { force: true });
  mkdirSync(dir, { recursive: true });
  return () => {
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    writeFileSync(report, `${JSON.stringify({ project: project.name, left }, null, 2)}\n`);
    throw new Error(
      `The ${project.name} tests left ${left.length} entries in their temp directory (a test that does not remove what it creates): ${left.slice(0, 10).join(', ')}`,
    );
  };
}
