import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderTable, renderTsv } from '../output/table.js';
import { parseCommandArgs } from '../parse.js';
import { buildClient } from '../settings.js';

/** `dds-backup instances`: ListInstances over every page, printed as a table, json, yaml or tsv. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('instances')!.options);
  const format = (values.output as string | undefined) ?? (context.stdout.isTTY ? 'table' : 'json');
  const client = await buildClient(values, context);
  const instances = [];
  for await (const i of client.listInstances({
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  }))
    instances.push(i);

  switch (format) {
    case 'json':
      context.stdout.write(`${JSON.stringify({ instances, total_count: instances.length }, null, 2)}\n`);
      break;
    case 'yaml': {
      const { stringify } = await import('yaml');
      context.stdout.write(stringify({ instances, total_count: instances.length }));
      break;
    }
    case 'tsv':
      context.stdout.write(
        renderTsv(
          instances.map((i) => [
            i.id,
            i.name,
            i.mode,
            i.status,
            i.datastore?.version,
            i.backup_strategy?.start_time,
            i.backup_strategy?.keep_days,
          ]),
        ),
      );
      break;
    default:
      context.stdout.write(
        renderTable(
          ['ID', 'NAME', 'MODE', 'STATUS', 'VERSION', 'BACKUPS'],
          instances.map((i) => [
            i.id,
            i.name,
            String(i.mode),
            String(i.status),
            i.datastore?.version ?? '-',
            i.backup_strategy
              ? `daily ${i.backup_strategy.start_time}, kept ${i.backup_strategy.keep_days} days`
              : 'no automated backups',
          ]),
        ),
      );
      if (values.quiet !== true) context.stdout.write(`${instances.length} instance(s).\n`);
  }
  return EXIT.OK;
}
