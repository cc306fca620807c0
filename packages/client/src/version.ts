import { readFileSync } from 'node:fs';

/**
 * This package's version (sent in the User-Agent). Read with readFileSync, not createRequire:
 * a require() from ESM starts the CommonJS loader, ~2 ms of every start-up (issue #15).
 */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
