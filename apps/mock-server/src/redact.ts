import { SECRET_QUERY_PARAMETERS, signing } from '@dds-backup/contract';

/**
 * Redaction for what the mock stores and logs (violation reports, proxy log lines). A tiny local
 * helper on purpose: the mock depends on the contract and the signer only, never on the client,
 * so data flows one way (spec -> contract -> client -> CLI; contract/signer -> mock).
 */

/** What a redacted value is replaced with. */
export const REDACTED = 'REDACTED';

/** Query parameters whose values are credentials: the project's one list, from the contract. */
const SECRET_PARAMS = SECRET_QUERY_PARAMETERS;
const SECRET_PARAM_SET = new Set(SECRET_PARAMS.map((p) => p.toLowerCase()));
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The same parameters inside free text (a URL quoted in a message). */
const SECRET_PARAM_IN_TEXT = new RegExp(`([?&](?:${SECRET_PARAMS.map(escapeRegExp).join('|')})=)[^&\\s"'<>]*`, 'gi');
/** An AK/SK `Authorization` value quoted in text. */
const AUTHORIZATION_IN_TEXT = new RegExp(`${escapeRegExp(signing.algorithm)} [^"\\n]*`, 'g');

const decodeName = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
};

/** A raw query string (no `?`) with credential values replaced; every other byte kept. */
export function redactQuery(rawQuery: string): string {
  if (rawQuery === '') return rawQuery;
  return rawQuery
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAM_SET.has(decodeName(name).toLowerCase()) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

/** `path?query` with credential query values replaced (the path itself carries no secrets). */
export const redactPathAndQuery = (path: string, rawQuery: string): string =>
  rawQuery === '' ? path : `${path}?${redactQuery(rawQuery)}`;

/** A URL for display: any `user:password@` and credential query values replaced, a bare `/` path dropped. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactText(String(url));
  }
  const userinfo = u.username || u.password ? `${REDACTED}@` : '';
  const query = redactQuery(u.search.slice(1));
  const path = u.pathname === '/' ? '' : u.pathname;
  return `${u.protocol}//${userinfo}${u.host}${path}${query ? `?${query}` : ''}`;
}

/**
 * Free text with credentials replaced: credential query parameters of quoted URLs, AK/SK
 * `Authorization` values, and each of `secrets` (a request's token, say) wherever it appears.
 */
export function redactText(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text.replace(SECRET_PARAM_IN_TEXT, `$1${REDACTED}`).replace(AUTHORIZATION_IN_TEXT, REDACTED);
  for (const secret of secrets) {
    // Very short values would redact ordinary words; real tokens and signatures are long.
    if (secret && secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out;
}
