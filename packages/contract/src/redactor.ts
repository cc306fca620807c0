import { SECRET_HEADERS, SECRET_QUERY_PARAMETERS } from './secrets.js';
import { signing } from './signing.js';

// The project's one redactor, beside the secret lists it applies. Each package makes its own
// (createRedactor): the client masks with `***` in errors and logs, the mock with `REDACTED` in
// the violation reports its admin spec documents; each keeps its own registry of secret values,
// so a token one package holds is never a module-wide fact of another.

export interface RedactorOptions {
  /** What a secret is replaced with. */
  mask: string;
}

export interface Redactor {
  /** The `mask` option. */
  readonly mask: string;
  /**
   * Registers a secret value so redact() masks it anywhere; a value under 6 characters (a short
   * test token, a server echoing one back) only where it stands as a whole word.
   */
  registerSecret(value: string | undefined): void;
  /**
   * Masks secrets in any text: credential query parameters, credential header values
   * (`name: value`, `name=value`, JSON `"name":"value"`), AK/SK `Authorization` values and
   * signatures, URL passwords, registered secret values and `secrets` (values known to this call
   * only, such as one request's token; same length rule as registered ones).
   */
  redact(text: string, secrets?: Iterable<string | undefined>): string;
  /** A URL safe to print: redact() of its text, so everything but its secrets is kept byte for byte. */
  redactUrl(url: string | URL): string;
  /** A raw query string (no `?`) with each credential parameter's value masked; every other byte kept. */
  redactQuery(rawQuery: string): string;
  /** A copy of headers safe to log: credential headers masked whole, other values through redact(). */
  redactHeaders(headers: Headers | Record<string, string>): Record<string, string>;
}

/** Secrets this long or longer are masked wherever they appear, shorter ones only as whole words. */
const MIN_SUBSTRING_SECRET = 6;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternatives = (names: readonly string[]) => names.map(escapeRegExp).join('|');

// Shapes that carry a secret whatever its value, built once from the contract's lists.
const QUERY_SECRETS = new RegExp(`([?&](?:${alternatives(SECRET_QUERY_PARAMETERS)})=)[^&#\\s"'<>]*`, 'gi');
// `name: value`, `name=value` and JSON's `"name":"value"`; not a query parameter of the same name
// (QUERY_SECRETS masks that one up to its `&`, and the rest of the URL stays readable).
const HEADER_SECRETS = new RegExp(
  `(?<![?&])\\b((?:${alternatives(SECRET_HEADERS)})"?\\s*[:=]\\s*)("?)[^\\n"]*\\2`,
  'gi',
);
// An AK/SK `Authorization` value quoted without its header name (`SDK-HMAC-SHA256 Access=...`).
const AUTHORIZATION_VALUE = new RegExp(`${escapeRegExp(signing.algorithm)} [^"\\n]*`, 'g');
const SIGNATURE_IN_AUTH = /(Signature=)[0-9a-f]{16,}/gi;
// A password in a URL's user info (a proxy URL: `http://user:password@host`).
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;
const SECRET_HEADER_SET = new Set(SECRET_HEADERS);
const SECRET_PARAMETER_SET = new Set(SECRET_QUERY_PARAMETERS.map((p) => p.toLowerCase()));

const wholeWord = (value: string) => new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(value)}(?![A-Za-z0-9_-])`, 'g');

const decodeName = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
};

/** A redactor with its own mask and its own registry of secret values. */
export function createRedactor(options: RedactorOptions): Redactor {
  const { mask } = options;
  const secrets = new Set<string>();
  const shortSecrets = new Map<string, RegExp>();

  const maskValue = (text: string, value: string, re?: RegExp): string => {
    if (!text.includes(value)) return text;
    return value.length >= MIN_SUBSTRING_SECRET
      ? text.split(value).join(mask)
      : text.replace(re ?? wholeWord(value), mask);
  };

  const redact = (text: string, extra: Iterable<string | undefined> = []): string => {
    let out = text
      .replace(QUERY_SECRETS, `$1${mask}`)
      .replace(HEADER_SECRETS, `$1$2${mask}$2`)
      .replace(AUTHORIZATION_VALUE, mask)
      .replace(SIGNATURE_IN_AUTH, `$1${mask}`)
      .replace(URL_PASSWORD, `$1${mask}@`);
    for (const s of secrets) out = maskValue(out, s);
    for (const [s, re] of shortSecrets) out = maskValue(out, s, re);
    for (const s of extra) if (s) out = maskValue(out, s);
    return out;
  };

  return {
    mask,
    registerSecret(value) {
      if (!value) return;
      if (value.length >= MIN_SUBSTRING_SECRET) secrets.add(value);
      else if (!shortSecrets.has(value)) shortSecrets.set(value, wholeWord(value));
    },
    redact,
    redactUrl: (url) => redact(String(url)),
    redactQuery(rawQuery) {
      if (rawQuery === '') return rawQuery;
      return rawQuery
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          const name = eq < 0 ? pair : pair.slice(0, eq);
          return SECRET_PARAMETER_SET.has(decodeName(name).toLowerCase()) ? `${name}=${mask}` : pair;
        })
        .join('&');
    },
    redactHeaders(headers) {
      const out: Record<string, string> = {};
      const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
      for (const [k, v] of entries) out[k] = SECRET_HEADER_SET.has(k.toLowerCase()) ? mask : redact(v);
      return out;
    },
  };
}
