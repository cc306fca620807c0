import {
  type BackupForList,
  formatHuaweiUtcTime,
  getOperation,
  type ListBackupsResponse,
  type operations,
  parseHuaweiUtcTime,
} from '@dds-backup/contract';
import type { MockContext, RequestContext } from '../context.js';
import { type BackupDef, type InstanceDef, sizeInKb } from '../dataset.js';
import { jsonResult } from '../errors.js';
import type { CoreResult } from '../http/core.js';
import { beginApiRequest, projectPathMatcher } from './api-request.js';

const OPERATION = 'ListBackups' as const;
const PAGING = getOperation(OPERATION).paging!;
// The paging parameters' names are the spec's own (x-paging), read at run time: one of the query's.
type PagingName = keyof NonNullable<operations[typeof OPERATION]['parameters']['query']>;

/** The project id segment when the path is `/v3/{project_id}/backups`, else undefined. */
export const matchListBackupsPath = projectPathMatcher(OPERATION);

/** The request's `backup_type` (capitalized, D-22) -> the answer's `type` values it selects. */
const TYPES: Record<string, readonly string[]> = {
  Auto: ['auto'],
  Manual: ['manual'],
  Incremental: ['incremental'],
};
/** Without `backup_type`: full backups only (D-28). */
const FULL_TYPES = ['auto', 'manual', 'fragment'];

export const DEFAULT_DATASTORE = { type: 'DDS-Community', version: '4.0' } as const;

/** One backup as ListBackups answers it. While BUILDING it has no size and no end yet. */
export function backupForList(backup: BackupDef, instance: InstanceDef): BackupForList {
  const building = backup.status === 'BUILDING';
  return {
    id: backup.id,
    name: backup.name,
    instance_id: instance.id,
    instance_name: instance.name,
    datastore: { ...(instance.datastore ?? DEFAULT_DATASTORE) } as BackupForList['datastore'],
    type: backup.type as BackupForList['type'],
    begin_time: formatHuaweiUtcTime(new Date(backup.beginTime)),
    end_time: formatHuaweiUtcTime(new Date(building ? backup.beginTime : backup.endTime)),
    status: backup.status as BackupForList['status'],
    size: building ? 0 : backup.files.reduce((n, f) => n + sizeInKb(f.sizeBytes), 0),
    description: backup.description ?? '',
  };
}

/** Newest first by begin time, then by id: a stable order for paging (D-27). */
const newestFirst = (a: { backup: BackupDef }, b: { backup: BackupDef }) =>
  b.backup.beginTime - a.backup.beginTime || (a.backup.id < b.backup.id ? -1 : a.backup.id > b.backup.id ? 1 : 0);

/** `GET /v3/{project_id}/backups`: one page of the project's backups (filters and paging as the spec says). */
export async function listBackups(ctx: MockContext, rc: RequestContext, projectSegment: string): Promise<CoreResult> {
  const begun = await beginApiRequest(ctx, rc, OPERATION, projectSegment);
  if ('result' in begun) return begun.result;
  const { query, project, fail, withFaults } = begun.request;

  const instanceId = query.get('instance_id') || undefined;
  if (instanceId !== undefined && !project.instances.has(instanceId)) return fail('DBS.200002');
  const backupType = query.get('backup_type') || undefined;
  const types = backupType === undefined ? FULL_TYPES : (TYPES[backupType] ?? []);
  const beginText = query.get('begin_time') || undefined;
  const endText = query.get('end_time') || undefined;
  // Both or neither (validateRequest enforced the pairing from x-parameter-dependencies). The
  // pattern passed; a calendar impossibility (02-30) is refused here, as parseHuaweiUtcTime does.
  let begin: number | undefined;
  let end: number | undefined;
  try {
    begin = beginText === undefined ? undefined : parseHuaweiUtcTime(beginText).getTime();
    end = endText === undefined ? undefined : parseHuaweiUtcTime(endText).getTime();
  } catch (e) {
    return fail('DBS.200001', `query parameter ${(e as Error).message}`);
  }
  if (begin !== undefined && end !== undefined && end < begin)
    return fail('DBS.200001', `query parameter \`end_time\` (${endText}) is before \`begin_time\` (${beginText})`);
  const backupId = query.get('backup_id') || undefined;
  const mode = query.get('mode') || undefined;

  const matching = [...project.backups.values()].filter(({ backup, instance }) => {
    if (instanceId !== undefined && instance.id !== instanceId) return false;
    if (backupId !== undefined && backup.id !== backupId) return false;
    if (!types.includes(backup.type.toLowerCase())) return false;
    if (mode !== undefined && instance.mode !== mode) return false;
    // The interval is closed and whole seconds: a backup that began within end_time's second is in it.
    if (begin !== undefined && end !== undefined && (backup.beginTime < begin || backup.beginTime >= end + 1000))
      return false;
    return true;
  });
  matching.sort(newestFirst);
  const offset = Number(query.get(PAGING.offset as PagingName) || 0);
  const limit = Number(query.get(PAGING.limit as PagingName) || PAGING.defaultLimit);
  const body: ListBackupsResponse = {
    backups: matching.slice(offset, offset + limit).map(({ backup, instance }) => backupForList(backup, instance)),
    total_count: matching.length,
  };
  return withFaults(jsonResult(200, body, rc.requestId));
}
