import { redact } from '@dds-backup/client';
import { type ValidationIssue, validateResponse } from '@dds-backup/contract';

/**
 * One way a response departs from the spec: where (a JSON pointer into the body, `header X`, or
 * `status`), what the spec expects there, and what the response had.
 */
export interface ConformanceIssue {
  /** `/files/0/size`, `/` for the whole body, `header X-Request-Id`, `status`, `body`. */
  path: string;
  /** The spec's rule for that place, in words (`must be of type integer`). */
  expected: string;
  /** What the response had there (JSON, shortened, secrets redacted), or `nothing`. */
  actual: string;
}

const MAX_ACTUAL = 120;

/** A value as it appears in a message: JSON, shortened, download-link signatures masked. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  // Redact before shortening: a cut could otherwise leave part of a signature unmasked.
  text = redact(text);
  return text.length > MAX_ACTUAL ? `${text.slice(0, MAX_ACTUAL - 1)}…` : text;
}

/** The value at a JSON pointer, or undefined. */
export function valueAt(body: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return body;
  return pointer
    .slice(1)
    .split('/')
    .reduce<any>(
      (o, k) => (o === null || typeof o !== 'object' ? undefined : o[k.replace(/~1/g, '/').replace(/~0/g, '~')]),
      body,
    );
}

/** Turns a validator issue into path / expected / actual, reading the actual value from the body. */
function fromValidationIssue(issue: ValidationIssue, body: unknown): ConformanceIssue {
  if (issue.path.startsWith('headers.')) {
    return {
      path: `header ${issue.path.slice('headers.'.length)}`,
      expected: 'declared by the spec',
      actual: 'nothing',
    };
  }
  const base = issue.path === '' ? '' : issue.path;
  if (issue.keyword === 'required') {
    const property = /required property `([^`]+)`/.exec(issue.message)?.[1] ?? '?';
    return { path: `${base}/${property}`, expected: 'required property', actual: 'nothing' };
  }
  if (issue.keyword === 'additionalProperties' || issue.keyword === 'unevaluatedProperties') {
    const property = /unexpected property `([^`]+)`/.exec(issue.message)?.[1] ?? '?';
    const allowed = /\(allowed: ([^)]*)\)/.exec(issue.message)?.[1];
    return {
      path: `${base}/${property}`,
      expected: `no such property${allowed ? ` (allowed: ${allowed})` : ''}`,
      actual: showValue(valueAt(body, `${base}/${property}`)),
    };
  }
  return {
    path: base === '' ? '/' : base,
    expected: issue.message.replace(/^(the body|`[^`]*`)\s+/, ''),
    actual: showValue(valueAt(body, base)),
  };
}

/** One issue per line: `  /files/0/size: must be of type integer; got "2803"`. */
export function formatConformanceIssues(issues: readonly ConformanceIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.expected}; got ${i.actual}`).join('\n');
}

/** Validates a decoded answer (status, body, headers) against the spec's answer for the operation. */
export function issuesOf(
  operationId: string,
  status: number,
  body: unknown,
  headers: Headers | undefined,
): ConformanceIssue[] {
  const result = validateResponse(operationId, status, body, headers ? { headers } : {});
  return result.issues.map((issue) =>
    issue.keyword === 'status'
      ? { path: 'status', expected: issue.message.replace(/^status \S+ is not/, 'must be'), actual: String(status) }
      : fromValidationIssue(issue, body),
  );
}
