/** A writable text stream; `isTTY` decides tables and progress bars. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Everything a command may touch of the outside world, injected so tests drive commands as
 * plain functions against the real mock (changesets' pattern).
 */
export interface CliContext {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  /**
   * Transport for API and IAM calls (default: the client's network fetch: the global fetch, or
   * undici's when a proxy or an extra CA applies). Object downloads never use it: they
   * go over the engine's own HTTP/1.1 client to the links' host.
   */
  fetch?: (request: Request) => Promise<Response>;
  signal?: AbortSignal;
  /** Standard input, for --token-stdin and `config set KEY -`. */
  stdin?: () => Promise<string>;
  /** Current directory for relative paths (default process.cwd()). */
  cwd?: string;
}

export type Command = (argv: string[], context: CliContext) => Promise<number>;
