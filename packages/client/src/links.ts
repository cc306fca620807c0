import {
  HEADER_LC,
  HuaweiTimeFormatError,
  parseHuaweiTime,
  type ShowBackupDownloadLinkResponse,
} from '@dds-backup/contract';
import type { ApiAccess } from './api-access.js';
import { ConfigurationError, ResponseFormatError } from './errors.js';
import { unwrap } from './unwrap.js';

export interface GetDownloadLinksInput {
  instanceId: string;
  backupId: string;
  signal?: AbortSignal;
}

/** One file of a backup, ready to download. */
export interface DownloadLink {
  name: string;
  /** Size as the API reports it, in KB (1024 bytes), rounded by the server. */
  sizeKB: number;
  /** The signed OBS link. A secret until it expires: print it only through redactUrl(). */
  url: string;
  /** When the link stops working, parsed from Huawei's `yyyy-mm-ddThh:mm:ss+hhmm`. */
  expiresAt: Date;
  groupId?: string;
  groupName?: string;
}

export interface DownloadLinks {
  bucket: string;
  files: DownloadLink[];
  /** The response body exactly as the API sent it (spec shape). */
  body: ShowBackupDownloadLinkResponse;
  requestId: string | undefined;
}

/** Calls ShowBackupDownloadLink and maps the answer; a malformed expiry time is a clear error. */
export async function getDownloadLinks(client: ApiAccess, input: GetDownloadLinksInput): Promise<DownloadLinks> {
  for (const key of ['instanceId', 'backupId'] as const) {
    if (typeof input[key] !== 'string' || input[key].trim() === '') {
      throw new ConfigurationError(
        `${key} is required: pass the ${key === 'instanceId' ? 'DDS instance' : 'backup'} ID.`,
      );
    }
  }
  const projectId = await client.projectId(input.signal);
  const result = await client.raw.GET('/v3/{project_id}/backups/download-file', {
    params: { path: { project_id: projectId }, query: { instance_id: input.instanceId, backup_id: input.backupId } },
    signal: input.signal,
  });
  const body = unwrap(result, 'ShowBackupDownloadLink');
  if (!body || !Array.isArray(body.files) || typeof body.bucket !== 'string') {
    throw new ResponseFormatError('ShowBackupDownloadLink answered 200 without `files` and `bucket`.');
  }
  const files = body.files.map((f, i): DownloadLink => {
    let expiresAt: Date;
    try {
      expiresAt = parseHuaweiTime(f.link_expired_time);
    } catch (error) {
      if (!(error instanceof HuaweiTimeFormatError)) throw error;
      throw new ResponseFormatError(`files[${i}] (${f.name}): link_expired_time ${error.message}`);
    }
    if (typeof f.name !== 'string' || typeof f.download_link !== 'string' || !Number.isInteger(f.size)) {
      throw new ResponseFormatError(`files[${i}] lacks a name, a download_link or an integer size.`);
    }
    return {
      name: f.name,
      sizeKB: f.size,
      url: f.download_link,
      expiresAt,
      ...(f.group_id !== undefined ? { groupId: f.group_id } : {}),
      ...(f.group_name !== undefined ? { groupName: f.group_name } : {}),
    };
  });
  return {
    bucket: body.bucket,
    files,
    body,
    requestId: result.response.headers.get(HEADER_LC.XRequestId) ?? undefined,
  };
}
