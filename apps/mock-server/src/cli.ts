import { parseArgs } from 'node:util';
import { DEFAULT_REGION, getRegion, LINK_TTL_SECONDS, MOCK_SERVER_PORT } from '@dds-backup/contract';
import { parseUpstreamUrl } from './proxy/upstream-url.js';

const USAGE = `Usage: dds-backup-mock [options]

A mock of Huawei Cloud DDS ShowBackupDownloadLink and the OBS links it hands out.

Options:
  --port N           port to listen on (default ${MOCK_SERVER_PORT}; 0 = any free port)
  --host HOST        address to listen on (default 127.0.0.1)
  --fixtures FILE    dataset file (YAML or JSON) replacing the default dataset
  --link-ttl SECONDS lifetime of download links (default ${LINK_TTL_SECONDS})
  --token T          accepted X-Auth-Token (repeatable; default: any non-empty token)
  --aksk AK:SK       accepted AK/SK pair (repeatable; default: the documented pair)
  --seed N           seed of ids and content (default 1)
  --quiet            no request log on stderr
  --tls              serve HTTPS with a fresh self-signed certificate for
                     localhost/127.0.0.1/::1; its PEM is written to a file whose
                     path is printed (trust it with dds-backup --ca-file PATH)
  --tls-cert FILE    serve HTTPS with this certificate (PEM; with --tls-key)
  --tls-key FILE     the certificate's private key (PEM)
  --obs-aksk AK:SK   accept object links presigned with this OBS key pair by Huawei's
                     OBS SDK (createSignedUrlSync; OBS, V2 or V4 signature), path
                     style: {mock URL}/{bucket}/{key}
  --proxy URL        validation proxy: forward every API request unchanged to URL
                     (e.g. ${getRegion(DEFAULT_REGION).endpoint}), check each answer
                     against the spec, report violations (X-Mock-Contract header,
                     a log line, GET /__mock/violations); the admin API stays local
  --proxy-iam URL    where IAM routes (/v3/auth/*, /v3/projects) go in proxy mode
                     (default: the IAM endpoint of the --proxy region, else URL)
  -h, --help         this help
`;

/** Thrown for bad command-line input: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliOptions {
  port: number;
  host: string;
  fixtures?: string;
  linkTtlSeconds?: number;
  tokens: string[];
  aksk: Array<{ ak: string; sk: string }>;
  seed?: number;
  quiet: boolean;
  help: boolean;
  /** Validation proxy upstream (DDS), and where IAM routes go. */
  proxy?: string;
  proxyIam?: string;
  /** `true`: a self-signed certificate; files: a given certificate and key. */
  tls?: true | { certFile: string; keyFile: string };
  obsAksk?: { ak: string; sk: string };
}

const integer = (flag: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
};

const parseWithOptions = (argv: string[]) =>
  parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      fixtures: { type: 'string' },
      'link-ttl': { type: 'string' },
      token: { type: 'string', multiple: true },
      aksk: { type: 'string', multiple: true },
      seed: { type: 'string' },
      quiet: { type: 'boolean' },
      proxy: { type: 'string' },
      'proxy-iam': { type: 'string' },
      tls: { type: 'boolean' },
      'obs-aksk': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });

