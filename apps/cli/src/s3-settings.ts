// The S3 flags shared by `download --to`, `mirror --to` and `verify --to`: checked the same way,
// turned into the client's S3Settings the same way (credentials, endpoint, region, path style,
// and the proxy and CA of every other request).
import type { CliContext } from './context.js';
import { intOption, type ParsedValues } from './parse.js';
import { UsageError } from './usage-error.js';

const S3_FLAGS = ['s3-endpoint', 's3-region', 's3-path-style', 's3-part-size'] as const;

/** Why a flag of a directory has no --to counterpart, for the usage error. */
const WHY_NOT: Record<string, string> = {
  dir: 'one destination per run',
  // A run skips an object it wrote and verified after HEAD + tags; reading every such object
  // back is what `verify --to` does, so the skip is never silently weaker than asked.
  recheck:
    'objects already verified are skipped from what S3 reports; to read them back and hash them against the recorded SHA-256, run `dds-backup verify --to s3://... --recheck`',
};

/**
 * The S3 flags go with --to s3://... and only there; --to excludes `excluded` (what only a
 * directory has). Returns the --to value, or undefined for a directory.
 */
export function checkS3Flags(values: ParsedValues, excluded: readonly string[]): string | undefined {
  const to = typeof values.to === 'string' ? values.to : undefined;
  if (to === undefined) {
    for (const flag of S3_FLAGS)
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} goes with --to s3://BUCKET/PREFIX (it has no meaning for a local directory).`);
    return undefined;
  }
  if (!to.startsWith('s3://'))
    throw new UsageError(
      `--to takes s3://BUCKET/PREFIX, got ${JSON.stringify(to)}; for a local directory use --dir DIR.`,
    );
  for (const flag of excluded)
    if (values[flag] !== undefined)
      throw new UsageError(
        `--${flag} cannot be combined with --to s3://... (${WHY_NOT[flag] ?? 'not supported for a bucket yet'}).`,
      );
  const endpoint = values['s3-endpoint'];
  if (typeof endpoint === 'string' && !/^https?:\/\/[^/]/.test(endpoint))
    throw new UsageError(
      `--s3-endpoint takes an http(s) URL such as https://minio.internal:9000, got ${JSON.stringify(endpoint)}.`,
    );
  return to;
}

/** --s3-part-size MIB as bytes (default 16 MiB, at least S3's 5 MiB). */
export function s3PartSize(values: ParsedValues): number {
  return intOption(values, 's3-part-size', 16, { min: 5, max: 5120 }) * 1024 * 1024;
}

/** The client's S3Settings from the flags and the command's environment. */
export function s3Settings(values: ParsedValues, context: CliContext) {
  // The SDK warns on every Node 20 start that its releases after January 2027 need Node 22; the
  // version pinned here supports Node 20, so the warning only adds noise to our output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    ...s3Credentials(context.env),
    ...(typeof values['s3-endpoint'] === 'string' ? { endpoint: values['s3-endpoint'] } : {}),
    ...(typeof values['s3-region'] === 'string'
      ? { region: values['s3-region'] }
      : context.env.AWS_REGION
        ? { region: context.env.AWS_REGION }
        : {}),
    forcePathStyle: values['s3-path-style'] === true,
    // No requestHandler: the client library's default is s3RequestHandler(client.network), the
    // same proxy (--proxy, HTTPS_PROXY/NO_PROXY) and CAs (--ca-file) as every other request.
  };
}

/**
 * Keys from the command's environment when it has them (what the SDK's chain would take first
 * from process.env; the CLI's environment is injectable). Otherwise undefined: the SDK's default
 * chain (AWS_PROFILE, ~/.aws/credentials and config, SSO, container and instance roles).
 */
function s3Credentials(env: Record<string, string | undefined>) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return {};
  return {
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
  };
}
