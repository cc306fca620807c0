import {
  DEFAULT_REGION,
  getRegion,
  HEADER_LC,
  type IamPaths,
  type Language,
  MOCK_SERVER_URL,
  type paths,
  UnknownRegionError,
} from '@dds-backup/contract';
import createOpenApiClient, { type Client } from 'openapi-fetch';
import type { ApiAccess } from './api-access.js';
import type { CredentialsProvider } from './credentials/types.js';
import { ConfigurationError } from './errors.js';
import { type DownloadLinks, type GetDownloadLinksInput, getDownloadLinks } from './links.js';
import { type ListBackupsFilter, type ListedBackup, latestBackup, listBackups } from './list-backups.js';
import { type ListedInstance, type ListInstancesFilter, listInstances } from './list-instances.js';
import { networkFetch } from './network/network-fetch.js';
import { type ProxyTarget, parseProxyUrl, proxyConfigured, proxyResolver } from './network/proxy-env.js';
import { trustedCas } from './network/trusted-cas.js';
import type { RetryEvent, RetryOptions } from './retry.js';
import { singleFlight } from './single-flight.js';
import { createTransport, type FetchLike } from './transport.js';
import { unwrap } from './unwrap.js';
import { VERSION } from './version.js';

export interface ClientOptions {
  /** Region ID from the spec's servers (default DEFAULT_REGION, the default of the spec's `region` server variable). Ignored for the host when `endpoint` is set. */
  region?: string;
  /** A DDS endpoint URL instead of the region's (a proxy, the mock). */
  endpoint?: string;
  /** IAM endpoint for password tokens and project lookup (default: the region's, or `endpoint` when set). */
  iamEndpoint?: string;
  /** Project ID; when absent, taken from the credentials or looked up in IAM by region name. */
  projectId?: string;
  credentials: CredentialsProvider;
  /**
   * Transport of API and IAM calls (default: the global fetch, or undici 7's fetch when a proxy
   * or an extra CA applies); the mock's in-process handler fits here. Object downloads always
   * use the engine's own HTTP/1.1 client with `proxy`/`ca` below.
   */
  fetch?: FetchLike;
  /**
   * Proxy for every request (API, IAM, objects): `http://[user:password@]host:port` (an
   * `https://` proxy is reached over TLS). Default: `https_proxy`/`HTTPS_PROXY` for https: URLs,
   * `http_proxy`/`HTTP_PROXY` for http: ones (lower case wins), `no_proxy`/`NO_PROXY` honoured
   * in every case (see network/proxy-env.ts). `false`: never a proxy.
   */
  proxy?: string | false;
  /** Where proxy and CA variables are read (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Extra trusted CAs (PEM contents), in addition to Node's roots and NODE_EXTRA_CA_CERTS.
   * Certificate and hostname verification is always on.
   */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Per-attempt timeout in ms (default 30000; 0 disables). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Language of error messages (`X-Language`). */
  language?: Language;
  userAgent?: string;
  /**
   * Host AK/SK signatures are computed for, when `endpoint` is a proxy in front of the real API
   * (e.g. `dds-backup-mock --proxy`): the upstream verifies the signature against its own host.
   */
  signingHost?: string;
  /** Called before each retry. */
  onRetry?: (event: RetryEvent & { url: string }) => void;
  /** Receives a line per request/response with every secret redacted (for --verbose). */
  log?: (line: string) => void;
}

/**
 * A client for one region (or endpoint) and one set of credentials. Its fields are what a caller
 * reads: where it goes (region and the resolved endpoints), `raw` for any other DDS call, the
 * operations, and the settings the download engine applies to object traffic too. The IAM
 * openapi-fetch client, the base `fetch` and the per-attempt `timeoutMs` stay inside: only the
 * API transport built here uses them (object requests have stall and speed limits of their own).
 */
export interface DdsClient extends ApiAccess {
  /** The `region` option (default DEFAULT_REGION): also the IAM project name of the project-ID lookup. */
  readonly region: string;
  /** The DDS endpoint requests go to: the `endpoint` option, or the region's from the spec's servers. */
  readonly endpoint: string;
  /** The IAM endpoint of password tokens and the project lookup. */
  readonly iamEndpoint: string;
  /** The openapi-fetch client for the DDS spec, authenticated and retrying, for any other call. */
  readonly raw: Client<paths>;
  // downloadBackup, mirror and the S3 destination take a DdsClient and build their own
  // transports from the three settings below.
  /** Proxy and CA settings, shared by the API fetch, the engine's HTTP/1.1 transport and the S3 handler. */
  readonly network: NetworkSettings;
  /** The `retry` option: the engine retries object requests with the same attempts and backoff. */
  readonly retry: RetryOptions;
  /** The `log` option (--verbose): the download engine logs its object GETs through it too. */
  readonly log?: ((line: string) => void) | undefined;
  /** The project ID, looked up once from IAM when it was not given. */
  projectId(signal?: AbortSignal): Promise<string>;
  /** ShowBackupDownloadLink: the backup's files with parsed expiry times. */
  getDownloadLinks(input: GetDownloadLinksInput): Promise<DownloadLinks>;
  /** ListBackups over all pages, one request per page: `for await (const b of client.listBackups({ instanceId }))`. */
  listBackups(filter?: ListBackupsFilter): AsyncGenerator<ListedBackup>;
  /** ListInstances over all pages, one request per page. */
  listInstances(filter?: ListInstancesFilter): AsyncGenerator<ListedInstance>;
  /** The newest COMPLETED full backup of an instance by end time, or undefined when it has none. */
  latestBackup(instanceId: string, options?: { signal?: AbortSignal }): Promise<ListedBackup | undefined>;
}

