import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
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

// Every temp dir a test file makes is removed when that file's tests end (each test file loads
// this module afresh, so the hook belongs to the file that imported it).
const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

export const tempDir = async (prefix = 'dds-backup-cli-') => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
