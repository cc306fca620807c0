import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { LINK_TTL_SECONDS, MOCK_SERVER_PORT } from '@dds-backup/contract';
import { Authenticator, DEFAULT_AKSK } from './auth.js';
import { createClock, type MockClock } from './clock.js';
import { ObjectContent } from './content.js';
import { DEFAULT_NAMESPACE, type MockContext } from './context.js';
import { type Dataset, type DefaultIds, defaultDataset, defaultIds } from './dataset.js';
import { createHandler } from './handler.js';
import { createFetchHandler } from './http/fetch-adapter.js';
import { createNodeListener } from './http/node-adapter.js';
import { LinkSigner } from './links.js';
import { type RequestLogger, stderrLogger, stderrViolationLogger } from './log.js';
import { type ProxyOptions, resolveProxyConfig } from './proxy/config.js';
import { createProxy, type ViolationSink } from './proxy/proxy.js';
import { displayUrl } from './redact.js';
import { Namespace } from './state.js';
import { selfSignedCertificate, type TlsKeyPair } from './tls-certificate.js';

/** Options of `createMockServer`. Every one is optional. */
export interface MockServerOptions {
  /** Seed of ids and content (default 1): same seed, same ids and bytes. */
  seed?: number;
  /** Lifetime of download links in seconds (default: the spec's, LINK_TTL_SECONDS). */
  linkTtlSeconds?: number;
  /** Tokens accepted on `X-Auth-Token`. Default: any non-empty token. Tokens issued by `POST /v3/auth/tokens` are always accepted until they expire. */
  tokens?: readonly string[];
  /** AK/SK pairs accepted for `SDK-HMAC-SHA256` signatures. Default: `DEFAULT_AKSK`. */
  aksk?: ReadonlyArray<{ ak: string; sk: string }>;
  /** IAM users for `POST /v3/auth/tokens`. Default: any user name and password. */
  users?: ReadonlyArray<{ name: string; password: string; domain?: string }>;
  /** A dataset replacing the default one (see `loadFixtures` for files). */
  dataset?: Dataset;
  /** The clock of the default namespace (e.g. `createClock({ start, frozen: true })`). Default: real time. */
  clock?: MockClock;
  /**
   * Wall time for the AK/SK `X-Sdk-Date` skew check (default `Date.now`). The check never reads
   * the mock clock, so moving it by days does not break signed clients; tests inject this to
   * probe the 15-minute limit.
   */
  wallClock?: () => number;
  /** Request log: `true` for JSON lines on stderr, or a function receiving each entry. Default: off. */
  log?: boolean | RequestLogger;
  /** Default port and host of `listen()` (the spec's MOCK_SERVER_PORT, 127.0.0.1). */
  port?: number;
  host?: string;
  /**
   * Validation proxy mode: every request but the admin API is forwarded unchanged to this DDS
   * endpoint (IAM routes to its region's IAM endpoint, or `iamUrl`), and each answer is checked
   * against the spec (`X-Mock-Contract` header, `GET /__mock/violations`, a log line with `log: true`).
   * The mock's own dataset, auth, links, faults and clock are then not used.
   */
  proxy?: string | ProxyOptions;
  /**
   * Serve HTTPS (API, IAM, objects and admin alike; links then start with https://): a
   * certificate and key (PEM), or `true` for a fresh self-signed one for localhost/127.0.0.1/::1
   * (read it back from `certificate` to trust it). Default: plain HTTP.
   */
  tls?: TlsKeyPair | true;
  /**
   * A fixed OBS key pair: object links presigned with it by Huawei's OBS SDK (`esdk-obs-nodejs`
   * `createSignedUrlSync`, OBS/V2/V4 signatures, path style `/{bucket}/{key}` against the mock's
   * address) are accepted, edited ones refused. Default: none (only the mock's own links).
   */
  obsAksk?: { ak: string; sk: string };
}

/** Ids and credentials that work against a fresh mock. */
export interface MockDefaults extends DefaultIds {
  seed: number;
  linkTtlSeconds: number;
  /** An AK/SK pair the mock accepts (the first configured, else `DEFAULT_AKSK`). */
  aksk: { ak: string; sk: string };
  /** A token the mock accepts (the first configured, else `mock-token`). */
  token: string;
}

