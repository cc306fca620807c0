import {
  COMMANDS,
  type CommandSpec,
  ENVIRONMENT,
  EXIT_CODES,
  GLOBAL_OPTIONS,
  type OptionSpec,
} from './command-table.js';

const optionLine = (o: OptionSpec) => {
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  const choices = o.choices ? ` (${o.choices.join(' | ')})` : '';
  return `  ${flag.padEnd(30)} ${o.description}${choices}`;
};

const exitCodes = () => EXIT_CODES.map(([code, text]) => `  ${String(code).padEnd(5)}${text}`).join('\n');

/** `dds-backup --help`. */
export function renderMainHelp(version: string): string {
  return [
    `dds-backup ${version}: download Huawei Cloud DDS backups, verified and resumable`,
    '',
    'Usage: dds-backup [global options] <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Global options:',
    ...GLOBAL_OPTIONS.map(optionLine),
    '',
    'Credentials, from the first source that has them: flags (--token-file, --token-stdin), the',
    'environment, then the profile file (`dds-backup config`). Environment:',
    ...ENVIRONMENT.map(([k, v]) => `  ${k.padEnd(40)} ${v}`),
    '',
    'Exit codes:',
    exitCodes(),
    '',
    "Run `dds-backup <command> --help` for a command's options and examples.",
    '',
  ].join('\n');
}

/** `dds-backup <command> --help`. */
export function renderCommandHelp(command: CommandSpec): string {
  return [
    `${command.summary}.`,
    '',
    `Usage: ${command.usage}`,
    ...(command.description ? ['', command.description] : []),
    ...(command.options.length ? ['', 'Options:', ...command.options.map(optionLine)] : []),
    '',
    'Global options: see `dds-backup --help`.',
    '',
    'Examples:',
    ...command.examples.map((e) => `  $ ${e}`),
    '',
    'Exit codes:',
    exitCodes(),
    '',
  ].join('\n');
}
