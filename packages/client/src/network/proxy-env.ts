import net from 'node:net';
import { ConfigurationError } from '../errors.js';
import { registerSecret } from '../redact.js';

/**
 * Which proxy a request goes through, decided the way curl, wget and Python's requests do:
 *
 * - `https:` URLs use `https_proxy`, else `HTTPS_PROXY`; `http:` URLs use `http_proxy`, else
 *   `HTTP_PROXY` (the lower-case variable wins when both are set). An `http:` proxy variable
 *   never carries `https:` traffic. `ALL_PROXY` is not read (it usually names a SOCKS proxy).
 * - An explicit proxy (`--proxy URL`, `createClient({ proxy })`) replaces both variables for
 *   every scheme; `proxy: false` turns proxying off whatever the environment says.
 * - `no_proxy`, else `NO_PROXY`, applies in every case (the explicit proxy too, as in curl):
 *   a comma- or space-separated list of `*` (no proxy at all), host names (`example.com`
 *   matches it and every subdomain; a leading `.` or `*.` is ignored), IP addresses, IPv4 or
 *   IPv6 CIDR blocks (`10.0.0.0/8`), each optionally with `:port` (then only that port matches;
 *   IPv6 literals in brackets: `[::1]:8080`). Matching is case-insensitive.
 */
export interface ProxyOptions {
  /** A proxy URL for every request, or `false` for none; undefined = from the environment. */
  proxy?: string | false | undefined;
  /** Where the variables are read (default process.env). */
  env?: Record<string, string | undefined>;
}

/** A parsed proxy: where to connect and the Proxy-Authorization it needs (never printed). */
export interface ProxyTarget {
  /** `http:` or `https:` (TLS to the proxy itself). */
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** `Basic ...` from the URL's user:password, or undefined. */
  authorization: string | undefined;
  /** The proxy URL without credentials, safe to print. */
  display: string;
  /** The URL as given (with credentials), for dispatchers that take a URL. */
  href: string;
}

/** Returns a resolver: the proxy for a URL, or undefined for a direct connection. */
export function proxyResolver(options: ProxyOptions = {}): (url: URL) => ProxyTarget | undefined {
  const env = options.env ?? process.env;
  const pick = (name: string) => {
    const lower = env[name.toLowerCase()];
    if (lower !== undefined && lower !== '') return lower;
    const upper = env[name.toUpperCase()];
    return upper !== undefined && upper !== '' ? upper : undefined;
  };
  const noProxy = parseNoProxy(pick('no_proxy') ?? '');
  const cache = new Map<string, ProxyTarget>();
  const parsed = (value: string, source: string) => {
    let target = cache.get(value);
    if (!target) {
      target = parseProxyUrl(value, source);
      cache.set(value, target);
    }
    return target;
  };
  return (url) => {
    if (options.proxy === false) return undefined;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    if (noProxy(url.hostname, port)) return undefined;
    if (options.proxy) return parsed(options.proxy, '--proxy');
    const name = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
    const value = pick(name);
    return value === undefined ? undefined : parsed(value, env[name] === value ? name : name.toUpperCase());
  };
}

/** True when some request could go through a proxy (so the API needs a proxying fetch). */
export function proxyConfigured(options: ProxyOptions = {}): boolean {
  if (options.proxy === false) return false;
  if (options.proxy) return true;
  const env = options.env ?? process.env;
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((n) => (env[n] ?? '') !== '');
}

/** Parses a proxy URL; a missing scheme means `http://`. Never echoes credentials. */
export function parseProxyUrl(value: string, source = 'proxy'): ProxyTarget {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError(`${source} is not a URL: use http://[user:password@]host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(
      `${source} uses ${url.protocol.slice(0, -1)}: only http:// and https:// proxies are supported`,
    );
  }
  // Masked wherever it might turn up (an upstream error quoting the URL, say).
  registerSecret(decodeURIComponent(url.password));
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    authorization,
    display: `${url.protocol}//${url.host}`,
    href: url.href,
  };
}

/** Compiles a NO_PROXY list into a matcher of (hostname, port). */
export function parseNoProxy(value: string): (hostname: string, port: number) => boolean {
  const rules: ((host: string, port: number) => boolean)[] = [];
  for (const raw of value.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return () => true;
    let port: number | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracket) {
      entry = bracket[1]!;
      port = bracket[2] ? Number(bracket[2]) : undefined;
    } else {
      const m = /^([^:]+):(\d+)$/.exec(entry);
      if (m) {
        entry = m[1]!;
        port = Number(m[2]);
      }
    }
    const portOk = (p: number) => port === undefined || p === port;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr && net.isIP(cidr[1]!)) {
      const list = new net.BlockList();
      const family = net.isIP(cidr[1]!) === 4 ? 'ipv4' : 'ipv6';
      list.addSubnet(cidr[1]!, Number(cidr[2]), family);
      rules.push((h, p) => portOk(p) && net.isIP(h) !== 0 && list.check(h, net.isIP(h) === 4 ? 'ipv4' : 'ipv6'));
      continue;
    }
    if (net.isIP(entry)) {
      rules.push((h, p) => portOk(p) && h === entry);
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    rules.push((h, p) => portOk(p) && (h === domain || h.endsWith(`.${domain}`)));
  }
  return (hostname, port) => {
    const host = hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    return rules.some((r) => r(host, port));
  };
}