/** A running (or ready to run) mock server. */
export interface MockServer {
  /** Standard fetch handler: in-process use with no socket. */
  fetch(request: Request): Promise<Response>;
  /** node:http listener, for embedding in an existing server. */
  readonly nodeListener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:PORT`). Port 0 = any free port. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
  /** Base URL once listening. */
  readonly url: string | undefined;
  readonly defaults: MockDefaults;
  /** The default namespace's clock. */
  readonly clock: MockClock;
  /** In validation proxy mode, where requests go (for display: credentials in the URLs redacted). */
  readonly upstream: { dds: string; iam: string } | undefined;
  /** With `tls`, the server's certificate (PEM) once listening: what clients trust as a CA. */
  readonly certificate: string | undefined;
}

/** Namespaces are cheap but not free: a cap keeps a long-lived shared mock's memory bounded. */
const MAX_NAMESPACES = 1000;
/** Object contents kept (each holds a 64 KiB pattern and cached hashes). */
const MAX_CONTENTS = 512;

/** Creates the mock: DDS `ShowBackupDownloadLink`, the OBS objects behind its links, IAM stand-ins and the `/__mock/` admin API. */
export function createMockServer(options: MockServerOptions = {}): MockServer {
  const seed = options.seed ?? 1;
  const ids = defaultIds(seed);
  const initial = () => options.dataset ?? defaultDataset(seed);
  const baseClock = options.clock ?? createClock();
  const followBase = options.clock ? () => options.clock!.now() : Date.now;
  const namespaces = new Map<string, Namespace>();
  const contents = new Map<string, ObjectContent>();
  const ctx: MockContext = {
    seed,
    linkTtlSeconds: options.linkTtlSeconds ?? LINK_TTL_SECONDS,
    auth: new Authenticator(randomBytes(32).toString('hex'), { tokens: options.tokens, aksk: options.aksk }),
    links: new LinkSigner(randomBytes(32).toString('hex')),
    obsKeyPair: options.obsAksk,
    users: options.users,
    defaults: options.dataset ? undefined : ids,
    baseClock,
    wallClock: options.wallClock ?? Date.now,
    content(backupId, fileName, sizeBytes) {
      const key = `${backupId}\0${fileName}\0${sizeBytes}`;
      let c = contents.get(key);
      if (c) {
        // LRU: re-insert as newest
        contents.delete(key);
      } else {
        c = new ObjectContent({ seed, backupId, fileName, size: sizeBytes });
        if (contents.size >= MAX_CONTENTS) contents.delete(contents.keys().next().value!);
      }
      contents.set(key, c);
      return c;
    },
    namespace(name) {
      let ns = namespaces.get(name);
      if (!ns) {
        if (namespaces.size >= MAX_NAMESPACES) {
          // Evict the oldest namespace other than the default one.
          for (const key of namespaces.keys()) {
            if (key !== DEFAULT_NAMESPACE) {
              namespaces.delete(key);
              break;
            }
          }
        }
        ns = new Namespace(
          name,
          initial,
          name === DEFAULT_NAMESPACE ? baseClock : createClock({ source: followBase }),
          seed,
        );
        namespaces.set(name, ns);
      }
      return ns;
    },
    namespaces: () => [...namespaces.values()],
  };
  ctx.namespace(DEFAULT_NAMESPACE);

  const logger = options.log === true ? stderrLogger : typeof options.log === 'function' ? options.log : undefined;
  const proxyConfig = options.proxy === undefined ? undefined : resolveProxyConfig(options.proxy);
  const sinks = [options.log === true ? stderrViolationLogger : undefined, proxyConfig?.onViolation].filter(
    (f): f is ViolationSink => f !== undefined,
  );
  const report: ViolationSink = (v) => {
    for (const sink of sinks) sink(v);
  };
  const proxy = proxyConfig ? createProxy(proxyConfig, report) : undefined;
  const handler = createHandler(ctx, logger, proxy);
  const nodeListener = createNodeListener(handler);
  const fetchHandler = createFetchHandler(handler);
  let server: Server | undefined;
  let url: string | undefined;
  let keyPair: TlsKeyPair | undefined = options.tls === true ? undefined : options.tls;

  const firstProject = options.dataset?.projects[0];
  const defaults: MockDefaults = {
    ...ids,
    ...(firstProject ? { projectId: firstProject.id, region: firstProject.name } : {}),
    seed,
    linkTtlSeconds: ctx.linkTtlSeconds,
    aksk: { ...(options.aksk?.[0] ?? DEFAULT_AKSK) },
    token: options.tokens?.[0] ?? 'mock-token',
  };

  return {
    fetch: fetchHandler,
    nodeListener,
    defaults,
    clock: baseClock,
    upstream: proxyConfig ? { dds: displayUrl(proxyConfig.dds), iam: displayUrl(proxyConfig.iam) } : undefined,
    get url() {
      return url;
    },
    get certificate() {
      return keyPair?.cert;
    },
    async listen(listenOptions = {}) {
      if (server) throw new Error('The mock server is already listening');
      const host = listenOptions.host ?? options.host ?? '127.0.0.1';
      const port = listenOptions.port ?? options.port ?? MOCK_SERVER_PORT;
      if (options.tls === true) keyPair ??= await selfSignedCertificate(host === '127.0.0.1' ? [] : [host]);
      const s: Server = keyPair
        ? createTlsServer({ keepAliveTimeout: 65_000, cert: keyPair.cert, key: keyPair.key }, nodeListener)
        : createServer({ keepAliveTimeout: 65_000 }, nodeListener);
      server = s;
      return new Promise<string>((resolve, reject) => {
        s.once('error', (e) => {
          server = undefined;
          reject(e);
        });
        s.listen(port, host, () => {
          const address = s.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `${keyPair ? 'https' : 'http'}://${shownHost}:${address.port}`;
          resolve(url);
        });
      });
    },
    close() {
      const s = server;
      server = undefined;
      url = undefined;
      proxy?.close();
      if (!s) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        s.close((e) => (e ? reject(e) : resolve()));
        s.closeAllConnections();
      });
    },
  };
}
