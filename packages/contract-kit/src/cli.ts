import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

/** What the command needs from the outside world (tests pass their own). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Transport for every request (tests: the mock's in-process handler). Default: global fetch. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Bad command-line input: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

async function usage(): Promise<string> {
  const { ENVIRONMENT_VARIABLES: v } = await import('@dds-backup/client');
  return `Usage: dds-backup-contract verify --base-url URL --project-id P --instance-id I --backup-id B [--json] [--junit FILE]

Checks that a server honours the ShowBackupDownloadLink contract: the positive call and its
download links, then negative calls generated from the spec. One line per check, with the reason.

Options:
  --base-url URL             the server under test (the mock, a stub, a gateway, the real endpoint)
  --project-id P             project id (default: $${v.projectId})
  --instance-id I            an instance that exists
  --backup-id B              a backup of that instance with at least one file
  --json                     print the report as JSON instead of text
  --junit FILE               also write a JUnit XML report to FILE
  --timeout MS               per-request timeout (default 30000)
  --expiry-tolerance SECONDS how far link_expired_time may be from Date + the link TTL (default 60)
  -h, --help                 this help

Credentials, as the dds-backup CLI reads them: $${v.ak} and $${v.sk}
(+ $${v.securityToken}) for AK/SK signing, or $${v.token} for a token.

Exit codes: 0 every check passed, 1 a check failed, 2 usage error (including no credentials).
`;
}

interface VerifyOptions {
  baseUrl: string;
  projectId: string;
  instanceId: string;
  backupId: string;
  json: boolean;
  junit?: string;
  timeoutMs?: number;
  expiryToleranceSeconds?: number;
}

const positiveInteger = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) === 0)
    throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return Number(value);
};

/** argv (after `verify`) -> options; throws UsageError naming the flag. */
export function parseVerifyArgs(argv: string[], defaults: { projectId?: string } = {}): VerifyOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'base-url': { type: 'string' },
        'project-id': { type: 'string' },
        'instance-id': { type: 'string' },
        'backup-id': { type: 'string' },
        json: { type: 'boolean' },
        junit: { type: 'string' },
        timeout: { type: 'string' },
        'expiry-tolerance': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const str = (name: string) => {
    const v = values[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const projectId = str('project-id') ?? (defaults.projectId || undefined);
  const missing = [
    ['--base-url', str('base-url')],
    ['--project-id', projectId],
    ['--instance-id', str('instance-id')],
    ['--backup-id', str('backup-id')],
  ].filter(([, v]) => !v);
  if (missing.length) throw new UsageError(`missing ${missing.map(([f]) => f).join(', ')}`);
  const baseUrl = str('base-url')!;
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new UsageError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
  }
  if (values.junit === '') throw new UsageError('--junit needs a file name');
  return {
    baseUrl,
    projectId: projectId!,
    instanceId: str('instance-id')!,
    backupId: str('backup-id')!,
    json: values.json === true,
    junit: typeof values.junit === 'string' ? values.junit : undefined,
    timeoutMs: positiveInteger('--timeout', str('timeout')),
    expiryToleranceSeconds: positiveInteger('--expiry-tolerance', str('expiry-tolerance')),
  };
}

/** `dds-backup-contract verify ...`: runs the suite, prints the report, writes JUnit. Returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(await usage());
    return command === undefined ? EXIT.usage : EXIT.passed;
  }
  const client = await import('@dds-backup/client');
  let options: VerifyOptions | 'help';
  try {
    if (command !== 'verify') throw new UsageError(`unknown command "${command}" (the only command is verify)`);
    options = parseVerifyArgs(rest, { projectId: io.env[client.ENVIRONMENT_VARIABLES.projectId] });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`dds-backup-contract: ${error.message}\n\n${await usage()}`);
    return EXIT.usage;
  }
  if (options === 'help') {
    io.stdout.write(await usage());
    return EXIT.passed;
  }
  let credentials: import('@dds-backup/client').CredentialsProvider;
  try {
    credentials = client.credentialsFromEnvironment(io.env);
  } catch (error) {
    io.stderr.write(`dds-backup-contract: ${client.redact((error as Error).message)}\n`);
    return EXIT.usage;
  }
  const [{ runConformance }, { OPERATION_ID }] = await Promise.all([
    import('./conformance.js'),
    import('./spec-facts.js'),
  ]);
  const report = await runConformance({
    baseUrl: options.baseUrl,
    projectId: options.projectId,
    instanceId: options.instanceId,
    backupId: options.backupId,
    credentials,
    fetch: io.fetch,
    timeoutMs: options.timeoutMs,
    expiryToleranceSeconds: options.expiryToleranceSeconds,
  });
  const meta = { baseUrl: options.baseUrl, operationId: OPERATION_ID };
  if (options.json) {
    const { toJsonReport } = await import('./report/json.js');
    io.stdout.write(`${JSON.stringify(toJsonReport(report, meta), null, 2)}\n`);
  } else {
    const { renderHuman } = await import('./report/human.js');
    io.stdout.write(renderHuman(report, meta));
  }
  if (options.junit) {
    const [{ renderJunit }, { mkdir, writeFile }] = await Promise.all([
      import('./report/junit.js'),
      import('node:fs/promises'),
    ]);
    try {
      await mkdir(dirname(options.junit), { recursive: true });
      await writeFile(options.junit, renderJunit(report, meta));
    } catch (error) {
      io.stderr.write(`dds-backup-contract: cannot write --junit ${options.junit}: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
  }
  return report.ok ? EXIT.passed : EXIT.failed;
}
