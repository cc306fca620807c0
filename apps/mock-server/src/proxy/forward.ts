import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { CoreRequest } from '../http/core.js';

/** An upstream answer, read whole: status, headers as received (minus hop-by-hop), raw body bytes. */
export interface UpstreamAnswer {
  status: number;
  statusText: string;
  /** Flat `[name, value, ...]`, order and case as received, hop-by-hop headers removed. */
  rawHeaders: string[];
  /** The body exactly as received (still content-encoded). */
  body: Buffer;
}

/** Why no answer could be passed on. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/** Answers are read whole (they are validated before they are passed on); API answers are small. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, not the message, so a
 * proxy never forwards them. `host` is set for the upstream instead (see `forward`); `expect`
 * is answered by the proxy's own server.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Raw headers minus hop-by-hop ones, those the `Connection` header names, and `drop`. */
export function endToEndHeaders(raw: readonly string[], drop: readonly string[] = []): string[] {
  const connectionListed = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection')
      for (const token of raw[i + 1]!.split(',')) connectionListed.add(token.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || connectionListed.has(name) || drop.includes(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** Keep-alive agents of one proxy, closed with the mock. */
export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * Idle keep-alive sockets are dropped after this long (Node's global agent does the same):
 * servers close idle connections too, and reusing one they just closed fails the request.
 */
const IDLE_SOCKET_MS = 5000;

export const createAgents = (): Agents => ({
  http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
});

/**
 * Sends a request to `base` + its path and query, unchanged: same method, path and query bytes,
 * same headers in the same order and case, same body. Only `Host` differs: it is the upstream's,
 * because the upstream routes (and AK/SK-verifies) on it.
 */
export async function forward(
  req: CoreRequest,
  base: URL,
  options: { agents: Agents; timeoutMs: number },
): Promise<UpstreamAnswer> {
  const body = await req.body();
  const headers = [...endToEndHeaders(req.rawHeaders(), ['host', 'expect']), 'Host', base.host];
  const prefix = base.pathname.replace(/\/+$/, '');
  const path = `${prefix}${req.path}${req.rawQuery ? `?${req.rawQuery}` : ''}`;
  const https = base.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (e: UpstreamError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      upstream.destroy();
      reject(e);
    };
    const upstream = send({
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || (https ? 443 : 80),
      method: req.method,
      path,
      headers,
      agent: https ? options.agents.https : options.agents.http,
    });
    const timer = setTimeout(
      () => fail(new UpstreamError('timeout', `The upstream did not answer within ${options.timeoutMs} ms.`)),
      options.timeoutMs,
    );
    upstream.on('error', (e) => fail(new UpstreamError('unreachable', e.message)));
    upstream.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES)
          fail(new UpstreamError('too-large', `The upstream's answer is over ${MAX_ANSWER_BYTES} bytes.`));
        else chunks.push(c);
      });
      res.on('error', (e) => fail(new UpstreamError('unreachable', e.message)));
      res.on('aborted', () => fail(new UpstreamError('unreachable', 'The upstream closed the connection mid-answer.')));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) {
          fail(new UpstreamError('unreachable', 'The upstream closed the connection mid-answer.'));
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 502,
          statusText: res.statusMessage ?? '',
          rawHeaders: endToEndHeaders(res.rawHeaders),
          body: Buffer.concat(chunks),
        });
      });
    });
    upstream.end(body.length > 0 ? body : undefined);
  });
}
