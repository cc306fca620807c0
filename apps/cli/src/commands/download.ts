import { resolve } from 'node:path';
import type { FileResult } from '@dds-backup/client/download';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { intOption, type ParsedValues, parseCommandArgs, required, secondsOption } from '../parse.js';
import { ALREADY_COMPLETE } from '../progress/file-outcome.js';
import { ndjsonRenderer, type ProgressRenderer, plainRenderer, ttyRenderer } from '../progress/renderers.js';
import { checkS3Flags, s3PartSize, s3Settings } from '../s3-settings.js';
import { buildClient } from '../settings.js';
import { UsageError } from '../usage-error.js';

/** `dds-backup download`: the whole backup, with the engine's refresh, resume and verification. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  try {
    return await download(argv, context);
  } catch (error) {
    // --json: the stream ends with what went wrong (usage and credential errors included), so a
    // consumer never sees a silent stop.
    if (argv.includes('--json')) {
      const { errorEvent } = await import('../report-error.js');
      context.stdout.write(`${JSON.stringify(await errorEvent(error, context.signal))}\n`);
    }
    throw error;
  }
}

async function download(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('download')!.options);
  const latest = values.latest === true;
  if (latest && values['backup-id'] !== undefined)
    throw new UsageError(
      '--latest and --backup-id exclude each other: pass --backup-id ID for one backup, or --latest for the newest COMPLETED full backup of --instance-id.',
    );
  const instanceId = required(values, 'instance-id');
  const to = checkS3Flags(values, ['dir', 'recheck']);
  let backupId = latest ? '' : required(values, 'backup-id');
  const { downloadBackup, unsafeNameReason } = await import('@dds-backup/client/download');
  const checkDefaultDir = (id: string) => {
    if (typeof values.dir === 'string') return;
    // The default directory is ./BACKUP_ID: an ID like ../../x (typed, or listed by the API for
    // --latest) must not pick a path elsewhere.
    const reason = unsafeNameReason(id);
    if (reason)
      throw new UsageError(
        `--backup-id ${JSON.stringify(id)} cannot be the default directory name (${reason}): pass --dir DIR.`,
      );
  };
  if (!latest && typeof values.to !== 'string') checkDefaultDir(backupId);
  const concurrency = intOption(values, 'concurrency', 4, { min: 1, max: 32 });
  const segmentsPerFile = intOption(values, 'segments', 4, { min: 1, max: 32 });
  // The speed floor and stall timeout (defaults: see command-table.ts; a 1 byte/s drip is given
  // up on, retries included, within about two minutes).
  const speedLimit = intOption(values, 'speed-limit', 1024, { min: 0, max: 2 ** 40 });
  const speedTimeMs = secondsOption(values, 'speed-time', 30);
  const stallTimeoutMs = secondsOption(values, 'stall-timeout', 30);
  const client = await buildClient(values, context);
  if (latest) {
    // Resolved first, then exactly the --backup-id path (same default dir, same output).
    const newest = await client.latestBackup(instanceId, context.signal ? { signal: context.signal } : {});
    if (!newest) {
      const message = `instance ${instanceId} has no COMPLETED full backup to download.`;
      if (values.json)
        context.stdout.write(
          `${JSON.stringify({ type: 'error', exitCode: EXIT.NOT_FOUND, name: 'NoBackupError', message })}\n`,
        );
      context.stderr.write(
        `error: ${message}\nhint: see \`dds-backup backups --instance-id ${instanceId}\` (a backup still BUILDING is listed, not downloadable yet).\n`,
      );
      return EXIT.NOT_FOUND;
    }
    backupId = newest.id;
    if (values.quiet !== true)
      context.stderr.write(
        `Latest COMPLETED full backup of ${instanceId}: ${backupId} (ended ${newest.end_time} UTC).\n`,
      );
  }
  if (to === undefined) checkDefaultDir(backupId);
  if (to !== undefined) {
    return downloadToS3(values, context, {
      client,
      instanceId,
      backupId,
      to,
      concurrency,
      segmentsPerFile,
      speedLimit,
      speedTimeMs,
      stallTimeoutMs,
    });
  }
  const dir = resolve(context.cwd ?? process.cwd(), typeof values.dir === 'string' ? values.dir : backupId);

  const quiet = values.quiet === true;
  const renderer = progressRenderer(values, context);

  const started = Date.now();
  try {
    const result = await downloadBackup({
      client,
      instanceId,
      backupId,
      dir,
      concurrency,
      segmentsPerFile,
      speedLimit,
      speedTimeMs,
      stallTimeoutMs,
      verify: values['no-verify'] !== true,
      requireChecksum: values['require-checksum'] === true,
      recheck: values.recheck === true,
      force: values.force === true,
      ...(context.signal ? { signal: context.signal } : {}),
      onEvent: (event) => renderer?.onEvent(event),
    });
    renderer?.finish();
    if (!quiet && !values.json) context.stderr.write(summary(result.files, dir, Date.now() - started));
    return EXIT.OK;
  } catch (error) {
    renderer?.finish();
    throw error;
  }
}

/**
 * The closing lines: what this run downloaded and what exactly was checked, apart from what was
 * already complete (which this run did not download, so never "Downloaded" nor "verified").
 */
