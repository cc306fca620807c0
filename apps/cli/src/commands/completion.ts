import { COMMANDS, GLOBAL_OPTIONS } from '../command-table.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';

const flags = (name?: string) => {
  const own = COMMANDS.find((c) => c.name === name)?.options ?? [];
  return [...own, ...GLOBAL_OPTIONS].map((o) => `--${o.name}`);
};

/** Completion scripts, generated from the command table so they never fall behind it. */
export function completionScript(shell: string): string {
  const names = COMMANDS.map((c) => c.name);
  if (shell === 'bash') {
    const cases = COMMANDS.map(
      (c) => `    ${c.name}) opts="${[...(c.actions ?? []), ...flags(c.name)].join(' ')}" ;;`,
    ).join('\n');
    return `# bash completion for dds-backup
_dds_backup() {
  local cur cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in ${names.join('|')}) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$cmd" in
${cases}
    *) opts="${[...names, ...flags()].join(' ')}" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _dds_backup dds-backup
`;
  }
  if (shell === 'zsh') {
    const cases = COMMANDS.map(
      (c) => `    ${c.name}) compadd -- ${[...(c.actions ?? []), ...flags(c.name)].join(' ')} ;;`,
    ).join('\n');
    return `#compdef dds-backup
_dds_backup() {
  local cmd=\${words[(r)(${names.join('|')})]}
  case $cmd in
${cases}
    *) compadd -- ${[...names, ...flags()].join(' ')} ;;
  esac
}
compdef _dds_backup dds-backup
`;
  }
  if (shell === 'fish') {
    const lines = [
      '# fish completion for dds-backup',
      `complete -c dds-backup -f -n "not __fish_seen_subcommand_from ${names.join(' ')}" -a "${names.join(' ')}"`,
      ...GLOBAL_OPTIONS.map((o) => `complete -c dds-backup -l ${o.name} -d ${JSON.stringify(o.description)}`),
      ...COMMANDS.flatMap((c) => [
        ...c.options.map(
          (o) =>
            `complete -c dds-backup -n "__fish_seen_subcommand_from ${c.name}" -l ${o.name} -d ${JSON.stringify(o.description)}`,
        ),
        ...(c.actions ?? []).map((a) => `complete -c dds-backup -n "__fish_seen_subcommand_from ${c.name}" -a ${a}`),
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }
  throw new UsageError(`completion needs a shell: bash, zsh or fish (got "${shell}").`);
}

/** `dds-backup completion bash|zsh|fish`. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const shell = argv.find((a) => !a.startsWith('-')) ?? '';
  context.stdout.write(completionScript(shell));
  return EXIT.OK;
}
