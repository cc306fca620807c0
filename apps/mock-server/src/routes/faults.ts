import {
  type ErrorCode,
  errorCodes,
  HEADER_LC,
  isErrorCode,
  isObsErrorCode,
  type Language,
} from '@dds-backup/contract';
import { type RequestContext, sleep } from '../context.js';
import { huaweiError, obsCodeForStatus, obsError } from '../errors.js';
import type { FaultEffect } from '../faults.js';
import type { CoreResult, StreamFaults } from '../http/core.js';

/** The first code of `x-huawei-error-codes` with this status (DBS.280005 for none or 5xx without one). */
function defaultCodeFor(status: number | undefined): ErrorCode {
  if (status === undefined) return 'DBS.280005';
  for (const info of errorCodes.values()) if (info.status === status) return info.code;
  return 'DBS.280005';
}

const hasStream = (s: StreamFaults) =>
  s.resetAfter !== undefined || s.truncateAfter !== undefined || s.bytesPerSecond !== undefined;

/** What the fault rules did to a request: an answer to send instead, and/or stream faults. */
export type FaultOutcome = { result?: CoreResult; stream?: StreamFaults } | undefined;

/**
 * Applies the namespace's `api` fault rules to a request: waits out latency, and answers a
 * `status` fault with a Huawei error (the code's status from the spec, unless the rule sets one).
 * Synchronous unless a latency applies: no promise on the hot path of a mock without faults.
 */
export function applyApiFaults(rc: RequestContext, language: Language): FaultOutcome | Promise<FaultOutcome> {
  const effect = rc.ns.faults.evaluate('api', rc.req.path);
  if (!effect) return undefined;
  if (effect.latencyMs > 0) return sleep(effect.latencyMs).then(() => apiOutcome(rc, language, effect));
  return apiOutcome(rc, language, effect);
}

function apiOutcome(rc: RequestContext, language: Language, effect: FaultEffect): FaultOutcome {
  const stream = hasStream(effect.stream) ? effect.stream : undefined;
  const rule = effect.status;
  if (!rule) return { stream };
  const headers: Record<string, string> =
    rule.retry_after !== undefined ? { [HEADER_LC.RetryAfter]: String(rule.retry_after) } : {};
  // Without an error_code, the spec's code for the rule's status: a 429 is labelled as
  // throttling, a 404 as "instance not found", never every status as a server error.
  // The admin route admits only documented codes on `api` rules (routes/admin.ts), so the
  // narrowing below never falls back for a rule that named a code.
  const code = rule.error_code !== undefined && isErrorCode(rule.error_code) ? rule.error_code : undefined;
  const result = huaweiError(code ?? defaultCodeFor(rule.status), {
    language,
    requestId: rc.requestId,
    status: rule.status,
    headers,
  });
  return { result: stream ? { ...result, faults: stream } : result };
}

/** The same for `download` rules: an OBS XML error for `status`, stream faults otherwise. */
export async function applyDownloadFaults(
  rc: RequestContext,
  head: boolean,
): Promise<{ result?: CoreResult; stream?: StreamFaults } | undefined> {
  const effect = rc.ns.faults.evaluate('download', rc.req.path);
  if (!effect) return undefined;
  if (effect.latencyMs > 0) await sleep(effect.latencyMs);
  const stream = hasStream(effect.stream) ? effect.stream : undefined;
  const rule = effect.status;
  if (!rule) return { stream };
  const status = rule.status ?? 503;
  // The admin route admits only codes of obs.openapi.yaml on `download` rules.
  const code = rule.error_code !== undefined && isObsErrorCode(rule.error_code) ? rule.error_code : undefined;
  const result = obsError(code ?? obsCodeForStatus(status), rc.requestId, {
    status,
    message: 'Injected by a dds-backup-mock fault rule.',
    head,
  });
  if (rule.retry_after !== undefined) result.headers[HEADER_LC.RetryAfter] = String(rule.retry_after);
  return { result };
}
