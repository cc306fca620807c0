/**
 * @dds-backup/contract-kit: contract tests for partner teams. `runConformance` (and the
 * `dds-backup-contract` bin) checks that a server honours ShowBackupDownloadLink, links included;
 * `assertConforms` checks one response against the spec. Vitest matchers live in the
 * `@dds-backup/contract-kit/vitest` subpath.
 */
export {
  assertConforms,
  type ConformanceInput,
  type ConformanceResult,
  type ConformsOptions,
  ContractViolationError,
  checkConforms,
  type OpenApiFetchResult,
} from './assert-conforms.js';
export type { CheckResult } from './checks/check.js';
export {
  type CheckDescription,
  type ConformanceOptions,
  type ConformanceReport,
  listChecks,
  runConformance,
} from './conformance.js';
export { type ConformanceIssue, formatConformanceIssues } from './conformance-issue.js';
export { renderHuman } from './report/human.js';
export { type JsonReport, toJsonReport } from './report/json.js';
export { renderJunit } from './report/junit.js';
export type { Summary } from './report/summary.js';
export { OPERATION_ID } from './spec-facts.js';
export { VERSION } from './version.js';
