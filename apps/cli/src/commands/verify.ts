import { resolve } from 'node:path';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { formatBytes } from '../output/units.js';
import { parseCommandArgs, required } from '../parse.js';

const EXPLAIN: Record<string, string> = {
  ok: 'ok',
  missing: 'MISSING: the file is gone',
  'size-mismatch': 'SIZE DIFFERS from the download',
  'md5-mismatch': 'MD5 DIFFERS from the download',
  incomplete: 'INCOMPLETE: run the download again to finish it',
  failed: 'FAILED verification when downloaded: run the download again',
};

/** `dds-backup verify --dir DIR`: offline re-check against the manifest; exit 6 on a mismatch, 5 when only unfinished. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('verify')!.options);
  const dir = resolve(context.cwd ?? process.cwd(), required(values, 'dir'));
  const { verifyDownload } = await import('@dds-backup/client/download');
  const result = await verifyDownload({ dir, ...(context.signal ? { signal: context.signal } : {}) });
  if (values.quiet !== true) {
    for (const f of result.files) {
      const size = f.actualBytes === undefined ? '' : ` ${formatBytes(f.actualBytes)}`;
      context.stdout.write(
        `${f.status === 'ok' ? 'ok  ' : 'BAD '} ${f.name}${size}: ${EXPLAIN[f.status]}${f.status === 'ok' ? (f.md5Checked ? ' (size and MD5)' : ' (size)') : ''}\n`,
      );
    }
  }
  if (result.files.length === 0) {
    context.stderr.write(`error: the manifest in ${dir} lists no files.\n`);
    return 6;
  }
  const bad = result.files.filter((f) => f.status !== 'ok');
  if (bad.length > 0 && bad.every((f) => f.status === 'incomplete')) {
    // Not a verification failure: the download is unfinished and resumable (exit code 5).
    context.stderr.write(
      `error: ${bad.length} file(s) in ${dir} are not finished: run the download again to resume.\n`,
    );
    return 5;
  }
  if (bad.length > 0) {
    context.stderr.write(`error: ${bad.length} of ${result.files.length} file(s) failed verification in ${dir}.\n`);
    return 6;
  }
  if (values.quiet !== true) context.stdout.write(`All ${result.files.length} file(s) verified in ${dir}.\n`);
  return 0;
}
