/**
 * @dds-backup/client: typed, authenticated, retrying access to Huawei Cloud DDS's
 * ShowBackupDownloadLink, ListBackups and ListInstances. The resumable download engine is the node-only subpath
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
  NON_RETRYABLE_NETWORK_CODES,
  ResponseFormatError,
  ResponseTooLargeError,
  RetryLaterError,
  TimeoutError,
} from './errors.js';
export { formatBytes } from './format-bytes.js';
export { type DownloadLink, type DownloadLinks, type GetDownloadLinksInput, getDownloadLinks } from './links.js';
export {
  type BackupType,
  backupTime,
  isStatus,
  type ListBackupsFilter,
  type ListedBackup,
  latestBackup,
  listBackups,
} from './list-backups.js';
export { type ListedInstance, type ListInstancesFilter, listInstances } from './list-instances.js';
export { ProxyError, TlsVerificationError } from './network/network-errors.js';
export { type ProxyOptions, type ProxyTarget, parseNoProxy, proxyResolver } from './network/proxy-env.js';
export { type Page, paginate } from './paginate.js';
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
export { type FetchLike, MAX_API_ANSWER_BYTES } from './transport.js';
export { type FetchResult, unwrap } from './unwrap.js';
export { VERSION } from './version.js';
