import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { NetworkSettings } from '../client.js';
import { connectTunnel } from '../download/http1-transport.js';

/** Sockets the SDK may keep open per host (its default is 50; our budget caps requests in flight anyway). */
const MAX_SOCKETS = 50;

/**
 * The AWS SDK's HTTP handler for the S3 destination, on the client's network settings: the
 * same proxy per URL (`--proxy`, HTTPS_PROXY/HTTP_PROXY, NO_PROXY) and the same trusted CAs
 * (`--ca-file`) as the API calls and the object GETs. Through a proxy every S3 connection is a
 * CONNECT tunnel (the engine's own `connectTunnel`), TLS inside it for https:. Certificates are
 * always verified.
 */
export function s3RequestHandler(network: NetworkSettings): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new ForwardingAgent(network),
    httpsAgent: new TunnelingAgent(network),
  });
}

type AgentOptions = http.ClientRequestArgs & { host?: string; port?: number | string; servername?: string };
type Callback = (error: Error | null, socket: Duplex) => void;

/** https: through a CONNECT tunnel when the resolver names a proxy for the URL; direct otherwise. */
class TunnelingAgent extends https.Agent {
  constructor(private readonly network: NetworkSettings) {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS, ...(network.ca ? { ca: [...network.ca] } : {}) });
  }

  override createConnection(options: AgentOptions, callback?: Callback): Duplex | undefined {
    const host = String(options.host ?? 'localhost');
    const port = Number(options.port) || 443;
    const proxy = this.network.proxy(new URL(`https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`));
    const ca = this.network.ca ? { ca: [...this.network.ca] } : {};
    if (!proxy) return tls.connect({ ...(options as tls.ConnectionOptions), ...ca });
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    connectTunnel(proxy, this.network.ca, authority, new AbortController().signal).then(
      (socket) =>
        callback?.(
          null,
          tls.connect({
            ...(options as tls.ConnectionOptions),
            ...ca,
            socket,
            servername: options.servername || (net.isIP(host) ? undefined : host),
          } as tls.ConnectionOptions),
        ),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

/**
 * http: through a CONNECT tunnel too, when the resolver names a proxy for the URL. Not the
 * absolute-form forwarding the engine's GETs use: the SDK's part uploads carry
 * `Expect: 100-continue` and large bodies, which forward proxies relay unevenly (npm proxy
 * answers 400 upstream); a tunnel carries the exchange untouched. The proxy must allow CONNECT
 * to the endpoint's port (Squid allows only 443 by default: list the port in its SSL_ports).
 */
class ForwardingAgent extends http.Agent {
  constructor(private readonly network: NetworkSettings) {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS });
  }

  override createConnection(options: AgentOptions, callback?: Callback): Duplex | undefined {
    const host = String(options.host ?? 'localhost');
    const port = Number(options.port) || 80;
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const proxy = this.network.proxy(new URL(`http://${authority}`));
    if (!proxy) return net.connect(options as net.NetConnectOpts);
    connectTunnel(proxy, this.network.ca, authority, new AbortController().signal).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}
