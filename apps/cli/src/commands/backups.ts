import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderTable, renderTsv } from '../output/table.js';
import { formatBytes } from '../output/units.js';
import { parseCommandArgs } from '../parse.js';
import { buildClient } from '../settings.js';
import { sinceOption } from '../time-option.js';
import { UsageError } from '../usage-error.js';

/** `dds-backup backups`: ListBackups over every page, printed as a table, json, yaml or tsv. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('backups')!.options);
  const instanceId = typeof values['instance-id'] === 'string' ? values['instance-id'].trim() : undefined;
  const type = values.type as 'auto' | 'manual' | 'incremental' | undefined;
  if (type === 'incremental' && !instanceId)
    throw new UsageError('--type incremental needs --instance-id (the API lists incremental backups per instance).');
  const since = sinceOption(values);
  const statuses = ((values.status as string[] | undefined) ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const format = (values.output as string | undefined) ?? (context.stdout.isTTY ? 'table' : 'json');
  const client = await buildClient(values, context);

  const backups = [];
  for await (const b of client.listBackups({
    ...(instanceId ? { instanceId } : {}),
    ...(type ? { type } : {}),
    ...(since ? { since, until: new Date() } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  })) {
    if (statuses.length > 0 && !statuses.includes(String(b.status).toUpperCase())) continue;
    backups.push(b);
  }

  switch (format) {
    case 'json':
      context.stdout.write(`${JSON.stringify({ backups, total_count: backups.length }, null, 2)}\n`);
      break;
    case 'yaml': {
      const { stringify } = await import('yaml');
      context.stdout.write(stringify({ backups, total_count: backups.length }));
      break;
    }
    case 'tsv':
      context.stdout.write(
        renderTsv(
          backups.map((b) => [b.id, b.instance_id, b.type, b.status, b.begin_time, b.end_time, b.size, b.name]),
        ),
      );
      break;
    default:
      context.stdout.write(
        renderTable(
          ['ID', 'INSTANCE', 'TYPE', 'STATUS', 'END (UTC)', 'SIZE', 'NAME'],
          backups.map((b) => [
            b.id,
            b.instance_name || b.instance_id,
            String(b.type),
            String(b.status),
            b.end_time,
            formatBytes(b.size * 1024),
            b.name,
          ]),
        ),
      );
      if (values.quiet !== true) context.stdout.write(`${backups.length} backup(s).\n`);
  }
  return EXIT.OK;
}
