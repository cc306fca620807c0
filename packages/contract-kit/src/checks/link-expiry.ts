import { HuaweiTimeFormatError, LINK_TTL_SECONDS, parseHuaweiTime } from '@dds-backup/contract';
import { type CheckResult, fail, pass } from './check.js';
import type { ListedFile } from './listed-file.js';

export const LINK_EXPIRY = 'positive.link-expiry';

/**
 * Each `link_expired_time` parses as a Huawei time and lies LINK_TTL_SECONDS (the spec's
 * `x-link-ttl-seconds`) after the server's `Date` header, within the tolerance. Without a usable
 * `Date` header (an in-process handler sends none) the local clock at receipt stands in, and the
 * reason says so.
 */
export function checkLinkExpiry(
  files: readonly ListedFile[],
  response: Response,
  receivedAt: number,
  toleranceSeconds: number,
): CheckResult {
  const dateHeader = response.headers.get('date');
  const serverNow = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  const usesServer = !Number.isNaN(serverNow);
  const reference = usesServer ? serverNow : receivedAt;
  const referenceLabel = usesServer
    ? `the server's Date (${dateHeader})`
    : dateHeader
      ? `the local clock (the Date header "${dateHeader}" does not parse)`
      : 'the local clock (the answer has no Date header)';
  const expected = `${LINK_TTL_SECONDS} s (x-link-ttl-seconds) ± ${toleranceSeconds} s`;
  const problems: string[] = [];
  const deltas: number[] = [];
  for (const f of files) {
    const value = f.raw.link_expired_time;
    if (typeof value !== 'string') {
      problems.push(`${f.label}: link_expired_time is ${value === undefined ? 'missing' : JSON.stringify(value)}`);
      continue;
    }
    let expires: Date;
    try {
      expires = parseHuaweiTime(value);
    } catch (error) {
      if (!(error instanceof HuaweiTimeFormatError)) throw error;
      problems.push(`${f.label}: link_expired_time ${error.message}`);
      continue;
    }
    const delta = Math.round((expires.getTime() - reference) / 1000);
    deltas.push(delta);
    if (Math.abs(delta - LINK_TTL_SECONDS) > toleranceSeconds) {
      problems.push(
        `${f.label}: link_expired_time ${value} is ${delta} s after ${referenceLabel}; expected ${expected}`,
      );
    }
  }
  if (problems.length > 0) return fail(LINK_EXPIRY, problems.join('\n'));
  const low = Math.min(...deltas);
  const high = Math.max(...deltas);
  return pass(
    LINK_EXPIRY,
    `${files.length} link(s) expire ${low === high ? low : `${low} to ${high}`} s after ${referenceLabel}; expected ${expected}`,
  );
}
