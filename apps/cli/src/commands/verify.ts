import { resolve } from 'node:path';
import { printableName, SIZE_ONLY, type VerifiedFile } from '@dds-backup/client/download';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatBytes } from '../output/units.js';
import { type ParsedValues, parseCommandArgs, required } from '../parse.js';
import { checkS3Flags, s3Settings } from '../s3-settings.js';
import { networkOptions } from '../settings.js';
import { UsageError } from '../usage-error.js';

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
  const to = checkS3Flags(values, ['dir', 'require-checksum', 's3-part-size']);
  if (to !== undefined) return verifyBucket(to, values, context);
  for (const flag of ['instance-id', 'backup-id', 'recheck'])
    if (values[flag] !== undefined)
      throw new UsageError(
        `--${flag} goes with --to s3://... (verify --dir always re-hashes every file the manifest lists).`,
      );
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

const EXPLAIN_S3: Record<string, string> = {
  ok: 'ok',
  missing: 'MISSING: no object under the key',
  'size-mismatch': 'SIZE DIFFERS from what was verified',
  'not-ours': 'REPLACED: the object under the key was not written by dds-backup for this file',
  'etag-mismatch': 'CHANGED: its ETag is not the one verified (another object)',
  'sha256-mismatch': 'SHA-256 DIFFERS from what was verified',
  unverified: 'UNVERIFIED: written by dds-backup but never tagged as verified; run the download again',
};

/**
 * `verify --to s3://...`: the bucket against the mirror manifest (or each object's own metadata
 * and tags). Exit 0 all ok, 6 any mismatch (missing included, as for --dir); a missing bucket or
 * nothing to verify 1, refused S3 credentials 3 (thrown, mapped by the one exit-code table).
 */
async function verifyBucket(to: string, values: ParsedValues, context: CliContext): Promise<ExitCode> {
  const { verifyS3, networkSettings } = await import('@dds-backup/client/s3');
  // The same proxy and CAs as download/mirror --to (flags, proxy variables, then the profile's
  // proxy and ca_file), read without building an API client: verify makes no DDS API call.
  const { proxy, ca } = await networkOptions(values, context.env);
  const recheck = values.recheck === true;
  const result = await verifyS3({
    to,
    s3: s3Settings(values, context),
    env: context.env,
    network: networkSettings({
      ...(proxy !== undefined ? { proxy } : {}),
      ...(ca ? { ca } : {}),
      env: context.env,
    }),
    ...(typeof values['instance-id'] === 'string' ? { instanceId: values['instance-id'] } : {}),
    ...(typeof values['backup-id'] === 'string' ? { backupId: values['backup-id'] } : {}),
    recheck,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  // What an ok line checked, said plainly: without --recheck no byte was read back.
  const what = recheck
    ? 'bytes read back, SHA-256 matches'
    : result.reference === 'mirror-manifest'
      ? 'size, ETag, metadata and SHA-256 tag match the mirror manifest; bytes not read'
      : 'size matches its metadata, tagged verified; bytes not read';
  if (values.quiet !== true)
    for (const f of result.files) {
      const size = f.bytes === undefined ? '' : ` ${formatBytes(f.bytes)}`;
      context.stdout.write(
        `${f.status === 'ok' ? 'ok  ' : 'BAD '} s3://${to.slice(5).split('/')[0]}/${printableName(f.key)}${size}: ${f.status === 'ok' ? `ok (${what})` : EXPLAIN_S3[f.status]}\n`,
      );
    }
  const bad = result.files.filter((f) => f.status !== 'ok');
  if (bad.length > 0) {
    context.stderr.write(
      `error: ${bad.length} of ${result.files.length} object(s) in ${to} failed verification${result.manifestPath ? ` against ${result.manifestPath}` : ''}. Run the same mirror (or download --to) again to upload them anew.\n`,
    );
    return EXIT.VERIFICATION;
  }
  if (values.quiet !== true)
    context.stdout.write(
      `All ${result.files.length} object(s) in ${to} match ${result.reference === 'mirror-manifest' ? `the mirror manifest (${result.manifestPath})` : 'the metadata and tags they were written with'}: ${what}.\n`,
    );
  return EXIT.OK;
}