export function summary(files: readonly FileResult[], dir: string, ms: number): string {
  const fetched = files.filter((f) => !f.skipped);
  const skipped = files.filter((f) => f.skipped);
  const lines: string[] = [];
  if (fetched.length > 0) {
    const bytes = fetched.reduce((s, f) => s + f.bytes, 0);
    const verified = fetched.filter((f) => f.md5Verified).length;
    const sizeOnly = fetched.filter((f) => f.checksum === 'size-only').length;
    const unchecked = fetched.length - verified - sizeOnly;
    const checks = ['sizes checked'];
    if (verified) checks.push(`MD5 verified for ${verified}`);
    if (sizeOnly)
      checks.push(
        `${sizeOnly} size only: the server gives no checksum for ${sizeOnly === 1 ? 'this file' : 'these files'}`,
      );
    if (unchecked) checks.push(`MD5 not checked for ${unchecked} (--no-verify)`);
    lines.push(
      `Downloaded ${fetched.length} file(s), ${formatBytes(bytes)}, to ${dir} in ${formatDuration(ms)} (${checks.join('; ')}). ` +
        'SHA-256 recorded: `dds-backup verify` detects any later change.',
    );
  }
  if (skipped.length > 0) {
    const rechecked = skipped.every((f) => f.rechecked);
    lines.push(
      fetched.length === 0
        ? `All ${skipped.length} file(s) in ${dir} ${rechecked ? 'already complete (SHA-256 rechecked, unchanged)' : ALREADY_COMPLETE}.`
        : `${skipped.length} file(s) ${rechecked ? 'already complete (SHA-256 rechecked, unchanged)' : ALREADY_COMPLETE}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `download --to s3://...`: the engine's S3 destination, with the same renderers as a directory. */
async function downloadToS3(
  values: ParsedValues,
  context: CliContext,
  o: {
    client: Awaited<ReturnType<typeof buildClient>>;
    instanceId: string;
    backupId: string;
    to: string;
    concurrency: number;
    segmentsPerFile: number;
    speedLimit: number;
    speedTimeMs: number;
    stallTimeoutMs: number;
  },
): Promise<number> {
  const s3 = s3Settings(values, context);
  const { downloadBackupToS3 } = await import('@dds-backup/client/s3');
  const quiet = values.quiet === true;
  const renderer = progressRenderer(values, context);
  const started = Date.now();
  try {
    const result = await downloadBackupToS3({
      client: o.client,
      instanceId: o.instanceId,
      backupId: o.backupId,
      to: o.to,
      s3,
      env: context.env,
      partSize: s3PartSize(values),
      concurrency: o.concurrency,
      partsPerFile: o.segmentsPerFile,
      speedLimit: o.speedLimit,
      speedTimeMs: o.speedTimeMs,
      stallTimeoutMs: o.stallTimeoutMs,
      verify: values['no-verify'] !== true,
      requireChecksum: values['require-checksum'] === true,
      force: values.force === true,
      ...(context.signal ? { signal: context.signal } : {}),
      onEvent: (event) => renderer?.onEvent(event),
    });
    renderer?.finish();
    if (!quiet && !values.json) {
      const fetched = result.files.filter((f) => !f.skipped);
      const where = `s3://${result.bucket}/${result.files[0]!.key.replace(/[^/]*$/, '')}`;
      const md5 = fetched.filter((f) => f.md5Verified).length;
      const sizeOnly = fetched.length - md5;
      const checks = [
        ...(md5 > 0 ? [`${md5} MD5 verified`] : []),
        ...(sizeOnly > 0 ? [`${sizeOnly} size only: the server gives no checksum for this file`] : []),
        'size and ETag read back from the bucket',
      ];
      context.stderr.write(
        fetched.length > 0
          ? `Uploaded ${fetched.length} file(s), ${formatBytes(fetched.reduce((n, f) => n + f.bytes, 0))}, to ${where} in ${formatDuration(Date.now() - started)} (${checks.join('; ')}).` +
              (result.files.length > fetched.length
                ? ` ${result.files.length - fetched.length} file(s) were already in the bucket, written and verified by an earlier run.`
                : '') +
              '\n'
          : `All ${result.files.length} file(s) already in ${where}, written and verified by an earlier run.\n`,
      );
    }
    return EXIT.OK;
  } catch (error) {
    renderer?.finish();
    throw error;
  }
}

/** The progress view of a download, to disk or to S3: NDJSON, none (--quiet), a TTY view or plain lines. */
function progressRenderer(values: ParsedValues, context: CliContext): ProgressRenderer | undefined {
  if (values.json) return ndjsonRenderer(context.stdout);
  if (values.quiet === true) return undefined;
  const color = values['no-color'] !== true && !context.env.NO_COLOR && context.stderr.isTTY === true;
  return context.stderr.isTTY ? ttyRenderer(context.stderr, { color }) : plainRenderer(context.stderr);
}
