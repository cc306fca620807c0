// Shared by every generator in the repo: write generated files, or (with --check) compare what
// would be written with what is committed and fail with the command to run. The check renders in
// memory instead of regenerating in place, so it can fail even when run after `generate`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';

/** @param {Map<string, string>} files absolute path -> content */
export async function writeOrCheck(files, { check = process.argv.includes('--check'), command }) {
  const stale = [];
  for (const [path, content] of files) {
    if (check) {
      const current = await readFile(path, 'utf8').catch(() => null);
      if (current !== content) stale.push(relative(process.cwd(), path));
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
  }
  if (stale.length > 0) {
    console.error(
      `Generated files are stale or missing: ${stale.join(', ')}.\n` +
        `Their source (the OpenAPI spec, or the CLI's command table) changed without regenerating. Run \`${command}\` at the repo root and commit the result.`,
    );
    process.exitCode = 1;
  }
}