/** How connections are made: the proxy per URL (undefined = direct) and the trusted CAs. */
export interface NetworkSettings {
  proxy(url: URL): ProxyTarget | undefined;
  /** The full CA list when extra CAs were given; undefined = Node's default store. */
  ca: (string | Buffer)[] | undefined;
}

/** Creates a client for one region (or endpoint) and one set of credentials. */
export function createClient(options: ClientOptions): DdsClient {
  const regionId = options.region ?? DEFAULT_REGION;
  let endpoint = options.endpoint;
  let iamEndpoint = options.iamEndpoint ?? options.endpoint;
  if (!endpoint || !iamEndpoint) {
    try {
      const region = getRegion(regionId);
      endpoint ??= region.endpoint;
      iamEndpoint ??= region.iamEndpoint;
    } catch (error) {
      if (error instanceof UnknownRegionError) throw new ConfigurationError(error.message);
      throw error;
    }
  }
  for (const [name, url] of [
    ['endpoint', endpoint],
    ['iamEndpoint', iamEndpoint],
  ] as const) {
    if (!URL.canParse(url)) throw new ConfigurationError(`${name} "${url}" is not a URL: pass e.g. ${MOCK_SERVER_URL}`);
  }
  if (!options.credentials)
    throw new ConfigurationError('No credentials: pass credentials (e.g. credentialsFromEnvironment()).');
  const proxyOptions = { proxy: options.proxy, env: options.env };
  const extraCa = options.ca === undefined ? undefined : Array.isArray(options.ca) ? options.ca : [options.ca];
  const network: NetworkSettings = {
    proxy: proxyResolver(proxyOptions),
    ca: trustedCas(extraCa as (string | Buffer)[] | undefined, options.env),
  };
  // A malformed proxy URL is a configuration error now, not at the first request.
  if (options.proxy) parseProxyUrl(options.proxy, 'proxy');
  const baseFetch: FetchLike = options.fetch ?? networkFetch({ ...network, mayProxy: proxyConfigured(proxyOptions) });
  const retry = options.retry ?? {};
  const timeoutMs = options.timeoutMs ?? 30_000;
  let knownProjectId = options.projectId ?? options.credentials.projectId;

  const transport = createTransport({
    fetch: baseFetch,
    credentials: options.credentials,
    authContext: () => ({
      fetch: baseFetch,
      ...(options.log ? { log: options.log } : {}),
      iamEndpoint: iamEndpoint!,
      region: regionId,
      projectId: knownProjectId,
      ...(options.signingHost ? { signingHost: options.signingHost } : {}),
    }),
    retry,
    timeoutMs,
    headers: {
      'user-agent': options.userAgent ?? `dds-backup/${VERSION}`,
      ...(options.language ? { [HEADER_LC.XLanguage]: options.language } : {}),
    },
    onRetry: options.onRetry,
    log: options.log,
  });
  const raw = createOpenApiClient<paths>({ baseUrl: endpoint!.replace(/\/$/, ''), fetch: transport });
  const iam = createOpenApiClient<IamPaths>({ baseUrl: iamEndpoint!.replace(/\/$/, ''), fetch: transport });

  // One IAM lookup at a time; a failed one is asked again by the next call.
  const lookup = singleFlight(async (signal: AbortSignal | undefined) => {
    const data = unwrap(
      await iam.GET('/v3/projects', { params: { query: { name: regionId } }, signal }),
      'KeystoneListProjects',
    );
    const id = data.projects[0]?.id;
    if (!id) {
      throw new ConfigurationError(
        `IAM knows no project named "${regionId}" for these credentials: pass the project ID (HUAWEICLOUD_SDK_PROJECT_ID or --project-id).`,
      );
    }
    knownProjectId = id;
    return id;
  });
  const client: DdsClient = {
    region: regionId,
    endpoint: endpoint!,
    iamEndpoint: iamEndpoint!,
    raw,
    network,
    retry,
    log: options.log,
    async projectId(signal) {
      if (knownProjectId) return knownProjectId;
      return lookup(signal);
    },
    getDownloadLinks: (input) => getDownloadLinks(client, input),
    listBackups: (filter) => listBackups(client, filter),
    listInstances: (filter) => listInstances(client, filter),
    latestBackup: (instanceId, options) => latestBackup(client, instanceId, options),
  };
  return client;
}
