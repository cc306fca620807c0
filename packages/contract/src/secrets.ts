import { signing, TOKEN_HEADER } from './signing.js';

/**
 * Query parameters whose values are credentials: the OBS/S3 temporary-URL signature and key
 * (`download_link`s carry them until they expire) and tokens some gateways accept in a query.
 * One list for every redactor in the project (client errors and logs, mock logs and reports).
 */
export const SECRET_QUERY_PARAMETERS: readonly string[] = [
  'Signature',
  'AccessKeyId',
  'AWSAccessKeyId',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'SecurityToken',
  'x-obs-security-token',
  'X-Auth-Token',
  'X-Security-Token',
  'token',
];

/**
 * Headers whose values are credentials, lower-case: the spec's token and security-token headers,
 * `Authorization` (AK/SK signatures) and IAM's `X-Subject-Token` answer header.
 */
export const SECRET_HEADERS: readonly string[] = [
  TOKEN_HEADER,
  signing.securityTokenHeader,
  'Authorization',
  'X-Subject-Token',
].map((h) => h.toLowerCase());
