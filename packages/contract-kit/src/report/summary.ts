import type { CheckResult } from '../checks/check.js';

/** Counts of a run. `failed` includes skipped checks' count separately: skipped ones are not passed. */
export interface Summary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export function summarize(checks: readonly CheckResult[]): Summary {
  const skipped = checks.filter((c) => c.skipped).length;
  const passed = checks.filter((c) => c.ok).length;
  return { total: checks.length, passed, failed: checks.length - passed - skipped, skipped };
}
