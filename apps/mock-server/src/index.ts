/**
 * @dds-backup/mock-server: a spec-driven stand-in for Huawei Cloud DDS `ShowBackupDownloadLink`,
 * `ListBackups` and `ListInstances`, the OBS temporary links it hands out, the two IAM calls
 * around it, a daily backup schedule on the mock clock, and an admin API (`/__mock/`) to drive
 * state, clock and faults. With `proxy`, a validation proxy in front of
 * the real API instead: answers checked against the spec, passed through byte for byte.
 */

// The names a user of the mock needs (README.md documents them), no more: the mock's own modules
// and tests import the rest from where it lives.
export { DEFAULT_AKSK } from './auth.js';
export { type ClockOptions, createClock, type MockClock } from './clock.js';
export { type ContentHashes, expectedHashes, ObjectContent, objectBytes } from './content.js';
export type { Dataset } from './dataset.js';
export { FixturesError, loadFixtures } from './fixtures.js';
export type { RequestLogEntry, RequestLogger, ViolationLogEntry } from './log.js';
export type { ProxyOptions } from './proxy/config.js';
export type { ContractViolation } from './proxy/violations.js';
export { createMockServer, type MockDefaults, type MockServer, type MockServerOptions } from './server.js';
export { selfSignedCertificate, type TlsKeyPair } from './tls-certificate.js';
