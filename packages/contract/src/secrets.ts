import { HEADER } from './generated/headers.js';
import { ddsBackupSpec } from './generated/specs.js';
import { signing, TOKEN_HEADER } from './signing.js';

const schemas = ddsBackupSpec.components!.schemas as Record<string, { properties: Record<string, unknown> }>;
const backupFile = schemas.BackupFile!;

/**
 * The credential-carrying query parameters of a `download_link`, in every form OBS issues
 * (OBS, S3 V2, V4 signatures; temporary-credential tokens): the spec's
 * `x-secret-query-parameters` on `BackupFile.download_link`, where the link forms are described.
 */
export const LINK_SECRET_QUERY_PARAMETERS: readonly string[] = (
  backupFile.properties.download_link as { 'x-secret-query-parameters': string[] }
)['x-secret-query-parameters'];

/**
 * Query parameters whose values are credentials: the link's (above), and the spec's token and
 * security-token headers in query form (some gateways accept them there), plus `token` and
 * `SecurityToken`. One list for every redactor in the project (client errors and logs, mock
 * logs and reports); redactors match it case-insensitively.
 */
export const SECRET_QUERY_PARAMETERS: readonly string[] = [
  ...LINK_SECRET_QUERY_PARAMETERS,
  TOKEN_HEADER,
  signing.securityTokenHeader,
  'SecurityToken',
  'token',
];

/**
 * Headers whose values are credentials, lower-case: the spec's token and security-token headers,
 * `Authorization` (AK/SK signatures), `Proxy-Authorization` (proxy credentials) and IAM's `X-Subject-Token` answer header.
 */
export const SECRET_HEADERS: readonly string[] = [
  TOKEN_HEADER,
  signing.securityTokenHeader,
  HEADER.Authorization,
  'Proxy-Authorization',
  HEADER.XSubjectToken,
].map((h) => h.toLowerCase());
