import { resolve } from 'node:path';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT, exitCodeOf, mirrorExitCode } from '../exit-codes.js';
import { intOption, parseCommandArgs, required } from '../parse.js';
import {
  type MirrorRenderer,
  mirrorNdjsonRenderer,
  mirrorPlainRenderer,
  mirrorTtyRenderer,
} from '../progress/mirror-renderers.js';
import { checkS3Flags, s3PartSize, s3Settings } from '../s3-settings.js';
import { buildClient } from '../settings.js';
import { sinceOption } from '../time-option.js';
import { UsageError } from '../usage-error.js';

/** A whole number >= 1 for --keep / --keep-days, or a usage error that says why 0 is refused. */
function retentionOption(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `--${name} must be a whole number of at least 1 (got "${String(v)}"): ${name === 'keep' ? '--keep 0 would delete every copy' : 'a copy is kept for D days'}. Leave it out to keep everything.`,
    );
  }
  return n;
}

/** `dds-backup mirror`: every COMPLETED backup of some instances into DIR/I/B, with retention. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  try {
    return await mirror(argv, context);
  } catch (error) {
    // --json: a run that stops as a whole (usage, credentials, listing, lock, Ctrl-C) ends the
    // stream with an `error` event, as `download --json` does.
    if (argv.includes('--json')) {
      const { errorEvent } = await import('../report-error.js');
      context.stdout.write(`${JSON.stringify(await errorEvent(error, context.signal))}\n`);
    }
    throw error;
  }
}

async function mirror(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('mirror')!.options);
  const to = checkS3Flags(values, ['dir', 'recheck']);
  const dir = to ?? resolve(context.cwd ?? process.cwd(), required(values, 'dir'));
  const instanceIds = ((values['instance-id'] as string[] | undefined) ?? []).map((s) => s.trim());
  if (instanceIds.some((id) => id === '')) throw new UsageError('--instance-id needs an instance ID.');
  const keep = retentionOption(values, 'keep');
  const keepDays = retentionOption(values, 'keep-days');
  const since = sinceOption(values);
  const type = values.type as 'auto' | 'manual' | 'incremental' | undefined;
  if (type === 'incremental' && instanceIds.length === 0)
    throw new UsageError('--type incremental needs --instance-id (the API lists incremental backups per instance).');
  const concurrency = intOption(values, 'concurrency', 4, { min: 1, max: 32 });
  const segmentsPerFile = intOption(values, 'segments', 4, { min: 1, max: 32 });
  const parallelBackups = intOption(values, 'parallel-backups', 2, { min: 1, max: 16 });
  const client = await buildClient(values, context);
  const { mirrorBackups } = await import('@dds-backup/client/mirror');

  const quiet = values.quiet === true;
  const color = values['no-color'] !== true && !context.env.NO_COLOR && context.stderr.isTTY === true;
  const ndjson = values.json === true ? mirrorNdjsonRenderer(context.stdout) : undefined;
  const renderer: MirrorRenderer | undefined =
    ndjson ??
    (quiet
      ? undefined
      : context.stderr.isTTY
        ? mirrorTtyRenderer(context.stderr, { color })
        : mirrorPlainRenderer(context.stderr));

  let result: Awaited<ReturnType<typeof mirrorBackups>>;
  try {
    result = await mirrorBackups({
      client,
      ...(to
        ? { to, s3: { ...s3Settings(values, context), partSize: s3PartSize(values), env: context.env } }
        : { dir }),
      ...(instanceIds.length ? { instanceIds } : {}),
      ...(type ? { type } : {}),
      ...(since ? { since } : {}),
      ...(keep !== undefined ? { keep } : {}),
      ...(keepDays !== undefined ? { keepDays } : {}),
      dryRun: values['dry-run'] === true,
      concurrency,
      segmentsPerFile,
      parallelBackups,
      requireChecksum: values['require-checksum'] === true,
      recheck: values.recheck === true,
      ...(context.signal ? { signal: context.signal } : {}),
      onEvent: (event) => renderer?.onEvent(event),
    });
  } finally {
    renderer?.finish();
  }

  const failures = result.backups
    .filter((b) => b.error !== undefined)
    .map((b) => exitCodeOf(b.error as Error, context.signal));
  const code = mirrorExitCode(failures, result.missingInstances.length > 0);
  ndjson?.summary(code);
  if (!ndjson && !quiet) {
    const s = result.summary;
    const verb = s.dryRun ? 'Dry run of the mirror' : 'Mirror';
    context.stderr.write(
      `${verb} of ${dir}: ${s.new} new, ${s.skipped} already verified, ${s.excluded ? `${s.excluded} outside retention, ` : ''}${s.failed} failed, ${s.incomplete} incomplete, ` +
        `${s.pending} not completed yet, ${s.removed.length} ${s.dryRun ? 'to remove' : 'removed'}` +
        `${s.missingInstances.length ? `, ${s.missingInstances.length} instance(s) not found` : ''}.\n`,
    );
    if (code === EXIT.RESUMABLE) context.stderr.write('hint: nothing is lost; run the same mirror again to resume.\n');
    if (code === EXIT.AUTH) context.stderr.write('hint: check the credentials, region and project ID.\n');
    if (code === EXIT.VERIFICATION)
      context.stderr.write(
        'hint: a file did not match what the server declared; the next run downloads it again. Run `dds-backup verify --dir DIR/INSTANCE/BACKUP` to check a copy.\n',
      );
  }
  return code;
}
