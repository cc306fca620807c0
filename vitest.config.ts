import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One project per workspace package. Each package's `npm test` runs its own project (turbo
// fans them out); `.ci/run` sums their JSON reports into the closing `N passed, N failed` line.
// The `source` export condition makes tests import sibling packages from src/, so a test never
// runs against a stale dist/.
// Each project's tests get a temp directory of their own (TMPDIR, so os.tmpdir() and child
// processes that inherit the environment use it); scripts/vitest-temp-dir.mjs creates it and fails
// the run when a test leaves anything in it. The machine's temp dir is read once, here, before any
// project has changed TMPDIR.
const machineTmp = tmpdir();
const project = (name: string, root: string) => ({
  extends: true as const,
  test: {
    name,
    // Absolute roots: each package's `npm test` runs vitest from its own directory.
    root: fileURLToPath(new URL(root, import.meta.url)),
    include: ['test/**/*.test.ts'],
    env: { TMPDIR: join(machineTmp, `dds-backup-test-${process.pid}-${name}`) },
    globalSetup: [fileURLToPath(new URL('scripts/vitest-temp-dir.mjs', import.meta.url))],
  },
});

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      project('openapi', 'openapi'),
      project('contract', 'packages/contract'),
      project('signer', 'packages/signer'),
      project('client', 'packages/client'),
      project('mock-server', 'apps/mock-server'),
      project('cli', 'apps/cli'),
      project('contract-kit', 'packages/contract-kit'),
      project('bench', 'bench'),
      project('e2e', 'e2e'),
    ],
  },
});
