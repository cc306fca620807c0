import { ddsBackupSpec, iamSpec } from './generated/specs.js';
import type { OpenApiDocument } from './openapi-document.js';

/** A region and the endpoints the spec gives it. */
export interface Region {
  id: string;
  /** DDS endpoint, from the DDS spec's servers. */
  endpoint: string;
  /** IAM endpoint (tokens, project lookup), from the IAM spec's servers. */
  iamEndpoint: string;
}

/** The region the spec names as default (servers[0].variables.region.default). */
export const DEFAULT_REGION: string = ddsBackupSpec.servers![0]!.variables!.region!.default;

/** The mock server's URL, from the spec's servers. */
export const MOCK_SERVER_URL: string = ddsBackupSpec.servers!.find((s) => !s.variables)!.url;

/** The mock server's default port (the port of MOCK_SERVER_URL). */
export const MOCK_SERVER_PORT: number = Number(new URL(MOCK_SERVER_URL).port);

function serverFor(doc: OpenApiDocument, region: string): string | undefined {
  // A server whose `region` enum lists the region wins; a server without an enum (IAM's .com
  // template) takes any region not claimed by an enum.
  const templated = (doc.servers ?? []).filter((s) => s.variables?.region);
  const server =
    templated.find((s) => s.variables!.region!.enum?.includes(region)) ??
    templated.find((s) => !s.variables!.region!.enum);
  return server?.url.replace('{region}', region);
}

/** Every region the DDS spec lists, in the spec's order, with its endpoints. */
export function listRegions(): Region[] {
  const ids = (ddsBackupSpec.servers ?? []).flatMap((s) => s.variables?.region?.enum ?? []);
  return ids.map((id) => ({ id, endpoint: serverFor(ddsBackupSpec, id)!, iamEndpoint: serverFor(iamSpec, id)! }));
}

/** Thrown for a region the spec does not list. */
export class UnknownRegionError extends Error {
  override name = 'UnknownRegionError';
  constructor(readonly region: string) {
    super(
      `Unknown region "${region}". Known regions: ${listRegions()
        .map((r) => r.id)
        .join(', ')}. For another endpoint (a new region, a proxy, the mock) pass an endpoint URL instead.`,
    );
  }
}

/** The endpoints of one region; throws UnknownRegionError for a region the spec does not list. */
export function getRegion(id: string): Region {
  const region = listRegions().find((r) => r.id === id);
  if (!region) throw new UnknownRegionError(id);
  return region;
}
