import { SECRET_HEADERS as SECRET_HEADER_NAMES, SECRET_QUERY_PARAMETERS } from '@dds-backup/contract';

// Every string that leaves this package through an error message, toJSON or a log line goes
// through redact(). Secrets are caught two ways: by shape (header and query names that always
// carry one) and by value (every token, SK and security token a credentials provider holds is
// registered here, so it is masked wherever it turns up, even inside an upstream message).

const MASK = '***';
const secrets = new Set<string>();
/** Secrets under 6 characters: masked only as a whole word (as a substring they would hit ordinary text). */
const shortSecrets = new Map<string, RegExp>();

/**
 * Registers a secret value so redact() masks it anywhere; a value under 6 characters (a short
 * test token, a server echoing one back) wherever it stands as a whole word.
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  if (value.length >= 6) secrets.add(value);
  else if (!shortSecrets.has(value))
    shortSecrets.set(value, new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(value)}(?![A-Za-z0-9_-])`, 'g'));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const QUERY_SECRETS = new RegExp(`([?&](?:${SECRET_QUERY_PARAMETERS.map(escapeRegExp).join('|')})=)[^&#\\s"']*`, 'gi');
// `name: value`, `name=value` and JSON's `"name":"value"`.
const HEADER_SECRETS = new RegExp(
  `\\b((?:${SECRET_HEADER_NAMES.map(escapeRegExp).join('|')})"?\\s*[:=]\\s*)("?)[^\\n"]*\\2`,
  'gi',
);
const SIGNATURE_IN_AUTH = /(Signature=)[0-9a-f]{16,}/gi;
// A password in a URL's user info (a proxy URL: `http://user:password@host`).
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;

/** Masks secrets in any text: header values, link signatures and registered secret values. */
export function redact(text: string): string {
  let out = text
    .replace(QUERY_SECRETS, `$1${MASK}`)
    .replace(HEADER_SECRETS, `$1$2${MASK}$2`)
    .replace(SIGNATURE_IN_AUTH, `$1${MASK}`)
    .replace(URL_PASSWORD, `$1${MASK}@`);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  for (const [s, re] of shortSecrets) if (out.includes(s)) out = out.replace(re, MASK);
  return out;
}

/** A URL safe to print: the query parameters that authorize a download are masked. */
export function redactUrl(url: string | URL): string {
  return redact(String(url));
}

const SECRET_HEADERS = new Set(SECRET_HEADER_NAMES);

/** A copy of headers safe to log. */
export function redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [k, v] of entries) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? MASK : redact(v);
  return out;
}
