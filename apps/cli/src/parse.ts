import { parseArgs } from 'node:util';
import { GLOBAL_OPTIONS, type OptionSpec } from './command-table.js';
import { UsageError } from './usage-error.js';

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

/**
 * Parses argv against the global options plus a command's own, with node:util parseArgs
 * (strict: an unknown flag is a usage error naming it). Choices are checked here too.
 */
export function parseCommandArgs(
  argv: string[],
  options: readonly OptionSpec[],
): { values: ParsedValues; positionals: string[] } {
  const all = [...GLOBAL_OPTIONS, ...options];
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const o of all)
    config[o.name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  // `--keep-days -1` reads as a flag to parseArgs ("ambiguous"); a negative number after an
  // option that takes a value is that value, so the option's own check can say what is wrong.
  const valued = new Set(all.filter((o) => o.type === 'string').map((o) => `--${o.name}`));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, valued),
      options: config,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}. See --help.`);
  }
  for (const o of all) {
    const v = parsed.values[o.name];
    if (o.choices && typeof v === 'string' && !o.choices.includes(v)) {
      throw new UsageError(`--${o.name} must be one of ${o.choices.join(', ')} (got "${v}").`);
    }
  }
  return { values: parsed.values as ParsedValues, positionals: parsed.positionals };
}

/** `--name -1` becomes `--name=-1` for options that take a value. */
function joinNegativeValues(argv: string[], valued: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (valued.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A required string option, or a usage error saying how to pass it. */
export function required(values: ParsedValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '')
    throw new UsageError(`--${name} is required (e.g. --${name} ${name === 'dir' ? './backup' : 'ID'}).`);
  return v.trim();
}

/** A whole-number option within [min, max], or a usage error. */
export function intOption(values: ParsedValues, name: string, fallback: number, { min = 1, max = 64 } = {}): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${String(v)}").`);
  }
  return n;
}

/** A duration in seconds (decimals allowed) within (0, max], or a usage error; returned in ms. */
export function secondsOption(values: ParsedValues, name: string, fallbackSeconds: number, max = 86_400): number {
  const v = values[name];
  if (v === undefined) return fallbackSeconds * 1000;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`--${name} must be a number of seconds above 0, at most ${max} (got "${String(v)}").`);
  }
  return Math.round(n * 1000);
}
