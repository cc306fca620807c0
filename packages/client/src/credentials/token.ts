import { TOKEN_HEADER } from '@dds-backup/contract';
import { CredentialsError } from '../errors.js';
import { registerSecret } from '../redact.js';
import type { CredentialsProvider } from './types.js';

/** Authenticates with an IAM token sent as `X-Auth-Token`. */
export function tokenCredentials(token: string, options: { projectId?: string } = {}): CredentialsProvider {
  const value = token.trim();
  if (!value)
    throw new CredentialsError('The token is empty. Pass a non-empty IAM token (e.g. from DDS_BACKUP_TOKEN).');
  registerSecret(value);
  return {
    kind: 'token',
    projectId: options.projectId,
    async authorize(request) {
      const headers = new Headers(request.headers);
      headers.set(TOKEN_HEADER, value);
      return new Request(request, { headers });
    },
  };
}
