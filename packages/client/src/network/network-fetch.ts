import type { FetchLike } from '../transport.js';
import { ProxyError, TlsVerificationError, tlsFailureCode } from './network-errors.js';
import type { ProxyTarget } from './proxy-env.js';

/**
 * The fetch for API and IAM calls when no fetch was injected. Node 20's global fetch ignores
 * HTTPS_PROXY and takes no CA list, so when a proxy or an extra CA applies the calls go through
 * undici 7's own fetch with a dispatcher per proxy (`ProxyAgent`: CONNECT for https:, with the
 * proxy URL's credentials as Proxy-Authorization) or an `Agent` with the CAs. undici is loaded
 * only then: a run without proxy or CA pays nothing for it at start-up. Objects never go
 * through here (the download engine has its own transport with the same settings).
 */
export function networkFetch(settings: {
  proxy: (url: URL) => ProxyTarget | undefined;
  ca: (string | Buffer)[] | undefined;
  /** False when neither a proxy variable nor `proxy` is set: the global fetch suffices. */
  mayProxy: boolean;
}): FetchLike {
  if (!settings.mayProxy && !settings.ca) {
    return (request) =>
      globalThis.fetch(request).catch((error: unknown) => {
        throw mapError(error, new URL(request.url), undefined);
      });
  }
  let undici: Promise<typeof import('undici')> | undefined;
  const dispatchers = new Map<string, import('undici').Dispatcher>();
  const dispatcher = async (proxy: ProxyTarget | undefined) => {
    undici ??= import('undici');
    const u = await undici;
    const key = proxy?.href ?? '';
    let d = dispatchers.get(key);
    if (!d) {
      const tls = settings.ca ? { ca: settings.ca } : {};
      d = proxy ? new u.ProxyAgent({ uri: proxy.href, requestTls: tls, proxyTls: tls }) : new u.Agent({ connect: tls });
      dispatchers.set(key, d);
    }
    return { fetch: u.fetch, d };
  };
  return async (request) => {
    const url = new URL(request.url);
    const proxy = settings.proxy(url);
    const { fetch, d } = await dispatcher(proxy);
    const body = request.body ? await request.arrayBuffer() : undefined;
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: [...request.headers],
        ...(body ? { body } : {}),
        signal: request.signal,
        redirect: request.redirect,
        dispatcher: d,
      });
    } catch (error) {
      throw mapError(error, url, proxy);
    }
    // A Response of the global class, as every other fetch here returns.
    return new Response(response.body as ReadableStream<Uint8Array> | null, {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
    });
  };
}

/** Certificate and proxy failures as their own (non-retryable) errors; others unchanged. */
function mapError(error: unknown, url: URL, proxy: ProxyTarget | undefined): unknown {
  const tlsCode = tlsFailureCode(error);
  if (tlsCode) {
    const message = (error as { cause?: { message?: string } }).cause?.message ?? String(error);
    return new TlsVerificationError(url.host, tlsCode, message, error);
  }
  if (proxy) {
    // undici nests the reason: TypeError('fetch failed') > DOMException > RequestAbortedError.
    let text = '';
    for (
      let e = error as { message?: string; cause?: unknown } | undefined, i = 0;
      e && i < 5;
      e = e.cause as never, i++
    )
      text += ` ${e.message ?? ''}`;
    const status = /Proxy response \((\d{3})\)|\((407)\)/.exec(text);
    if (status) {
      const code = Number(status[1] ?? status[2]);
      return new ProxyError(proxy.display, code, `HTTP ${code}${code === 407 ? ' Proxy Authentication Required' : ''}`);
    }
  }
  return error;
}
