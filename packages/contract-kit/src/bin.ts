#!/usr/bin/env node
// A shim: the suite, the spec and ajv load only once the arguments are known to be good.
import('./cli.js')
  .then(
    async (cli) => {
      process.exitCode = await cli.main(process.argv.slice(2), {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
      });
    },
    (error: unknown) => {
      process.stderr.write(`dds-backup-contract: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  )
  .catch((error: unknown) => {
    process.stderr.write(`dds-backup-contract: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
