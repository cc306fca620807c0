#!/usr/bin/env node
// The bin npm links. It is committed, not built, because npm links a workspace's bin only when
// the file exists at install time, and dist/ is built after `npm ci`. It loads the built code,
// or says how to build it.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  process.stderr.write(
    'dds-backup-mock: not built yet (no dist/bin.js). Run `npm run build` at the repository root, then run this again.\n',
  );
  process.exitCode = 1;
}
