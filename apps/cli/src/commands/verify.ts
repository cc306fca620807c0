import { resolve } from 'node:path';
import { printableName, SIZE_ONLY, type VerifiedFile } from '@dds-backup/client/download';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatBytes } from '../output/units.js';
import { parseCommandArgs, required } from '../parse.js';

const EXPLAIN: Record<string, string> = {
  ok: 'ok',
  missing: 'MISSING: the file is gone',
  'size-mismatch': 'SIZE DIFFERS from the download',
  'sha256-mismatch': 'CHANGED since the download: its SHA-256 differs',
  'md5-mismatch': 'MD5 DIFFERS from the download',
  'no-checksum': `NO CHECKSUM: ${SIZE_ONLY} (--require-checksum)`,
  'unsafe-name': 'REFUSED: the manifest names a path outside the directory; not opened',
  incomplete: 'INCOMPLETE: run the download again to finish it',
  failed: 'FAILED verification when downloaded: run the download again',
};

/** What an ok line says was checked: never "verified" alone for a size-only file. */
function checked(f: VerifiedFile): string {
  const now = f.sha256Checked ? 'size and SHA-256 unchanged since the download' : 'size';
  const server =
    f.checksum === 'md5' ? (f.md5Checked ? 'MD5 matched the server at download' : 'MD5 not recorded') : SIZE_ONLY;
  return `${now}; ${server}`;
}

/** `dds-backup verify --dir DIR`: offline re-check against the manifest; exit 6 on a mismatch, 5 when only unfinished. */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values } = parseCommandArgs(argv, findCommand('verify')!.options);
  const dir = resolve(context.cwd ?? process.cwd(), required(values, 'dir'));
  const { verifyDownload } = await import('@dds-backup/client/download');
  const result = await verifyDownload({
    dir,
    requireChecksum: values['require-checksum'] === true,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  if (values.quiet !== true) {
    for (const f of result.files) {
      const size = f.actualBytes === undefined ? '' : ` ${formatBytes(f.actualBytes)}`;
      // A manifest is a file anyone can edit: names are shown escaped where they would not print as themselves.
      const name = printableName(f.name);
      context.stdout.write(
        `${f.status === 'ok' ? 'ok  ' : 'BAD '} ${name}${size}: ${EXPLAIN[f.status]}${f.status === 'ok' ? ` (${checked(f)})` : ''}\n`,
      );
    }
  }
  if (result.files.length === 0) {
    context.stderr.write(`error: the manifest in ${dir} lists no files.\n`);
    return EXIT.VERIFICATION;
  }
  const bad = result.files.filter((f) => f.status !== 'ok');
  if (bad.length > 0 && bad.every((f) => f.status === 'incomplete')) {
    // Not a verification failure: the download is unfinished and resumable (exit code 5).
    context.stderr.write(
      `error: ${bad.length} file(s) in ${dir} are not finished: run the download again to resume.\n`,
    );
    return EXIT.RESUMABLE;
  }
  if (bad.length > 0) {
    context.stderr.write(`error: ${bad.length} of ${result.files.length} file(s) failed verification in ${dir}.\n`);
    return EXIT.VERIFICATION;
  }
  if (values.quiet !== true) {
    const n = result.files.length;
    const sizeOnly = result.files.filter((f) => f.checksum === 'size-only').length;
    const unhashed = result.files.filter((f) => !f.sha256Checked && !f.md5Checked).length;
    const notes: string[] = [];
    if (sizeOnly)
      notes.push(
        `${sizeOnly} of them size only against the server: it gives no checksum for ${sizeOnly === 1 ? 'this file' : 'these files'}`,
      );
    if (unhashed) notes.push(`${unhashed} checked by size alone (downloaded before SHA-256s were recorded)`);
    context.stdout.write(
      `All ${n} file(s) in ${dir} match the download${notes.length ? ` (${notes.join('; ')})` : ' (size and SHA-256)'}.\n`,
    );
  }
  return EXIT.OK;
}
