import { COMMANDS, findCommand, GLOBAL_OPTIONS } from './command-table.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './exit-codes.js';
import { renderCommandHelp, renderMainHelp } from './help.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

// Each command is imported only when run, so `--help` and `--version` load none of them.
const loaders: Record<string, () => Promise<{ run: Command }>> = {
  links: () => import('./commands/links.js'),
  download: () => import('./commands/download.js'),
  backups: () => import('./commands/backups.js'),
  instances: () => import('./commands/instances.js'),
  mirror: () => import('./commands/mirror.js'),
  verify: () => import('./commands/verify.js'),
  regions: () => import('./commands/regions.js'),
  config: () => import('./commands/config.js'),
  completion: () => import('./commands/completion.js'),
};

const takesValue = new Set(
  GLOBAL_OPTIONS.filter((o) => o.type === 'string').flatMap((o) => [
    `--${o.name}`,
    ...(o.short ? [`-${o.short}`] : []),
  ]),
);

/** Index of the command word: the first positional that is not the value of a global option. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return -1;
    if (takesValue.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return i;
  }
  return -1;
}

/**
 * The CLI as a function: argv (without node and script) in, exit code out. The only place that
 * turns errors into exit codes and messages.
 */
export async function main(argv: string[], context: CliContext): Promise<number> {
  const at = commandIndex(argv);
  const name = at >= 0 ? argv[at]! : undefined;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  try {
    if (name === undefined) {
      if (rest.includes('--version')) {
        context.stdout.write(`${VERSION}\n`);
        return EXIT.OK;
      }
      if (wantsHelp) {
        context.stdout.write(renderMainHelp(VERSION));
        return EXIT.OK;
      }
      context.stderr.write(renderMainHelp(VERSION));
      context.stderr.write('\nerror: no command given.\n');
      return EXIT.USAGE;
    }
    if (name === 'help') {
      const target = rest.find((a) => !a.startsWith('-'));
      const spec = target ? findCommand(target) : undefined;
      context.stdout.write(spec ? renderCommandHelp(spec) : renderMainHelp(VERSION));
      return EXIT.OK;
    }
    const spec = findCommand(name);
    if (!spec) {
      throw new UsageError(`unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
    }
    if (wantsHelp) {
      context.stdout.write(renderCommandHelp(spec));
      return EXIT.OK;
    }
    const { run } = await loaders[name]!();
    return await run(rest, context);
  } catch (error) {
    const { report } = await import('./report-error.js');
    return report(error, context, { verbose: rest.includes('--verbose') || rest.includes('-v') });
  }
}
