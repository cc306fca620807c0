import { resolve } from 'node:path';
import type { FileResult } from '@dds-backup/client/download';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { intOption, parseCommandArgs, required, secondsOption } from '../parse.js';
import { ALREADY_COMPLETE } from '../progress/file-outcome.js';
import { ndjsonRenderer, type ProgressRenderer, plainRenderer, ttyRenderer } from '../progress/renderers.js';
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
  const instanceId = required(values, 'instance-id');
  const backupId = required(values, 'backup-id');
  const { downloadBackup, unsafeNameReason } = await import('@dds-backup/client/download');
  if (typeof values.dir !== 'string') {
    // The default directory is ./BACKUP_ID: an ID like ../../x must not pick a path elsewhere.
    const reason = unsafeNameReason(backupId);
    if (reason)
      throw new UsageError(
        `--backup-id ${JSON.stringify(backupId)} cannot be the default directory name (${reason}): pass --dir DIR.`,
      );
  }
  const dir = resolve(context.cwd ?? process.cwd(), typeof values.dir === 'string' ? values.dir : backupId);
  const concurrency = intOption(values, 'concurrency', 4, { min: 1, max: 32 });
  const segmentsPerFile = intOption(values, 'segments', 4, { min: 1, max: 32 });
  // The speed floor and stall timeout (defaults: see command-table.ts; a 1 byte/s drip is given
  // up on, retries included, within about two minutes).
  const speedLimit = intOption(values, 'speed-limit', 1024, { min: 0, max: 2 ** 40 });
  const speedTimeMs = secondsOption(values, 'speed-time', 30);
  const stallTimeoutMs = secondsOption(values, 'stall-timeout', 30);
  const client = await buildClient(values, context);

  const quiet = values.quiet === true;
  const color = values['no-color'] !== true && !context.env.NO_COLOR && context.stderr.isTTY === true;
  const renderer: ProgressRenderer | undefined = values.json
    ? ndjsonRenderer(context.stdout)
    : quiet
      ? undefined
      : context.stderr.isTTY
        ? ttyRenderer(context.stderr, { color })
        : plainRenderer(context.stderr);

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
      onEvent: (event) => renderer?.onEvent(event as never),
    });
    renderer?.finish();
    if (!quiet && !values.json) context.stderr.write(summary(result.files, dir, Date.now() - started));
    return 0;
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
