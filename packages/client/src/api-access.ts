import type { paths } from '@dds-backup/contract';
import type { Client } from 'openapi-fetch';

/**
 * What an operation (getDownloadLinks, listBackups, listInstances) needs of a client: the
 * authenticated, retrying openapi-fetch client and the project ID. A DdsClient is one; the
 * operations take this narrow seam so that client.ts can import them without a circle.
 */
export interface ApiAccess {
  /** The openapi-fetch client for the DDS spec, authenticated and retrying. */
  readonly raw: Client<paths>;
  /** The project ID, looked up once from IAM when it was not given. */
  projectId(signal?: AbortSignal): Promise<string>;
}
