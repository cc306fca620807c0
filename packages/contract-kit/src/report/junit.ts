import { redactUrl } from '@dds-backup/client';
import type { ConformanceReport } from '../conformance.js';
import { summarize } from './summary.js';

// XML 1.0 allows tab, LF, CR and most of the rest; other control characters cannot be escaped
// at all, so they are dropped (a reason quoting a binary body must not break the file).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match them
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for an XML attribute or element. */
export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * JUnit XML (the de facto schema CI systems read): one `testsuite` of one `testcase` per check,
 * `failure` for a failed check, `skipped` for one that could not run.
 */
export function renderJunit(
  report: ConformanceReport,
  meta: { baseUrl: string; operationId: string; timestamp?: Date },
): string {
  const s = summarize(report.checks);
  const time = seconds(report.checks.reduce((t, c) => t + c.durationMs, 0));
  const suite = `dds-backup-contract ${meta.operationId}`;
  const attrs = `tests="${s.total}" failures="${s.failed}" errors="0" skipped="${s.skipped}" time="${time}"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dds-backup-contract" ${attrs}>`,
    `  <testsuite name="${xmlEscape(suite)}" ${attrs} timestamp="${(meta.timestamp ?? new Date()).toISOString().slice(0, 19)}">`,
    '    <properties>',
    `      <property name="base_url" value="${xmlEscape(redactUrl(meta.baseUrl))}"/>`,
    `      <property name="operation_id" value="${xmlEscape(meta.operationId)}"/>`,
    '    </properties>',
  ];
  for (const c of report.checks) {
    const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(c.name)}" time="${seconds(c.durationMs)}"`;
    if (c.ok) {
      out.push(`${open}/>`);
      continue;
    }
    const first = c.reason.split('\n')[0] ?? '';
    out.push(`${open}>`);
    out.push(
      c.skipped
        ? `      <skipped message="${xmlEscape(first)}"/>`
        : `      <failure message="${xmlEscape(first)}" type="ContractViolation">${xmlEscape(c.reason)}</failure>`,
    );
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
