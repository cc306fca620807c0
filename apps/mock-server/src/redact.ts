import { createRedactor } from '@dds-backup/contract';

/**
 * The mock's redactor: the contract's (one set of rules for the whole project, from its secret
 * lists) with the mask the mock-admin spec documents for recorded violations. Its registry is its
 * own; the mock passes each request's credentials per call instead of registering them.
 */

/** What a redacted value is replaced with. */
export const REDACTED = 'REDACTED';

export const mockRedactor = createRedactor({ mask: REDACTED });

/** `path?query` with credential query values replaced (the path itself carries no secrets). */
export const redactPathAndQuery = (path: string, rawQuery: string): string =>
  rawQuery === '' ? path : `${path}?${mockRedactor.redactQuery(rawQuery)}`;

/**
 * An upstream URL for display (`upstream`, the proxy's "no answer" message): the whole user info
 * replaced (a user name is the proxy operator's, not the reader's), credential query values
 * masked, a bare `/` path dropped.
 */
export function displayUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return mockRedactor.redact(String(url));
  }
  const userinfo = u.username || u.password ? `${REDACTED}@` : '';
  const query = mockRedactor.redactQuery(u.search.slice(1));
  const path = u.pathname === '/' ? '' : u.pathname;
  return `${u.protocol}//${userinfo}${u.host}${path}${query ? `?${query}` : ''}`;
}
