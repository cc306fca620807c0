import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderTable, renderTsv } from '../output/table.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { parseCommandArgs, required } from '../parse.js';
import { buildClient } from '../settings.js';

/** `dds-backup links`: one ShowBackupDownloadLink call, printed as a table, json, yaml or tsv. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('links')!.options);
  const instanceId = required(values, 'instance-id');
  const backupId = required(values, 'backup-id');
  const format = (values.output as string | undefined) ?? (context.stdout.isTTY ? 'table' : 'json');
  const client = await buildClient(values, context);
  const links = await client.getDownloadLinks({ instanceId, backupId, signal: context.signal });

  switch (format) {
    case 'json':
      context.stdout.write(`${JSON.stringify(links.body, null, 2)}\n`);
      break;
    case 'yaml': {
      const { stringify } = await import('yaml');
      context.stdout.write(stringify(links.body));
      break;
    }
    case 'tsv':
      // Columns: name, size_kb, group_id, group_name, link_expired_time, download_link.
      context.stdout.write(
        renderTsv(
          links.body.files.map((f) => [f.name, f.size, f.group_id, f.group_name, f.link_expired_time, f.download_link]),
        ),
      );
      break;
    default: {
      const now = Date.now();
      context.stdout.write(
        renderTable(
          ['NAME', 'SIZE', 'GROUP', 'EXPIRES IN'],
          links.files.map((f) => [
            f.name,
            formatBytes(f.sizeKB * 1024),
            f.groupName ?? '-',
            formatDuration(f.expiresAt.getTime() - now),
          ]),
        ),
      );
      if (values.quiet !== true) {
        context.stdout.write(
          `${links.files.length} file(s) in bucket ${links.bucket}. Links are secrets: use -o json to get them.\n`,
        );
      }
    }
  }
  return EXIT.OK;
}
