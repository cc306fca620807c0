// A copy of the repository as a fresh clone would have it: the committed tree plus what the work
// tree changed and has not committed yet (so a developer's uncommitted change is what is tested),
// and nothing that git ignores (no node_modules, no dist/).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const git = (args: string[], cwd = repoRoot) => execFileSync('git', args, { cwd, encoding: 'utf8' });
const zlist = (text: string) => text.split('\0').filter(Boolean);

export function copyRepository(target: string): void {
  git(['clone', '--quiet', '--no-hardlinks', repoRoot, target], dirname(target));
  for (const file of zlist(git(['ls-files', '-z', '--modified', '--others', '--exclude-standard']))) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(target, file), { force: true });
  }
  for (const file of zlist(git(['ls-files', '-z', '--deleted']))) rmSync(join(target, file), { force: true });
}

/**
 * The environment of a newcomer's shell: this process's, without what npm, turbo and vitest set
 * for the running suite (a nested npm must not think it runs inside this tree's scripts), without
 * this tree's node_modules/.bin on PATH, and without real cloud credentials.
 */
export function newcomerEnv(extra: Record<string, string>, pathPrefix: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|TURBO_|VITEST|NODE_ENV$|NODE_OPTIONS$|HUAWEICLOUD_|DDS_BACKUP_|TEST$)/i.test(k)) continue;
    env[k] = v;
  }
  const path = (process.env.PATH ?? '').split(':').filter((p) => p && !p.includes('node_modules'));
  env.PATH = [...pathPrefix, ...path].join(':');
  return { ...env, ...extra };
}
