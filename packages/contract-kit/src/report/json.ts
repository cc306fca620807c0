import { redactUrl } from '@dds-backup/client';
import type { CheckResult } from '../checks/check.js';
import type { ConformanceReport } from '../conformance.js';
import { VERSION } from '../version.js';
import { type Summary, summarize } from './summary.js';

/** The `--json` document. */
export interface JsonReport {
  tool: 'dds-backup-contract';
  version: string;
  operationId: string;
  /** The server under test (query secrets masked). */
  baseUrl: string;
  ok: boolean;
  summary: Summary;
  checks: CheckResult[];
}

export function toJsonReport(report: ConformanceReport, meta: { baseUrl: string; operationId: string }): JsonReport {
  return {
    tool: 'dds-backup-contract',
    version: VERSION,
    operationId: meta.operationId,
    baseUrl: redactUrl(meta.baseUrl),
    ok: report.ok,
    summary: summarize(report.checks),
    checks: report.checks,
  };
}
