import type { Instance, ListInstancesQuery } from '@dds-backup/contract';
import type { ApiAccess } from './api-access.js';
import { paginate } from './paginate.js';
import { unwrap } from './unwrap.js';

/** An instance as ListInstances answers it (the spec's `Instance`, extra fields allowed). */
export type ListedInstance = Instance;

export interface ListInstancesFilter {
  /** Exactly this instance. */
  id?: string;
  /** Exact name, or a substring after a leading `*`. */
  name?: string;
  mode?: ListInstancesQuery['mode'];
  datastoreType?: ListInstancesQuery['datastore_type'];
  vpcId?: string;
  subnetId?: string;
  /** `key=value,key=value` (at most 20): instances carrying every pair. */
  tags?: string;
  /** Items per request (1 to the spec's maximum, 100; default the maximum). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** ListInstances over all pages: an async iterator, one request per page. */
export function listInstances(client: ApiAccess, filter: ListInstancesFilter = {}): AsyncGenerator<ListedInstance> {
  const query: ListInstancesQuery = {
    ...(filter.id !== undefined ? { id: filter.id } : {}),
    ...(filter.name !== undefined ? { name: filter.name } : {}),
    ...(filter.mode !== undefined ? { mode: filter.mode } : {}),
    ...(filter.datastoreType !== undefined ? { datastore_type: filter.datastoreType } : {}),
    ...(filter.vpcId !== undefined ? { vpc_id: filter.vpcId } : {}),
    ...(filter.subnetId !== undefined ? { subnet_id: filter.subnetId } : {}),
    ...(filter.tags !== undefined ? { tags: filter.tags } : {}),
  };
  return paginate(
    'ListInstances',
    async (offset, limit) => {
      const projectId = await client.projectId(filter.signal);
      const body = unwrap(
        await client.raw.GET('/v3/{project_id}/instances', {
          params: { path: { project_id: projectId }, query: { ...query, offset, limit } },
          signal: filter.signal,
        }),
        'ListInstances',
      );
      return { items: body?.instances, total: body?.total_count };
    },
    filter.pageSize,
  );
}
