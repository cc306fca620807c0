import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliContext } from '../src/context.js';
import { main } from '../src/main.js';

/** A captured output stream. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's main() as a function with captured output and the given environment. */
export async function runCli(
  argv: string[],
  context: Partial<CliContext> & { tty?: boolean } = {},
): Promise<RunResult> {
  const stdout = new Capture(context.tty ?? false);
  const stderr = new Capture(context.tty ?? false);
  const code = await main(argv, { env: {}, ...context, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export const tempDir = (prefix = 'dds-backup-cli-') => mkdtemp(join(tmpdir(), prefix));
