import { listRegions } from '@dds-backup/contract';
import { parseUpstreamUrl } from './upstream-url.js';
import type { ContractViolation } from './violations.js';

export { parseUpstreamUrl, UpstreamUrlError } from './upstream-url.js';

/** Options of the validation proxy (`createMockServer({ proxy })`, `--proxy`). */
export interface ProxyOptions {
  /** The DDS endpoint to forward to, e.g. `https://dds.cn-north-4.myhuaweicloud.com`. */
  url: string;
  /**
   * Where IAM routes (`/v3/auth/*`, `/v3/projects`) go. Default: the IAM endpoint of the same
   * region (from the specs' servers) when `url` is a region's DDS endpoint, else `url` itself
   * (a staging gateway or another mock that serves both).
   */
  iamUrl?: string;
  /** How long an upstream answer may take, in ms (default 30000); then 504 `MOCK.0504`. */
  timeoutMs?: number;
  /** Called with each violation report (they are also kept for `GET /__mock/violations`). */
  onViolation?: (violation: ContractViolation) => void;
}

/** The resolved configuration. */
export interface ProxyConfig {
  dds: URL;
  iam: URL;
  timeoutMs: number;
  onViolation?: (violation: ContractViolation) => void;
}

export const DEFAULT_PROXY_TIMEOUT_MS = 30_000;

/**
 * The IAM endpoint that goes with a DDS endpoint: the region whose DDS endpoint (in the DDS
 * spec's servers) has this origin, and that region's IAM endpoint (IAM spec's servers).
 * Undefined when the URL is no region's DDS endpoint.
 */
export function iamEndpointFor(dds: URL): URL | undefined {
  const region = listRegions().find((r) => new URL(r.endpoint).origin === dds.origin);
  return region ? new URL(region.iamEndpoint) : undefined;
}

export function resolveProxyConfig(input: string | ProxyOptions): ProxyConfig {
  const options = typeof input === 'string' ? { url: input } : input;
  const dds = parseUpstreamUrl(options.url);
  const iam = options.iamUrl ? parseUpstreamUrl(options.iamUrl, 'IAM proxy URL') : (iamEndpointFor(dds) ?? dds);
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  return { dds, iam, timeoutMs, ...(options.onViolation ? { onViolation: options.onViolation } : {}) };
}
