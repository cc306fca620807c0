import { type BackupFile, formatHuaweiTime, type ShowBackupDownloadLinkResponse } from '@dds-backup/contract';
import type { MockContext, RequestContext } from '../context.js';
import { DEFAULT_NAMESPACE } from '../context.js';
import { sizeInKb } from '../dataset.js';
import { jsonBody } from '../errors.js';
import type { CoreResult } from '../http/core.js';
import { NAMESPACE_PARAM, SCENARIO_PARAM } from '../links.js';
import { type BegunApiRequest, beginApiRequest, projectPathMatcher } from './api-request.js';

const OPERATION = 'ShowBackupDownloadLink' as const;

/** The project id segment when the path is the operation's (`/v3/{project_id}/backups/download-file`), else undefined. */
export const matchDownloadFilePath = projectPathMatcher(OPERATION);

/** The last answer per backup (weakly held: a reset or a replaced backup drops it). */
const answerCache = new WeakMap<object, { key: AnswerKey; body: Uint8Array }>();

/** What an answer depends on besides its backup. */
interface AnswerKey {
  origin: string;
  expires: number;
  bucket: string;
  namespace: string | undefined;
  scenario: string | undefined;
}

const sameKey = (a: AnswerKey, b: AnswerKey) =>
  a.expires === b.expires &&
  a.origin === b.origin &&
  a.bucket === b.bucket &&
  a.namespace === b.namespace &&
  a.scenario === b.scenario;

/** `GET /v3/{project_id}/backups/download-file`: the backup's files with signed links. */
export function showBackupDownloadLink(
  ctx: MockContext,
  rc: RequestContext,
  projectSegment: string,
): CoreResult | Promise<CoreResult> {
  const begun = beginApiRequest(ctx, rc, OPERATION, projectSegment);
  // Synchronous unless a fault rule adds latency: the hot operation stays off the microtask queue.
  return begun instanceof Promise ? begun.then((b) => answer(ctx, rc, b)) : answer(ctx, rc, begun);
}

function answer(ctx: MockContext, rc: RequestContext, begun: BegunApiRequest<typeof OPERATION>): CoreResult {
  const { req, ns } = rc;
  if ('result' in begun) return begun.result;
  const { now, prefs, query, project, fail, withFaults } = begun.request;
  const requestId = rc.requestId;

  const instance = project.instances.get(query.get('instance_id')!);
  if (!instance) return fail('DBS.200002');
  const entry = project.backups.get(query.get('backup_id')!);
  if (!entry || entry.instance !== instance) return fail('DBS.201214');
  // Only a COMPLETED backup has files to give (DECISIONS.md D-29).
  if (entry.backup.status !== 'COMPLETED') {
    const detail =
      entry.backup.status === 'BUILDING'
        ? 'the backup is BUILDING; its files can be downloaded once it is COMPLETED'
        : `the backup is ${entry.backup.status}, not COMPLETED`;
    return fail('DBS.280124', detail);
  }

  const expires = Math.floor(now / 1000) + ctx.linkTtlSeconds;
  const extras: Record<string, string> = {};
  if (ns.name !== DEFAULT_NAMESPACE) extras[NAMESPACE_PARAM] = ns.name;
  if (prefs.scenario) extras[SCENARIO_PARAM] = prefs.scenario;
  // The answer depends only on the backup, the origin, the expiry second and the signed extras:
  // every request of the same second gets the same bytes. Serializing and signing once per second
  // (not per request) is what keeps the mock's API route near a bare server's speed under load.
  // Compared field by field: no key string built per request.
  const key: AnswerKey = {
    origin: req.origin,
    expires,
    bucket: project.bucket,
    namespace: extras[NAMESPACE_PARAM],
    scenario: extras[SCENARIO_PARAM],
  };
  const cached = answerCache.get(entry.backup);
  if (cached && sameKey(cached.key, key)) return withFaults(jsonBody(200, cached.body, requestId));
  const linkExpiredTime = formatHuaweiTime(new Date(expires * 1000));
  const files: BackupFile[] = entry.backup.files.map((f) => {
    const file: BackupFile = {
      name: f.name,
      size: sizeInKb(f.sizeBytes),
      download_link: ctx.links.sign({
        origin: req.origin,
        bucket: project.bucket,
        backupId: entry.backup.id,
        fileName: f.name,
        expires,
        extras,
      }),
      link_expired_time: linkExpiredTime,
    };
    if (f.groupId !== undefined) file.group_id = f.groupId;
    if (f.groupName !== undefined) file.group_name = f.groupName;
    return file;
  });
  const body: ShowBackupDownloadLinkResponse = { files, bucket: project.bucket };
  // Cached as bytes: no string encoding per request.
  const json = Buffer.from(JSON.stringify(body));
  answerCache.set(entry.backup, { key, body: json });
  return withFaults(jsonBody(200, json, requestId));
}
