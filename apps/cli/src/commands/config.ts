import {
  configPath,
  PROFILE_KEYS,
  type ProfileKey,
  readConfig,
  SECRET_KEYS,
  writeConfig,
} from '../config/profile-file.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { parseCommandArgs } from '../parse.js';
import { profileName } from '../settings.js';
import { UsageError } from '../usage-error.js';

// A proxy URL may carry a password (http://user:password@host:port): only the host is shown.
const mask = (key: string, value: string) =>
  SECRET_KEYS.has(key) ? '********' : key === 'proxy' ? value.replace(/\/\/[^@/]*@/, '//********@') : value;

function checkKey(key: string | undefined): ProfileKey {
  if (!key || !(PROFILE_KEYS as readonly string[]).includes(key)) {
    throw new UsageError(`unknown config key "${key ?? ''}". Keys: ${PROFILE_KEYS.join(', ')}.`);
  }
  return key as ProfileKey;
}

/** `dds-backup config set|get|list|path`: the profile file, 0600, secrets from stdin only. */
export async function run(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, []);
  const [action, rawKey, value] = positionals;
  const path = configPath(context.env);
  const name = profileName(values, context.env);
  switch (action) {
    case 'path':
      context.stdout.write(`${path}\n`);
      return EXIT.OK;
    case 'list': {
      const profile = (await readConfig(path)).profiles[name] ?? {};
      for (const [k, v] of Object.entries(profile)) context.stdout.write(`${k}=${mask(k, v ?? '')}\n`);
      return EXIT.OK;
    }
    case 'get': {
      const key = checkKey(rawKey);
      const v = (await readConfig(path)).profiles[name]?.[key];
      if (v === undefined) {
        context.stderr.write(`${key} is not set in profile "${name}".\n`);
        return EXIT.FAILURE;
      }
      context.stdout.write(`${mask(key, v)}\n`);
      return EXIT.OK;
    }
    case 'set': {
      const key = checkKey(rawKey);
      let v = value;
      if (SECRET_KEYS.has(key) && v !== '-') {
        // A secret on the command line shows in `ps` and shell history.
        throw new UsageError(
          `${key} is a secret: pass it on standard input, e.g. \`printf %s "$VALUE" | dds-backup config set ${key} -\`.`,
        );
      }
      if (v === '-') {
        if (!context.stdin) throw new UsageError('standard input is not available.');
        v = (await context.stdin()).trim();
      }
      if (v === undefined || v === '') throw new UsageError(`config set ${key} needs a value.`);
      const config = await readConfig(path);
      config.profiles[name] = { ...config.profiles[name], [key]: v };
      await writeConfig(path, config);
      if (values.quiet !== true) context.stderr.write(`Saved ${key} in profile "${name}" (${path}).\n`);
      return EXIT.OK;
    }
    default:
      throw new UsageError('config needs an action: set, get, list or path.');
  }
}
