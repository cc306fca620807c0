import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { NetworkSettings } from '../client.js';
import { connectProxy, connectTunnel } from '../download/http1-transport.js';

/** Sockets the SDK may keep open per host (its default is 50; our budget caps requests in flight anyway). */
const MAX_SOCKETS = 50;

/**
 * The AWS SDK's HTTP handler for the S3 destination, on the client's network settings: the
 * same proxy per URL (`--proxy`, HTTPS_PROXY/HTTP_PROXY, NO_PROXY) and the same trusted CAs
 * (`--ca-file`) as the API calls and the object GETs. https: endpoints go through a CONNECT
 * tunnel (the engine's own `connectTunnel`), http: ones are sent to the proxy in absolute form,
 * as curl does. Certificates are always verified.
 */
export function s3RequestHandler(network: NetworkSettings): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new ForwardingAgent(network),
    httpsAgent: new TunnelingAgent(network),
  });
}

type AgentOptions = http.ClientRequestArgs & { host?: string; port?: number | string; servername?: string };
type Callback = (error: Error | null, socket: Duplex) => void;
type Proxy = NonNullable<ReturnType<NetworkSettings['proxy']>>;

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

/** http: through a forward proxy (absolute-form request line, Proxy-Authorization) when the resolver names one. */
class ForwardingAgent extends http.Agent {
  constructor(private readonly network: NetworkSettings) {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS });
  }

  // addRequest is public in Node's Agent (http-proxy-agent overrides it too) but not in @types/node.
  addRequest(req: http.ClientRequest, options: AgentOptions): void {
    const host = String(options.host ?? 'localhost');
    const port = Number(options.port) || 80;
    const origin = `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const proxy = this.network.proxy(new URL(origin));
    if (proxy) {
      // Sent to the proxy, which forwards it: the request line carries the whole URL.
      req.path = `${origin}${req.path}`;
      if (proxy.authorization) req.setHeader('Proxy-Authorization', proxy.authorization);
      options = { ...options, host: proxy.hostname, port: proxy.port, proxyTarget: proxy } as AgentOptions;
    }
    (http.Agent.prototype as unknown as { addRequest: (r: unknown, o: unknown) => void }).addRequest.call(
      this,
      req,
      options,
    );
  }

  override createConnection(options: AgentOptions & { proxyTarget?: Proxy }): Duplex {
    if (options.proxyTarget) return connectProxy(options.proxyTarget, this.network.ca);
    return net.connect(options as net.NetConnectOpts);
  }
}
