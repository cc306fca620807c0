import { resolve } from 'node:path';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { intOption, parseCommandArgs, required } from '../parse.js';
import { ndjsonRenderer, type ProgressRenderer, plainRenderer, ttyRenderer } from '../progress/renderers.js';
import { buildClient } from '../settings.js';

/** `dds-backup download`: the whole backup, with the engine's refresh, resume and verification. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('download')!.options);
  const instanceId = required(values, 'instance-id');
  const backupId = required(values, 'backup-id');
  const dir = resolve(context.cwd ?? process.cwd(), typeof values.dir === 'string' ? values.dir : backupId);
  const concurrency = intOption(values, 'concurrency', 4, { min: 1, max: 32 });
  const segmentsPerFile = intOption(values, 'segments', 4, { min: 1, max: 32 });
  const client = await buildClient(values, context);
  const { downloadBackup } = await import('@dds-backup/client/download');

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
      verify: values['no-verify'] !== true,
      force: values.force === true,
      ...(context.signal ? { signal: context.signal } : {}),
      onEvent: (event) => renderer?.onEvent(event as never),
    });
    renderer?.finish();
    if (!quiet && !values.json) {
      const bytes = result.files.reduce((s, f) => s + f.bytes, 0);
      const verified = result.files.filter((f) => f.md5Verified).length;
      context.stderr.write(
        `Downloaded ${result.files.length} file(s), ${formatBytes(bytes)}, to ${dir} in ${formatDuration(Date.now() - started)}` +
          ` (sizes checked${verified ? `, MD5 verified for ${verified}` : ''}).\n`,
      );
    }
    return 0;
  } catch (error) {
    renderer?.finish();
    throw error;
  }
}
