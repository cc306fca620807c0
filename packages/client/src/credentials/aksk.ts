import { CredentialsError } from '../errors.js';
import { registerSecret } from '../redact.js';
import type { CredentialsProvider } from './types.js';

/**
 * Signs every request with AK/SK (`SDK-HMAC-SHA256`), fresh for each attempt so a retry never
 * carries a stale `X-Sdk-Date`. `securityToken` is for temporary credentials.
 */
export function akskCredentials(options: {
  ak: string;
  sk: string;
  securityToken?: string;
  projectId?: string;
  /** Clock for `X-Sdk-Date` (tests; default: now). */
  now?: () => Date;
}): CredentialsProvider {
  if (!options.ak || !options.sk) {
    throw new CredentialsError(
      'AK/SK credentials need both an access key (AK) and a secret key (SK): set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.',
    );
  }
  registerSecret(options.sk);
  registerSecret(options.securityToken);
  return {
    kind: 'aksk',
    projectId: options.projectId,
    async authorize(request, context) {
      // Loaded on first use: the signer pulls in node:crypto, which a token run never needs
      // before its first object byte (issue #15).
      const { signRequest } = await import('@dds-backup/signer');
      const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()) : undefined;
      const { headers } = signRequest(
        { method: request.method, url: request.url, headers: request.headers, body },
        { ak: options.ak, sk: options.sk, securityToken: options.securityToken },
        { projectId: context.projectId, date: options.now?.() ?? new Date(), host: context.signingHost },
      );
      return new Request(request, { headers });
    },
  };
}
