/**
 * @dds-backup/mock-server: a spec-driven stand-in for Huawei Cloud DDS `ShowBackupDownloadLink`,
 * `ListBackups` and `ListInstances`, the OBS temporary links it hands out, the two IAM calls
 * around it, a daily backup schedule on the mock clock, and an admin API (`/__mock/`) to drive
 * state, clock and faults. With `proxy`, a validation proxy in front of
 * the real API instead: answers checked against the spec, passed through byte for byte.
 */

export { DEFAULT_AKSK, TOKEN_TTL_SECONDS } from './auth.js';
export { type ClockOptions, createClock, type MockClock } from './clock.js';
export {
  BLOCK_SIZE,
  type ContentHashes,
  type ContentKey,
  expectedHashes,
  ObjectContent,
  objectBytes,
  SINGLE_PART_ETAG_MAX_BYTES,
} from './content.js';
export { NAMESPACE_HEADER } from './context.js';
export {
  type BackupDef,
  type BackupStrategyDef,
  type Dataset,
  DEFAULT_AUTO_BACKUP_BYTES,
  DEFAULT_KEEP_DAYS,
  DEFAULT_SIZES,
  type DefaultIds,
  defaultDataset,
  defaultIds,
  type FileDef,
  type GroupDef,
  type InstanceDef,
  LARGE_PROJECT_REGION,
  type ProjectDef,
  sizeInKb,
} from './dataset.js';
export type { FaultKind, FaultRule, FaultRuleInput, FaultTarget } from './faults.js';
export { datasetFromFixtures, FixturesError, loadFixtures } from './fixtures.js';
export type { JournalEntry } from './journal.js';
export { LINK_ACCESS_KEY_ID } from './links.js';
export type { RequestLogEntry, RequestLogger, ViolationLogEntry } from './log.js';
export { DEFAULT_PROXY_TIMEOUT_MS, iamEndpointFor, type ProxyOptions, UpstreamUrlError } from './proxy/config.js';
export { MAX_ANSWER_BYTES } from './proxy/forward.js';
export { CONTRACT_HEADER, PROXY_ERROR_CODES } from './proxy/proxy.js';
export type { ContractViolation } from './proxy/violations.js';
export { type ScheduleReport, scheduledBackup } from './schedule.js';
export { createMockServer, type MockDefaults, type MockServer, type MockServerOptions } from './server.js';
export { selfSignedCertificate, type TlsKeyPair } from './tls-certificate.js';
