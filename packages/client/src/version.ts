import { createRequire } from 'node:module';

/** This package's version (sent in the User-Agent). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
