import {
  type BackupForList,
  type BackupKind,
  type BackupStatus,
  formatHuaweiUtcTime,
  HuaweiUtcTimeFormatError,
  type ListBackupsQuery,
  parseHuaweiUtcTime,
} from '@dds-backup/contract';
import type { ApiAccess } from './api-access.js';
import { ConfigurationError } from './errors.js';
import { paginate } from './paginate.js';
import { unwrap } from './unwrap.js';

/** A backup as ListBackups answers it (the spec's `BackupForList`). */
export type ListedBackup = BackupForList;

type RequestBackupType = NonNullable<ListBackupsQuery['backup_type']>;

/**
 * Backup types as users (and answers) spell them: the spec's `backup_type` enum in lower case;
 * the request's capitalized form is the client's business.
 */
export type BackupType = Lowercase<RequestBackupType>;

const REQUEST_TYPE: { [T in BackupType]: Capitalize<T> & RequestBackupType } = {
  auto: 'Auto',
  manual: 'Manual',
  incremental: 'Incremental',
};

export interface ListBackupsFilter {
  instanceId?: string;
  backupId?: string;
  /** Absent: full backups (automated and manual). `incremental` needs `instanceId`. */
  type?: BackupType;
  /** Only backups that began at or after this time. */
  since?: Date;
  /** Only backups that began at or before this time (default: now, when `since` is given). */
  until?: Date;
  mode?: ListBackupsQuery['mode'];
  /** Items per request (1 to the spec's maximum, 100; default the maximum). */
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * ListBackups over all pages: an async iterator, one request per page, through the client's
 * auth, retries and typed errors. `for await (const b of client.listBackups({ instanceId }))`.
 */
export function listBackups(client: ApiAccess, filter: ListBackupsFilter = {}): AsyncGenerator<ListedBackup> {
  const query: ListBackupsQuery = {};
  if (filter.instanceId !== undefined) query.instance_id = filter.instanceId;
  if (filter.backupId !== undefined) query.backup_id = filter.backupId;
  if (filter.type !== undefined) {
    const t = REQUEST_TYPE[filter.type];
    if (!t) throw new ConfigurationError(`type must be one of auto, manual, incremental (got "${filter.type}").`);
    if (filter.type === 'incremental' && !filter.instanceId)
      throw new ConfigurationError('Incremental backups are listed per instance: pass instanceId.');
    query.backup_type = t;
  }
  if (filter.mode !== undefined) query.mode = filter.mode;
  if (filter.since !== undefined || filter.until !== undefined) {
    // The API wants both ends (D-28): a missing one is "since the epoch" / "until now".
    query.begin_time = formatHuaweiUtcTime(filter.since ?? new Date(0));
    query.end_time = formatHuaweiUtcTime(filter.until ?? new Date());
  }
  return paginate(
    'ListBackups',
    async (offset, limit) => {
      const projectId = await client.projectId(filter.signal);
      const body = unwrap(
        await client.raw.GET('/v3/{project_id}/backups', {
          params: { path: { project_id: projectId }, query: { ...query, offset, limit } },
          signal: filter.signal,
        }),
        'ListBackups',
      );
      return { items: body?.backups, total: body?.total_count };
    },
    filter.pageSize,
  );
}

/** A list time (`begin_time`, `end_time`) as a Date, or undefined when the server wrote something else. */
export function backupTime(value: string): Date | undefined {
  try {
    return parseHuaweiUtcTime(value);
  } catch (error) {
    if (error instanceof HuaweiUtcTimeFormatError) return undefined;
    throw error;
  }
}

/**
 * Compares a status or type case-insensitively (DECISIONS.md D-25: answers may vary in case);
 * `expected` is one the spec's enums name, so a value the spec drops is a compile error.
 */
export function isStatus(value: unknown, expected: BackupStatus | BackupKind): boolean {
  return typeof value === 'string' && value.toUpperCase() === expected.toUpperCase();
}

/**
 * The newest COMPLETED full backup of an instance, by end time (not by the list's order, which
 * Huawei does not document), or undefined when it has none.
 */
export async function latestBackup(
  client: ApiAccess,
  instanceId: string,
  options: { signal?: AbortSignal } = {},
): Promise<ListedBackup | undefined> {
  let best: { backup: ListedBackup; end: number } | undefined;
  for await (const backup of listBackups(client, { instanceId, signal: options.signal })) {
    if (!isStatus(backup.status, 'COMPLETED')) continue;
    const end = backupTime(backup.end_time)?.getTime();
    if (end === undefined) continue;
    if (!best || end > best.end || (end === best.end && backup.id > best.backup.id)) best = { backup, end };
  }
  return best?.backup;
}
