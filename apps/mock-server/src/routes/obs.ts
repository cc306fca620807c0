import { HEADER_LC, OBS_LINK_EXPIRED_CODE } from '@dds-backup/contract';
import { type MockContext, type RequestContext, sleep } from '../context.js';
import { obsCodeForStatus, obsError } from '../errors.js';
import type { CoreResult, StreamFaults } from '../http/core.js';
import { objectKey, SCENARIO_PARAM } from '../links.js';
import { isSdkLink, verifyObsLink } from '../obs-signature.js';
import { parseScenario } from '../prefer.js';
import { applyDownloadFaults } from './faults.js';

export const OBS_PREFIX = '/obs/';

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/**
 * True for OBS's own path-style address `/{bucket}/{key}`: any path outside the mock's API
 * (`/v3/`), admin (`/__mock/`) and own object (`/obs/`) routes. Bucket names are 3-63 lower-case
 * letters, digits, `.` and `-`, so `v3` and `__mock` can never be one; a bucket named `obs` is
 * served by the `/obs/` route.
 */
export function isPathStyleObject(path: string): boolean {
  return (
    /^\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/./.test(path) && !path.startsWith(OBS_PREFIX) && !path.startsWith('/v3/')
  );
}

/** Splits `/obs/{bucket}/{backup id}/{file name}` (or the path-style `/{bucket}/...`); the name is everything after the backup id. */
function parseObjectPath(path: string): { bucket: string; backupId: string; name: string } | undefined {
  const rest = path.slice(path.startsWith(OBS_PREFIX) ? OBS_PREFIX.length : 1);
  const a = rest.indexOf('/');
  const b = a < 0 ? -1 : rest.indexOf('/', a + 1);
  if (a <= 0 || b < 0 || b === rest.length - 1) return undefined;
  const bucket = decode(rest.slice(0, a));
  const backupId = decode(rest.slice(a + 1, b));
  const name = decode(rest.slice(b + 1));
  return bucket && backupId && name ? { bucket, backupId, name } : undefined;
}

/**
 * A `Range` header against an object size. `undefined`: no usable range, send the whole object
 * (absent, malformed, or several ranges, as OBS/S3 do); `'unsatisfiable'`: start past the end.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined; // bytes=5-2: invalid, ignored
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(Number(last) + 1, size);
  return { start, end };
}

/**
 * `GET|HEAD /obs/{bucket}/{key}?AccessKeyId=…&Expires=…&Signature=…` (the mock's own links) or
 * `/{bucket}/{key}?…` (OBS path style): the object behind a link. Links presigned by the OBS SDK
 * with the `--obs-aksk` key pair (OBS, V2 or V4 signature) are accepted on both routes.
 */
export async function getObject(ctx: MockContext, rc: RequestContext): Promise<CoreResult> {
  const { req, ns, requestId } = rc;
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    const r = obsError('MethodNotAllowed', requestId);
    r.headers.allow = 'GET, HEAD';
    return r;
  }
  const parts = parseObjectPath(req.path);
  if (!parts) return obsError('NoSuchKey', requestId, { head });

  const query = rc.query();
  const sdk = isSdkLink(query) && !ctx.links.isOwnLink(query);
  const verified = sdk
    ? ((v) => (v.ok ? { ...v, extras: {} as Record<string, string> } : v))(verifyObsLink(ctx.obsKeyPair, req, query))
    : ctx.links.verify(parts.bucket, objectKey(parts.backupId, parts.name), query);
  if (!verified.ok) {
    if (verified.reason === 'missing' || verified.reason === 'malformed')
      return obsError('AccessDenied', requestId, { head });
    if (verified.reason === 'access-key') {
      return obsError('InvalidAccessKeyId', requestId, { head });
    }
    return obsError('SignatureDoesNotMatch', requestId, { head });
  }
  // Expiry is checked once, when the request starts: a transfer that began in time finishes.
  if (ns.clock.now() > verified.expires * 1000)
    // OBS's own wording for an expired link (the spec's AccessDenied entry describes it).
    return obsError(OBS_LINK_EXPIRED_CODE, requestId, { message: 'Request has expired', head });

  // A scenario the API call asked for (`Prefer: download-…`), carried in the signed link.
  let stream: StreamFaults | undefined;
  const scenarioText = verified.extras[SCENARIO_PARAM];
  if (scenarioText) {
    const s = parseScenario(scenarioText);
    const uses = (ns.linkUses.get(verified.signature) ?? 0) + 1;
    if (s.times !== undefined) ns.linkUses.set(verified.signature, uses);
    if (s.times === undefined || uses <= s.times) {
      if (s.latency) await sleep(s.latency);
      if (s.status !== undefined) {
        return obsError(obsCodeForStatus(s.status), requestId, {
          status: s.status,
          message: 'Injected by the scenario of this link.',
          head,
        });
      }
      stream = {};
      if (s.reset !== undefined) stream.resetAfter = s.reset;
      if (s.truncate !== undefined) stream.truncateAfter = s.truncate;
      if (s.throttle !== undefined) stream.bytesPerSecond = s.throttle;
    }
  }
  const faulted = await applyDownloadFaults(rc, head);
  if (faulted?.result) return faulted.result;
  if (faulted?.stream) stream = { ...stream, ...faulted.stream };

  if (!ns.buckets.has(parts.bucket)) return obsError('NoSuchBucket', requestId, { head });
  const found = ns.findFile(parts.bucket, parts.backupId, parts.name);
  if (!found) return obsError('NoSuchKey', requestId, { head });

  const content = ctx.content(found.backup.id, found.file.name, found.file.sizeBytes);
  const size = content.size;
  const etag = await content.etag();
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    [HEADER_LC.ETag]: etag,
    'last-modified': new Date(found.backup.endTime).toUTCString(),
    [HEADER_LC.XRequestId]: requestId,
    [HEADER_LC.XObsRequestId]: requestId,
  };
  // If-Range: the range only holds for the same version of the object.
  const ifRange = req.header(HEADER_LC.IfRange);
  const rangeHeader =
    ifRange && ifRange !== etag && ifRange !== headers['last-modified'] ? undefined : req.header(HEADER_LC.Range);
  const range = parseRange(rangeHeader, size);
  if (range === 'unsatisfiable') {
    const r = obsError('InvalidRange', requestId, { head });
    r.headers[HEADER_LC.ContentRange] = `bytes */${size}`;
    return r;
  }
  const { start, end } = range ?? { start: 0, end: size };
  headers['content-length'] = String(end - start);
  if (range) headers[HEADER_LC.ContentRange] = `bytes ${start}-${end - 1}/${size}`;
  return {
    status: range ? 206 : 200,
    headers,
    body: head ? undefined : { kind: 'object', content, start, end },
    faults: head ? undefined : stream,
  };
}
