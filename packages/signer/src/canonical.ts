// Canonical request construction for SDK-HMAC-SHA256, written from Huawei's signing guide
// (rules quoted in the `aksk` security scheme of openapi/dds-backup.openapi.yaml).

/** RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, the rest %XX. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Each path segment decoded then re-encoded, and a trailing `/` always added for signing. */
export function canonicalUri(pathname: string): string {
  const segments = pathname.split('/').map((s) => uriEncode(safeDecode(s)));
  const joined = segments.join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray `%` stays as sent; both sides then encode it the same way
  }
}

/** Parameters sorted by key then value (byte order), each `key=value` encoded, joined by `&`. */
export function canonicalQuery(params: URLSearchParams): string {
  const pairs = [...params].map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Lower-cased, sorted, de-duplicated names. */
export function normalizeSignedHeaders(names: Iterable<string>): string[] {
  return [...new Set([...names].map((n) => n.toLowerCase()))].sort();
}

/** `name:value\n` for each signed header (values trimmed). */
export function canonicalHeaders(signed: readonly string[], get: (name: string) => string | undefined): string {
  return signed.map((name) => `${name}:${(get(name) ?? '').trim()}\n`).join('');
}

export interface CanonicalRequestInput {
  method: string;
  url: URL;
  signedHeaders: readonly string[];
  getHeader: (lowercaseName: string) => string | undefined;
  bodySha256: string;
}

/** The canonical request: the six parts joined by `\n`. */
export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method.toUpperCase(),
    canonicalUri(input.url.pathname),
    canonicalQuery(input.url.searchParams),
    canonicalHeaders(input.signedHeaders, input.getHeader),
    input.signedHeaders.join(';'),
    input.bodySha256,
  ].join('\n');
}
