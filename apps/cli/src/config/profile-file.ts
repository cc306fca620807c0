import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Keys a profile may hold. */
export const PROFILE_KEYS = [
  'region',
  'endpoint',
  'project_id',
  'ak',
  'sk',
  'security_token',
  'token',
  'username',
  'domain',
  'password',
  'language',
  'proxy',
  'ca_file',
] as const;
export type ProfileKey = (typeof PROFILE_KEYS)[number];
/** Keys whose values are secrets: read from stdin, masked by `config get/list`. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['sk', 'security_token', 'token', 'password']);

export type Profile = Partial<Record<ProfileKey, string>>;
interface ConfigFile {
  profiles: Record<string, Profile>;
}

/** `$XDG_CONFIG_HOME/dds-backup/config.json`, XDG's default being ~/.config. */
export function configPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'dds-backup', 'config.json');
}

export async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as ConfigFile;
    if (!parsed || typeof parsed.profiles !== 'object') throw new Error('no "profiles" object');
    return parsed;
  } catch (error) {
    // Never echo the parser's message: it quotes the file around the error, secrets included.
    const reason = error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message;
    throw new Error(
      `The config file ${path} is not valid (${reason}): fix it, or delete it and run \`dds-backup config set\` again.`,
    );
  }
}

/**
 * Writes the config file with mode 0600 in a 0700 directory, through a temporary file and a
 * rename, so a crash never leaves half a file and the secrets are never world-readable.
 */
export async function writeConfig(path: string, config: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // The project's one atomic write (temp file, fsync, rename), loaded only when a profile changes.
  const { writeFileAtomic } = await import('@dds-backup/client/download');
  await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`, { private: true });
}

export async function readProfile(env: Record<string, string | undefined>, name: string): Promise<Profile> {
  return (await readConfig(configPath(env))).profiles[name] ?? {};
}
