/**
 * @dds-backup/client: typed, authenticated, retrying access to Huawei Cloud DDS's
 * ShowBackupDownloadLink, ListBackups and ListInstances. The resumable download engine is the node-only subpath
 * `@dds-backup/client/download`.
 *
 * What a user needs, and no more: the retry loop, the pager, the secret registry, the proxy
 * parser and the answer-size cap are internals (tests import them from their own modules).
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
  NetworkError,
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
export type { ProxyOptions, ProxyTarget } from './network/proxy-env.js';
export { redact, redactUrl } from './redact.js';
export type { RetryEvent, RetryOptions } from './retry.js';
export type { FetchLike } from './transport.js';
export { type FetchResult, unwrap } from './unwrap.js';
export { VERSION } from './version.js';
