import { HEADER_LC } from '@dds-backup/contract';
import type { Authenticator } from './auth.js';
import type { MockClock } from './clock.js';
import type { ObjectContent } from './content.js';
import type { DefaultIds } from './dataset.js';
import type { CoreRequest } from './http/core.js';
import type { LinkSigner } from './links.js';
import type { ObsKeyPair } from './obs-signature.js';
import type { Namespace } from './state.js';

/** What every route can reach: the server's configuration and shared machinery. */
export interface MockContext {
  seed: number;
  linkTtlSeconds: number;
  auth: Authenticator;
  links: LinkSigner;
  /** The fixed OBS key pair of `--obs-aksk`: links the OBS SDK presigned with it are accepted. */
  obsKeyPair?: ObsKeyPair | undefined;
  /** Accepted IAM users; undefined accepts any name and password. */
  users: ReadonlyArray<{ name: string; password: string; domain?: string }> | undefined;
  /** Ids of the default dataset (undefined when a fixtures file replaced it). */
  defaults: DefaultIds | undefined;
  /** The content of a file (cached; hashes are cached with it). */
  content(backupId: string, fileName: string, sizeBytes: number): ObjectContent;
  /** The namespace of that name, created on first use. */
  namespace(name: string): Namespace;
  namespaces(): Namespace[];
  /** The clock new namespaces follow. */
  baseClock: MockClock;
  /** Wall time (ms): what the `X-Sdk-Date` skew check compares with (never the mock clock). */
  wallClock: () => number;
}

/** One request as a route sees it. */
export interface RequestContext {
  req: CoreRequest;
  ns: Namespace;
  requestId: string;
  /** Lazily parsed query. */
  query(): URLSearchParams;
  /** The full URL (for signature checks). */
  url(): URL;
}

/** Header that selects a namespace (isolated state) for API, IAM and admin calls. */
export const NAMESPACE_HEADER = HEADER_LC.XMockNamespace;
export const DEFAULT_NAMESPACE = 'default';
/** Namespace names: short and URL-safe, as they travel inside links. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
