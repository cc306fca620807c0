// No imports on purpose: the CLI checks `--proxy` URLs with this before it loads the rest.

/** Thrown for an upstream URL the proxy cannot use. */
export class UpstreamUrlError extends Error {
  override name = 'UpstreamUrlError';
}

/** An upstream base URL: http(s), no query or fragment. Its path, if any, prefixes every forwarded path. */
export function parseUpstreamUrl(value: string, what = 'proxy URL'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UpstreamUrlError(`The ${what} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UpstreamUrlError(`The ${what} must be http: or https:, got "${url.protocol}"`);
  if (url.search || url.hash) throw new UpstreamUrlError(`The ${what} must not have a query or fragment`);
  return url;
}
