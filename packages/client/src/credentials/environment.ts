import { CredentialsError } from '../errors.js';
import { akskCredentials } from './aksk.js';
import { tokenCredentials } from './token.js';
import type { CredentialsProvider } from './types.js';

/** Environment variables read by the default chain (the official SDKs' names, then ours). */
export const ENVIRONMENT_VARIABLES = {
  ak: 'HUAWEICLOUD_SDK_AK',
  sk: 'HUAWEICLOUD_SDK_SK',
  securityToken: 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  token: 'DDS_BACKUP_TOKEN',
} as const;

/**
 * The default chain: AK/SK (plus security token) from the official SDK variables, then a token
 * from DDS_BACKUP_TOKEN. Throws CredentialsError naming the variables when none is set, or when
 * only one of AK and SK is.
 */
export function credentialsFromEnvironment(env: Record<string, string | undefined> = process.env): CredentialsProvider {
  const v = ENVIRONMENT_VARIABLES;
  const projectId = env[v.projectId] || undefined;
  const ak = env[v.ak];
  const sk = env[v.sk];
  if (ak || sk) {
    if (!ak || !sk) {
      throw new CredentialsError(`Only one of ${v.ak} and ${v.sk} is set: set both (or neither, and use ${v.token}).`);
    }
    return akskCredentials({ ak, sk, securityToken: env[v.securityToken] || undefined, projectId });
  }
  const token = env[v.token];
  if (token) return tokenCredentials(token, { projectId });
  throw new CredentialsError(
    `No credentials found. Set ${v.ak} and ${v.sk} (AK/SK signing), or ${v.token} (an IAM token), or pass credentials explicitly.`,
  );
}
