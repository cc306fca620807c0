/**
 * @dds-backup/client: typed, authenticated, retrying access to Huawei Cloud DDS's
 * ShowBackupDownloadLink. The resumable download engine is the node-only subpath
 * `@dds-backup/client/download`.
 */
export { type ClientOptions, createClient, type DdsClient, type NetworkSettings } from './client.js';
export { akskCredentials } from './credentials/aksk.js';
export { credentialsFromEnvironment, ENVIRONMENT_VARIABLES } from './credentials/environment.js';
export { type PasswordOptions, passwordCredentials } from './credentials/password.js';
export { tokenCredentials } from './credentials/token.js';
export type { AuthContext, CredentialsProvider } from './credentials/types.js';
export {
  AbortError,
  ApiError,
  ConfigurationError,
  CredentialsError,
  DdsBackupError,
  isRetryableStatus,
  NetworkError,
  ResponseFormatError,
  TimeoutError,
} from './errors.js';
export { formatBytes } from './format-bytes.js';
export { type DownloadLink, type DownloadLinks, type GetDownloadLinksInput, getDownloadLinks } from './links.js';
export { ProxyError, TlsVerificationError } from './network/network-errors.js';
export { type ProxyOptions, type ProxyTarget, parseNoProxy, proxyResolver } from './network/proxy-env.js';
export { redact, redactHeaders, redactUrl, registerSecret } from './redact.js';
export {
  backoffDelay,
  DEFAULT_RETRY,
  parseRetryAfter,
  type RetryEvent,
  type RetryOptions,
  sleep,
  withRetries,
} from './retry.js';
export type { FetchLike } from './transport.js';
export { type FetchResult, unwrap } from './unwrap.js';
export { VERSION } from './version.js';
