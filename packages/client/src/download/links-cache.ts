import type { DdsClient } from '../client.js';
import type { DownloadLink, DownloadLinks } from '../links.js';
import { singleFlight } from '../single-flight.js';
import { ListingChangedError, ObjectResponseError } from './errors.js';
import { assertFetchableLink } from './link-check.js';

/** A link plus the refresh generation it came from. */
export interface CurrentLink extends DownloadLink {
  generation: number;
}

export interface LinksCacheOptions {
  client: DdsClient;
  instanceId: string;
  backupId: string;
  initial: DownloadLinks;
  /** Refresh before a request when the link expires within this many ms. */
  refreshMarginMs: number;
  now: () => number;
  signal: AbortSignal;
  onRefresh: (reason: 'expired' | 'expiring', file: string, earliestExpiry: Date) => void;
}

/**
 * The backup's current links, by file name. Links are re-fetched from the API when object
 * storage says one expired (403 AccessDenied) or, before a new request, when one is about to;
 * all workers share ONE refresh in flight (single-flight), and a worker whose link was already
 * replaced by someone else's refresh just takes the new one.
 */
export class LinksCache {
  private links = new Map<string, CurrentLink>();
  private generation = 0;
  private fetchedAt: number;

  constructor(private readonly options: LinksCacheOptions) {
    this.fetchedAt = options.now();
    this.store(options.initial);
  }

  /** The link to use for a new request, refreshed first when it is about to expire. */
  async forRequest(name: string): Promise<CurrentLink> {
    const link = this.get(name);
    const now = this.options.now();
    const margin = this.options.refreshMarginMs;
    // A link fetched moments ago that already expires within the margin (a TTL shorter than the
    // margin) would be refreshed on every request; the second condition stops that loop.
    if (link.expiresAt.getTime() - now < margin && now - this.fetchedAt >= Math.min(margin, 10_000)) {
      await this.refresh(link.generation, 'expiring', name);
      return this.get(name);
    }
    return link;
  }

  /** After a 403 AccessDenied with `used`: refresh unless another worker already did. */
  async expired(used: CurrentLink): Promise<CurrentLink> {
    await this.refresh(used.generation, 'expired', used.name);
    return this.get(used.name);
  }

  get(name: string): CurrentLink {
    const link = this.links.get(name);
    if (!link)
      throw new ObjectResponseError(name, 'the API no longer lists this file in the backup.', { retryable: false });
    return link;
  }

  private refresh(seenGeneration: number, reason: 'expired' | 'expiring', file: string): Promise<void> {
    if (seenGeneration < this.generation) return Promise.resolve();
    return this.fetchFresh(reason, file);
  }

  /** One refresh in flight for all workers; the first caller's reason and file are reported. */
  private readonly fetchFresh = singleFlight(async (reason: 'expired' | 'expiring', file: string) => {
    const { client, instanceId, backupId, signal } = this.options;
    const links = await client.getDownloadLinks({ instanceId, backupId, signal });
    this.fetchedAt = this.options.now();
    this.generation++;
    this.store(links);
    const earliest = Math.min(...[...this.links.values()].map((l) => l.expiresAt.getTime()));
    this.options.onRefresh(reason, file, new Date(earliest));
  });

  /**
   * Stores a listing. A refreshed one must list the same files with the same sizes as the first
   * (ListingChangedError otherwise: a download must not mix two versions of a backup).
   */
  private store(links: DownloadLinks): void {
    const known = this.links.size > 0 ? this.links : undefined;
    const next = new Map<string, CurrentLink>();
    const changes: string[] = [];
    for (const f of links.files) {
      const old = known?.get(f.name);
      if (known && !old) changes.push(`${JSON.stringify(f.name)} added`);
      else if (old && old.sizeKB !== f.sizeKB)
        changes.push(`${JSON.stringify(f.name)} now ${f.sizeKB} KB (was ${old.sizeKB} KB)`);
      assertFetchableLink(f.name, f.url);
      next.set(f.name, { ...f, generation: this.generation });
    }
    if (known)
      for (const name of known.keys()) if (!next.has(name)) changes.push(`${JSON.stringify(name)} no longer listed`);
    if (changes.length > 0) throw new ListingChangedError(this.options.backupId, changes);
    this.links = next;
  }
}
