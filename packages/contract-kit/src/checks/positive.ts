import { HEADER_LC } from '@dds-backup/contract';
import { checkConforms, type OpenApiFetchResult } from '../assert-conforms.js';
import { formatConformanceIssues } from '../conformance-issue.js';
import { declaredHeaders, successStatus } from '../spec-facts.js';
import { type CheckResult, describeError, fail, pass, since, skip } from './check.js';
import { callWithCredentials, type SuiteContext } from './context.js';
import { checkDownloadLinks, LINK_HEAD, LINK_RANGE, SIZE } from './download-links.js';
import { checkLinkExpiry, LINK_EXPIRY } from './link-expiry.js';
import { listFiles } from './listed-file.js';

export const STATUS = 'positive.status';
export const HEADERS = 'positive.headers';
export const BODY = 'positive.body';

/** The checks of the positive call, in the order they run. */
export const POSITIVE_CHECKS = [STATUS, HEADERS, BODY, LINK_EXPIRY, LINK_HEAD, LINK_RANGE, SIZE] as const;

/** ` DBS.200002 (The DB instance does not exist.)` for a Huawei error body, '' otherwise. */
function errorSummary(result: OpenApiFetchResult): string {
  let body = result.error;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return '';
    }
  }
  const e = body as { error_code?: unknown; error_msg?: unknown } | undefined;
  if (typeof e?.error_code !== 'string') return '';
  return ` ${e.error_code}${typeof e.error_msg === 'string' ? ` (${e.error_msg})` : ''}`;
}

/**
 * The positive call with every parameter and the suite's credentials, and what its answer must
 * be: the documented success status, the declared headers, a valid body, links that expire
 * LINK_TTL_SECONDS after the server's Date, links that answer HEAD and Range, and sizes that agree
 * with the objects.
 */
export async function positiveChecks(ctx: SuiteContext): Promise<CheckResult[]> {
  const success = successStatus(ctx.op.operationId);
  const start = performance.now();
  let result: OpenApiFetchResult;
  try {
    result = await callWithCredentials(ctx, ctx.values);
  } catch (error) {
    const reason = `the call failed: ${describeError(error)}`;
    return [
      fail(STATUS, reason, since(start)),
      ...POSITIVE_CHECKS.slice(1).map((name) => skip(name, 'the positive call failed')),
    ];
  }
  const receivedAt = Date.now();
  const durationMs = since(start);
  const { response } = result;
  const checks: CheckResult[] = [];

  checks.push(
    response.status === success
      ? pass(STATUS, `${success} as documented`, durationMs)
      : fail(STATUS, `expected ${success}; got ${response.status}${errorSummary(result)}`, durationMs),
  );

  // The headers declared for the status received (every documented answer declares X-Request-Id).
  const declaredFor = declaredHeaders(response.status).length ? response.status : success;
  // Retry-After is declared for 429 but only some throttling answers carry it (as the contract's
  // validateResponse treats it).
  const declared = declaredHeaders(declaredFor).filter((h) => h.toLowerCase() !== HEADER_LC.RetryAfter);
  const missing = declared.filter((h) => !response.headers.has(h));
  checks.push(
    missing.length
      ? fail(
          HEADERS,
          missing
            .map((h) => `response header \`${h}\` is missing (declared by the spec for ${declaredFor})`)
            .join('\n'),
        )
      : pass(HEADERS, declared.map((h) => `${h}: ${response.headers.get(h)}`).join(', ') || 'no headers declared'),
  );

  if (response.status !== success) {
    const why = `the positive call answered ${response.status}${errorSummary(result)}, not ${success}`;
    checks.push(...POSITIVE_CHECKS.slice(2).map((name) => skip(name, why)));
    return checks;
  }

  const conformance = await checkConforms(ctx.op.operationId, result);
  // Status and declared headers have checks of their own; the body check reports the body only.
  const bodyIssues = conformance.issues.filter(
    (i) => i.path !== 'status' && (!i.path.startsWith('header ') || i.path === 'header Content-Type'),
  );
  checks.push(
    bodyIssues.length
      ? fail(BODY, `the body does not match the spec:\n${formatConformanceIssues(bodyIssues)}`)
      : pass(BODY, `valid against the spec's ${success} schema`),
  );

  const files = listFiles(conformance.body);
  if (!files) {
    checks.push(...POSITIVE_CHECKS.slice(3).map((name) => skip(name, 'the answer has no `files` array')));
    return checks;
  }
  if (files.length === 0) {
    const why = 'the answer lists no files, so there is no link to check: pick a backup with at least one file';
    checks.push(...POSITIVE_CHECKS.slice(3).map((name) => fail(name, why)));
    return checks;
  }
  checks.push(checkLinkExpiry(files, response, receivedAt, ctx.expiryToleranceSeconds));
  checks.push(...(await checkDownloadLinks(files, ctx.fetch, ctx.timeoutMs)));
  return checks;
}
