import { redact } from '@dds-backup/client';
import { getOperation, resolveRef } from '@dds-backup/contract';
import { type ConformanceIssue, formatConformanceIssues, issuesOf, showValue } from './conformance-issue.js';

/** What openapi-fetch answers: the parsed body is `data` (2xx) or `error` (others). */
export interface OpenApiFetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** A real `Response` (its body is read from a clone) or an openapi-fetch result. */
export type ConformanceInput = Response | OpenApiFetchResult;

export interface ConformsOptions {
  /** The status the caller expects; another status is an issue even when the spec documents it. */
  status?: number;
}

/** The outcome of checking one response against the spec. */
export interface ConformanceResult {
  ok: boolean;
  operationId: string;
  status: number;
  /** The decoded body that was checked (undefined for an empty body). */
  body: unknown;
  issues: ConformanceIssue[];
  /** The issues as a message a person can act on (empty when ok). */
  message: string;
}

/** Thrown by assertConforms: `issues` is the structured diff, the message the readable one. */
export class ContractViolationError extends Error {
  override name = 'ContractViolationError';
  constructor(
    message: string,
    readonly issues: ConformanceIssue[],
  ) {
    super(message);
  }
}

const isResponse = (v: unknown): v is Response =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Response).status === 'number' &&
  typeof (v as Response).clone === 'function' &&
  typeof (v as Response).headers?.get === 'function';

const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** The media types the spec declares for a status (falling back to `NXX`, then `default`). */
function declaredMediaTypes(operationId: string, status: number): string[] | undefined {
  const op = getOperation(operationId);
  const responses = (op.document.paths[op.path] as Record<string, any>)[op.method.toLowerCase()].responses;
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
  if (!key) return undefined;
  const [node] = resolveRef(op.document, responses[key]);
  return Object.keys(node?.content ?? {});
}

/** Reads and decodes the body of the input; a body that should be JSON and is not is an issue. */
async function decode(
  operationId: string,
  input: ConformanceInput,
): Promise<{ response: Response; body: unknown; issues: ConformanceIssue[] }> {
  const issues: ConformanceIssue[] = [];
  const response = isResponse(input) ? input : input.response;
  if (!isResponse(response)) {
    throw new TypeError('Expected a Response or an openapi-fetch result ({ data, error, response })');
  }
  const media = declaredMediaTypes(operationId, response.status) ?? [];
  const wantsJson = media.some((m) => JSON_MEDIA.test(m));
  let raw: unknown;
  let text: string | undefined;
  if (isResponse(input)) {
    if (input.bodyUsed) {
      throw new TypeError(
        'The Response body was already read: check the response before reading it, or pass the openapi-fetch result',
      );
    }
    text = await input.clone().text();
  } else {
    raw = response.ok ? input.data : input.error;
    // openapi-fetch leaves a body it could not parse as text (and `parseAs: 'text'` does so on purpose).
    if (typeof raw === 'string') text = raw;
  }
  let body: unknown = raw;
  if (text !== undefined) {
    if (text === '') body = undefined;
    else if (wantsJson) {
      try {
        body = JSON.parse(text);
      } catch {
        issues.push({
          path: 'body',
          expected: `must be JSON (the spec declares ${media.join(', ')})`,
          actual: showValue(text),
        });
        return { response, body: text, issues };
      }
    } else body = text;
  }
  const contentType = response.headers.get('content-type');
  if (wantsJson && body !== undefined && contentType !== null && !JSON_MEDIA.test(contentType)) {
    issues.push({
      path: 'header Content-Type',
      expected: `must be ${media.join(', ')}`,
      actual: showValue(contentType),
    });
  }
  return { response, body, issues };
}

/**
 * Checks a response against the spec's answer for `operationId`: the status is documented (and
 * is `options.status` when given), the headers the spec declares are present, and the body is
 * valid. Never throws for a non-conforming response: see `ok` and `issues`.
 */
export async function checkConforms(
  operationId: string,
  input: ConformanceInput,
  options: ConformsOptions = {},
): Promise<ConformanceResult> {
  getOperation(operationId); // an unknown operationId is the caller's bug: throw now, listing the known ones
  const { response, body, issues } = await decode(operationId, input);
  const status = response.status;
  if (options.status !== undefined && options.status !== status) {
    issues.unshift({ path: 'status', expected: `must be ${options.status}`, actual: String(status) });
  }
  if (!issues.some((i) => i.path === 'body')) issues.push(...issuesOf(operationId, status, body, response.headers));
  const ok = issues.length === 0;
  const code =
    body && typeof body === 'object' && typeof (body as { error_code?: unknown }).error_code === 'string'
      ? ` ${(body as { error_code: string }).error_code}`
      : '';
  const message = ok
    ? ''
    : redact(
        `${operationId} answer ${status}${code} does not conform to the spec (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${formatConformanceIssues(issues)}`,
      );
  return { ok, operationId, status, body, issues, message };
}

/**
 * Throws ContractViolationError, one line per issue with its JSON path, the spec's expectation
 * and the actual value, unless the response conforms. Reads a clone of a Response's body, so the
 * caller can still read it. `await assertConforms('ShowBackupDownloadLink', res, { status: 200 })`.
 */
export async function assertConforms(
  operationId: string,
  input: ConformanceInput,
  options: ConformsOptions = {},
): Promise<void> {
  const result = await checkConforms(operationId, input, options);
  if (!result.ok) throw new ContractViolationError(result.message, result.issues);
}
