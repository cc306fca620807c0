import { InvalidLinkError } from './errors.js';

/**
 * Refuses a download link that is not an absolute `http:` or `https:` URL, before any
 * connection: a `file:`, `ftp:` or relative "link" from a wrong or hostile endpoint must not
 * become a request somewhere (a transport that reads only host and path would turn
 * `file:///etc/passwd` into `GET /etc/passwd` on port 80 of localhost). The URL itself is a
 * secret (signed), so the error names the file and the scheme, never the link.
 */
export function assertFetchableLink(file: string, url: unknown): void {
  if (typeof url !== 'string' || url.trim() === '') throw new InvalidLinkError(file, 'it is empty');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidLinkError(file, 'it is not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidLinkError(file, `its scheme is ${JSON.stringify(parsed.protocol)}`);
  if (parsed.hostname === '') throw new InvalidLinkError(file, 'it names no host');
}
