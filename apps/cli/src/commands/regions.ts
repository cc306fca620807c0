import { listRegions } from '@dds-backup/contract';
import { findCommand } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderTable, renderTsv } from '../output/table.js';
import { parseCommandArgs } from '../parse.js';

/** `dds-backup regions`: every region of the spec's servers, with its DDS and IAM endpoints. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(argv, findCommand('regions')!.options);
  const regions = listRegions();
  const format = (values.output as string | undefined) ?? (context.stdout.isTTY ? 'table' : 'tsv');
  if (format === 'json') context.stdout.write(`${JSON.stringify(regions, null, 2)}\n`);
  else if (format === 'tsv') context.stdout.write(renderTsv(regions.map((r) => [r.id, r.endpoint, r.iamEndpoint])));
  else
    context.stdout.write(
      renderTable(
        ['REGION', 'DDS ENDPOINT', 'IAM ENDPOINT'],
        regions.map((r) => [r.id, r.endpoint, r.iamEndpoint]),
      ),
    );
  return EXIT.OK;
}
