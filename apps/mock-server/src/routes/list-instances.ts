import {
  formatHuaweiUtcTime,
  getOperation,
  ID_SHAPES,
  type Instance,
  type ListInstancesResponse,
  type operations,
} from '@dds-backup/contract';
import type { MockContext, RequestContext } from '../context.js';
import { type GroupDef, groupsOf, hexId, type InstanceDef } from '../dataset.js';
import { jsonResult } from '../errors.js';
import type { CoreResult } from '../http/core.js';
import type { ProjectState } from '../state.js';
import { beginApiRequest, projectPathMatcher } from './api-request.js';
import { DEFAULT_DATASTORE } from './list-backups.js';

const OPERATION = 'ListInstances' as const;
const PAGING = getOperation(OPERATION).paging!;
// The paging parameters' names are the spec's own (x-paging), read at run time: one of the query's.
type PagingName = keyof NonNullable<operations[typeof OPERATION]['parameters']['query']>;

/** The project id segment when the path is `/v3/{project_id}/instances`, else undefined. */
export const matchListInstancesPath = projectPathMatcher(OPERATION);

/** The database port of every mock instance (DDS's default). */
export const MOCK_PORT = 8635;

const ROLES: Record<string, string[]> = {
  replica: ['Primary', 'Secondary', 'Hidden'],
  shard: ['Primary', 'Secondary', 'Hidden'],
  config: ['Primary', 'Secondary', 'Hidden'],
  mongos: ['mongos', 'mongos'],
  single: ['Primary'],
};

function groupView(seed: number, instance: InstanceDef, g: GroupDef) {
  return {
    type: g.type,
    id: g.id,
    name: g.name,
    status: 'normal',
    nodes: (ROLES[g.type] ?? ['Primary']).map((role, i) => ({
      id: `${hexId(seed, `node:${g.id}:${i}`)}${ID_SHAPES.node.suffix}`,
      name: `${instance.name}_${g.name}_node_${i + 1}`,
      role,
      status: 'normal',
    })),
  };
}

/** One instance as ListInstances answers it. */
export function instanceView(seed: number, project: ProjectState, instance: InstanceDef): Instance {
  const groups = groupsOf(instance, seed);
  // A cluster also has its mongos routers (not a group of any backup file).
  const all: GroupDef[] =
    instance.mode === 'Sharding'
      ? [
          ...groups,
          {
            id: `${hexId(seed, `group:${instance.id}:mongos`)}${ID_SHAPES.group.suffix}`,
            name: 'mongos',
            type: 'mongos',
          },
        ]
      : groups;
  const created = formatHuaweiUtcTime(new Date(instance.created ?? 0));
  const view: Instance = {
    id: instance.id,
    name: instance.name,
    status: (instance.status ?? 'normal') as Instance['status'],
    port: MOCK_PORT,
    mode: instance.mode,
    region: project.def.name,
    datastore: { ...(instance.datastore ?? DEFAULT_DATASTORE) } as Instance['datastore'],
    engine: 'wiredTiger',
    created,
    updated: created,
    groups: all.map((g) => groupView(seed, instance, g)),
    time_zone: '',
    tags: (instance.tags ?? []).map((t) => ({ ...t })),
  };
  if (instance.vpcId !== undefined) view.vpc_id = instance.vpcId;
  if (instance.subnetId !== undefined) view.subnet_id = instance.subnetId;
  if (instance.backupStrategy)
    view.backup_strategy = {
      start_time: instance.backupStrategy.startTime,
      keep_days: instance.backupStrategy.keepDays,
    };
  return view;
}

/** `name`: exact, or a substring after a leading `*` (D-33). */
const nameMatches = (pattern: string, name: string) =>
  pattern.startsWith('*') ? name.includes(pattern.slice(1)) : name === pattern;

/** `GET /v3/{project_id}/instances`: one page of the project's instances, oldest first. */
export async function listInstances(ctx: MockContext, rc: RequestContext, projectSegment: string): Promise<CoreResult> {
  const begun = await beginApiRequest(ctx, rc, OPERATION, projectSegment);
  if ('result' in begun) return begun.result;
  const { query, project, withFaults } = begun.request;
  const get = (name: Parameters<typeof query.get>[0]) => query.get(name) || undefined;
  const id = get('id');
  const name = get('name');
  const mode = get('mode');
  const datastoreType = get('datastore_type');
  const vpcId = get('vpc_id');
  const subnetId = get('subnet_id');
  // The spec's pattern has been checked: `k=v` pairs, comma-separated.
  const tags = get('tags')
    ?.split(',')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    });

  const matching = project.def.instances.filter(
    (i) =>
      (id === undefined || i.id === id) &&
      (name === undefined || nameMatches(name, i.name)) &&
      (mode === undefined || i.mode === mode) &&
      (datastoreType === undefined || (i.datastore ?? DEFAULT_DATASTORE).type === datastoreType) &&
      (vpcId === undefined || i.vpcId === vpcId) &&
      (subnetId === undefined || i.subnetId === subnetId) &&
      (tags === undefined || tags.every((t) => i.tags?.some((it) => it.key === t.key && it.value === t.value))),
  );
  // Creation order, then id: stable for paging (D-27).
  matching.sort((a, b) => (a.created ?? 0) - (b.created ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const offset = Number(get(PAGING.offset as PagingName) ?? 0);
  const limit = Number(get(PAGING.limit as PagingName) ?? PAGING.defaultLimit);
  const body: ListInstancesResponse = {
    instances: matching.slice(offset, offset + limit).map((i) => instanceView(ctx.seed, project, i)),
    total_count: matching.length,
  };
  return withFaults(jsonResult(200, body, rc.requestId));
}
