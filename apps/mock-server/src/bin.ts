#!/usr/bin/env node
// A shim: everything (the HTTP stack, ajv, the spec) loads lazily, so start-up stays fast.
import('./cli.js').then(
  (cli) => cli.main(process.argv.slice(2)),
  (error: unknown) => {
    process.stderr.write(`dds-backup-mock: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
