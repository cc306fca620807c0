import { readFile } from 'node:fs/promises';
import type { ClientOptions, CredentialsProvider, DdsClient } from '@dds-backup/client';
import { readProfile } from './config/profile-file.js';
import type { CliContext } from './context.js';
import { intOption, type ParsedValues } from './parse.js';
import { UsageError } from './usage-error.js';

/** The profile named by --profile, DDS_BACKUP_PROFILE, or "default". */
export function profileName(values: ParsedValues, env: CliContext['env']): string {
  return (typeof values.profile === 'string' && values.profile) || env.DDS_BACKUP_PROFILE || 'default';
}

/**
 * The proxy and extra CAs of a command, read the same way by every command (with an API client
 * or without, as `verify --to s3://`): --proxy, else the proxy variables (left to the client's
 * resolver: `undefined`), else the profile's proxy; an empty --proxy means none at all.
 * --ca-file, else the profile's ca_file.
 */
export async function networkOptions(
  values: ParsedValues,
  env: CliContext['env'],
  profile?: { proxy?: string; ca_file?: string },
): Promise<{ proxy: string | false | undefined; ca: Buffer | undefined; caFile: string | undefined }> {
  profile ??= await readProfile(env, profileName(values, env));
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const proxyFlag = flag('proxy');
  const proxyVars = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((n) => env[n]);
  const proxy: string | false | undefined =
    proxyFlag !== undefined ? proxyFlag || false : proxyVars ? undefined : profile.proxy || undefined;
  const caFile = flag('ca-file') ?? profile.ca_file;
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = await readFile(caFile);
    } catch (error) {
      throw new UsageError(
        `cannot read the CA file ${caFile}${flag('ca-file') === undefined ? " (the profile's ca_file)" : ''}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
  }
  return { proxy, ca, caFile };
}

/**
 * Builds the client from flags, then the environment, then the profile file (in that order of
 * precedence). Secrets come only from the environment, a file, stdin or the 0600 profile.
 */
export async function buildClient(values: ParsedValues, context: CliContext): Promise<DdsClient> {
  const client = await import('@dds-backup/client');
  const env = context.env;
  const profile = await readProfile(env, profileName(values, env));
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);

  const region = flag('region') ?? (env.DDS_BACKUP_REGION || undefined) ?? profile.region;
  const endpoint = flag('endpoint') ?? (env.DDS_BACKUP_ENDPOINT || undefined) ?? profile.endpoint;
  const projectId = flag('project-id') ?? (env.HUAWEICLOUD_SDK_PROJECT_ID || undefined) ?? profile.project_id;
  const language = (flag('language') ?? profile.language) as ClientOptions['language'];

  let credentials: CredentialsProvider;
  const tokenFile = flag('token-file');
  if (tokenFile !== undefined) {
    let token: string;
    try {
      token = await readFile(tokenFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read --token-file ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
    credentials = client.tokenCredentials(token);
  } else if (values['token-stdin']) {
    if (!context.stdin) throw new UsageError('--token-stdin needs standard input.');
    credentials = client.tokenCredentials(await context.stdin());
  } else if (env.HUAWEICLOUD_SDK_AK || env.HUAWEICLOUD_SDK_SK || env.DDS_BACKUP_TOKEN) {
    credentials = client.credentialsFromEnvironment(env);
  } else if (profile.ak || profile.sk) {
    if (!profile.ak || !profile.sk) {
      throw new client.CredentialsError(
        'The profile has only one of ak and sk: set both with `dds-backup config set`.',
      );
    }
    credentials = client.akskCredentials({ ak: profile.ak, sk: profile.sk, securityToken: profile.security_token });
  } else if (profile.token) {
    credentials = client.tokenCredentials(profile.token);
  } else if (profile.username && profile.password && profile.domain) {
    credentials = client.passwordCredentials({
      username: profile.username,
      password: profile.password,
      domainName: profile.domain,
    });
  } else {
    throw new client.CredentialsError(
      'No credentials configured. Set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or DDS_BACKUP_TOKEN), pass --token-file/--token-stdin, or save them with `dds-backup config set`.',
    );
  }

  const { proxy, ca, caFile } = await networkOptions(values, env, profile);

  const timeoutSeconds = intOption(values, 'timeout', 30, { min: 1, max: 3600 });
  const retries = intOption(values, 'retries', 3, { min: 0, max: 10 });
  const verbose = values.verbose === true;
  const built = client.createClient({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(projectId ? { projectId } : {}),
    ...(language ? { language } : {}),
    credentials,
    ...(context.fetch ? { fetch: context.fetch } : {}),
    ...(proxy !== undefined ? { proxy } : {}),
    ...(ca ? { ca } : {}),
    env,
    timeoutMs: timeoutSeconds * 1000,
    retry: { attempts: retries + 1 },
    ...(verbose ? { log: (line: string) => context.stderr.write(`${line}\n`) } : {}),
  });
  if (verbose) {
    // How the API is reached, for debugging proxy set-ups (the proxy without its credentials).
    // Object links follow the same rules per host.
    const route = (url: string) => built.network.proxy(new URL(url))?.display;
    const via = (url: string) => (route(url) ? `via proxy ${route(url)}` : 'direct');
    const extra = ca ? `; extra CAs from ${caFile}` : '';
    context.stderr.write(`network: API ${via(built.endpoint)}, IAM ${via(built.iamEndpoint)}${extra}\n`);
  }
  return built;
}
