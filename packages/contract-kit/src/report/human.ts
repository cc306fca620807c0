import { redactUrl } from '@dds-backup/client';
import type { ConformanceReport } from '../conformance.js';
import { summarize } from './summary.js';

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** The report for people: one line per check with its reason, continuation lines indented. */
export function renderHuman(report: ConformanceReport, meta: { baseUrl: string; operationId: string }): string {
  const lines = [`dds-backup-contract: ${meta.operationId} at ${redactUrl(meta.baseUrl)}`, ''];
  for (const c of report.checks) {
    const label = c.ok ? LABEL.pass : c.skipped ? LABEL.skip : LABEL.fail;
    const [first = '', ...rest] = c.reason.split('\n');
    lines.push(`${label}  ${c.name}: ${first} (${Math.round(c.durationMs)} ms)`);
    for (const line of rest) lines.push(`        ${line.trimStart()}`);
  }
  const s = summarize(report.checks);
  lines.push(
    '',
    `${s.total} checks: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} not run` : ''}`,
    '',
  );
  return lines.join('\n');
}
