import {
  type BackupFile,
  formatHuaweiTime,
  getOperation,
  type ShowBackupDownloadLinkResponse,
  validateRequest,
} from '@dds-backup/contract';
import type { MockContext, RequestContext } from '../context.js';
import { DEFAULT_NAMESPACE } from '../context.js';
import { sizeInKb } from '../dataset.js';
import { huaweiError, jsonBody, jsonResult, languageOf } from '../errors.js';
import type { CoreResult } from '../http/core.js';
import { NAMESPACE_PARAM, SCENARIO_PARAM } from '../links.js';
import { parsePrefer } from '../prefer.js';
import { applyApiFaults } from './faults.js';

const OPERATION = 'ShowBackupDownloadLink';
// The route comes from the spec: `/v3/{project_id}/backups/download-file` split at its parameter.
const [PREFIX, SUFFIX] = getOperation(OPERATION).path.split('{project_id}') as [string, string];

/** The project id segment when the path is the operation's, else undefined. */
export function matchDownloadFilePath(path: string): string | undefined {
  if (!path.startsWith(PREFIX) || !path.endsWith(SUFFIX) || path.length <= PREFIX.length + SUFFIX.length)
    return undefined;
  const segment = path.slice(PREFIX.length, path.length - SUFFIX.length);
  return segment.includes('/') ? undefined : segment;
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** A spec example for `Prefer: code=` / `example=`, Prism's way: by name, else the first of the status. */
function preferredExample(
  code: string | undefined,
  example: string | undefined,
): { status: number; value: unknown } | 'none' | undefined {
  if (code === undefined && example === undefined) return undefined;
  const op = getOperation(OPERATION);
  const responses = (op.document.paths[op.path] as any).get.responses as Record<string, any>;
  const resolve = (node: any): any => {
    let n = node;
    while (n?.$ref)
      n = n.$ref
        .slice(2)
        .split('/')
        .reduce((o: any, k: string) => o?.[k], op.document);
    return n;
  };
  for (const [status, r] of Object.entries(responses)) {
    if (code !== undefined && status !== code) continue;
    const examples = resolve(r)?.content?.['application/json']?.examples as Record<string, any> | undefined;
    if (!examples) continue;
    const entries = Object.entries(examples);
    const hit = example !== undefined ? entries.find(([name]) => name === example) : undefined;
    if (hit) return { status: Number(status), value: resolve(hit[1]).value };
    // `code=200` without an example name: the mock's real answer, with live links.
    if (example === undefined && status !== '200')
      return { status: Number(status), value: resolve(entries[0]![1]).value };
  }
  return code === '200' && example === undefined ? undefined : 'none';
}

/** The last answer per backup (weakly held: a reset or a replaced backup drops it). */
const answerCache = new WeakMap<object, { key: string; body: Uint8Array }>();

/** `GET /v3/{project_id}/backups/download-file`: the backup's files with signed links. */
export async function showBackupDownloadLink(
  ctx: MockContext,
  rc: RequestContext,
  projectSegment: string,
): Promise<CoreResult> {
  const { req, ns, requestId } = rc;
  const language = languageOf(req.header('x-language'));
  const fail = (code: string, detail?: string) => huaweiError(code, { language, requestId, detail });

  const faulted = await applyApiFaults(rc, language);
  if (faulted?.result) return faulted.result;
  const withFaults = (r: CoreResult): CoreResult => (faulted?.stream ? { ...r, faults: faulted.stream } : r);

  const now = ns.clock.now();
  const auth = ctx.auth.authenticate(req, rc.url, now);
  if (!auth.ok) return withFaults(fail(auth.code, auth.detail));

  let prefs: ReturnType<typeof parsePrefer>;
  try {
    prefs = parsePrefer(req.header('prefer'));
  } catch (e) {
    return withFaults(fail('DBS.200001', (e as Error).message));
  }
  const preferred = preferredExample(prefs.code, prefs.example);
  if (preferred === 'none') {
    return withFaults(
      fail(
        'DBS.200001',
        `Prefer asks for ${[prefs.code && `code=${prefs.code}`, prefs.example && `example=${prefs.example}`].filter(Boolean).join(', ')}, which the spec does not have`,
      ),
    );
  }
  if (preferred) return withFaults(jsonResult(preferred.status, preferred.value, requestId));

  const projectId = safeDecode(projectSegment);
  const query = rc.query();
  const check = validateRequest(OPERATION, { path: { project_id: projectId }, query, headers: req.headers() });
  if (!check.valid) return withFaults(fail('DBS.200001', check.issues[0]!.message));

  const project = ns.projects.get(projectId);
  if (!project) return withFaults(fail('DBS.280408'));
  const instance = project.instances.get(query.get('instance_id')!);
  if (!instance) return withFaults(fail('DBS.200002'));
  const entry = project.backups.get(query.get('backup_id')!);
  if (!entry || entry.instance !== instance) return withFaults(fail('DBS.201214'));

  const expires = Math.floor(now / 1000) + ctx.linkTtlSeconds;
  const extras: Record<string, string> = {};
  if (ns.name !== DEFAULT_NAMESPACE) extras[NAMESPACE_PARAM] = ns.name;
  if (prefs.scenario) extras[SCENARIO_PARAM] = prefs.scenario;
  // The answer depends only on the backup, the origin, the expiry second and the signed extras:
  // every request of the same second gets the same bytes. Serializing and signing once per second
  // (not per request) is what keeps the mock's API route near a bare server's speed under load.
  const cacheKey = `${req.origin}|${expires}|${project.bucket}|${extras[NAMESPACE_PARAM] ?? ''}|${extras[SCENARIO_PARAM] ?? ''}`;
  const cached = answerCache.get(entry.backup);
  if (cached?.key === cacheKey) return withFaults(jsonBody(200, cached.body, requestId));
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
  answerCache.set(entry.backup, { key: cacheKey, body: json });
  return withFaults(jsonBody(200, json, requestId));
}