/** argv -> options; throws UsageError with a message naming the flag. */
export function parseCliArgs(argv: string[]): CliOptions {
  let values: ReturnType<typeof parseWithOptions>['values'];
  try {
    ({ values } = parseWithOptions(argv));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const aksk = (values.aksk ?? []).map((pair) => {
    const i = pair.indexOf(':');
    if (i <= 0 || i === pair.length - 1) throw new UsageError('--aksk must be AK:SK');
    return { ak: pair.slice(0, i), sk: pair.slice(i + 1) };
  });
  let obsAksk: { ak: string; sk: string } | undefined;
  if (values['obs-aksk'] !== undefined) {
    const pair = values['obs-aksk'];
    const i = pair.indexOf(':');
    if (i <= 0 || i === pair.length - 1) throw new UsageError('--obs-aksk must be AK:SK');
    obsAksk = { ak: pair.slice(0, i), sk: pair.slice(i + 1) };
  }
  const tokens = values.token ?? [];
  if (tokens.some((t) => t === '')) throw new UsageError('--token must not be empty');
  const upstream = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      parseUpstreamUrl(value, `${flag} URL`);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    return value;
  };
  const proxy = upstream('--proxy', values.proxy);
  const proxyIam = upstream('--proxy-iam', values['proxy-iam']);
  if (proxyIam !== undefined && proxy === undefined) throw new UsageError('--proxy-iam needs --proxy');
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (values.tls && certFile !== undefined)
    throw new UsageError('--tls generates a certificate: drop it with --tls-cert/--tls-key');
  return {
    port: integer('--port', values.port, 0, 65535) ?? MOCK_SERVER_PORT,
    host: values.host ?? '127.0.0.1',
    fixtures: values.fixtures,
    linkTtlSeconds: integer('--link-ttl', values['link-ttl'], 1, 7 * 24 * 3600),
    tokens,
    aksk,
    seed: integer('--seed', values.seed, 0, 2 ** 31 - 1),
    quiet: values.quiet ?? false,
    help: values.help ?? false,
    ...(proxy !== undefined ? { proxy } : {}),
    ...(proxyIam !== undefined ? { proxyIam } : {}),
    ...(obsAksk ? { obsAksk } : {}),
    ...(values.tls ? { tls: true as const } : certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
  };
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stop on SIGINT/SIGTERM and exit (default true; tests close the returned server instead). */
  handleSignals?: boolean;
}

/** Runs the mock until SIGINT/SIGTERM. Resolves to the running server (undefined on a usage error or `--help`). */
export async function main(argv: string[], io: CliIo = process): Promise<{ close(): Promise<void> } | undefined> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (e) {
    io.stderr.write(`dds-backup-mock: ${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return undefined;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return undefined;
  }
  try {
    const [{ createMockServer }, fixtures] = await Promise.all([
      import('./server.js'),
      options.fixtures ? import('./fixtures.js') : undefined,
    ]);
    const dataset =
      fixtures && options.fixtures ? await fixtures.loadFixtures(options.fixtures, options.seed ?? 1) : undefined;
    let tls: { cert: string; key: string } | true | undefined = options.tls === true ? true : undefined;
    if (options.tls && options.tls !== true) {
      const { readFile } = await import('node:fs/promises');
      tls = { cert: await readFile(options.tls.certFile, 'utf8'), key: await readFile(options.tls.keyFile, 'utf8') };
    }
    const server = createMockServer({
      seed: options.seed,
      linkTtlSeconds: options.linkTtlSeconds,
      tokens: options.tokens,
      aksk: options.aksk,
      dataset,
      log: !options.quiet,
      ...(options.proxy ? { proxy: { url: options.proxy, iamUrl: options.proxyIam } } : {}),
      ...(tls ? { tls } : {}),
      ...(options.obsAksk ? { obsAksk: options.obsAksk } : {}),
    });
    const url = await server.listen({ port: options.port, host: options.host });
    // The generated certificate goes to a private temporary directory, removed at exit.
    let certDir: string | undefined;
    if (options.tls === true && server.certificate) {
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      certDir = mkdtempSync(join(tmpdir(), 'dds-backup-mock-tls-'));
      const certPath = join(certDir, 'certificate.pem');
      writeFileSync(certPath, server.certificate, { mode: 0o644 });
      io.stdout.write(`dds-backup-mock certificate: ${certPath} (trust it with dds-backup --ca-file ${certPath})\n`);
    }
    io.stdout.write(`dds-backup-mock listening on ${url}\n`);
    const removeCert = async () => {
      if (!certDir) return;
      const { rm } = await import('node:fs/promises');
      await rm(certDir, { recursive: true, force: true });
      certDir = undefined;
    };
    if (server.upstream && !options.quiet) {
      const { dds, iam } = server.upstream;
      const line = { time: new Date().toISOString(), level: 'info', msg: 'proxy', upstream: dds, iam_upstream: iam };
      io.stderr.write(`${JSON.stringify(line)}\n`);
    }
    const stop = () => {
      server
        .close()
        .then(removeCert)
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    };
    if (io.handleSignals !== false) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    return {
      close: async () => {
        await server.close();
        await removeCert();
      },
    };
  } catch (e) {
    io.stderr.write(`dds-backup-mock: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}
