import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { LINK_PARAM } from './links.js';

/**
 * Verifies OBS temporary URLs as Huawei's OBS signs them (and its official SDK `esdk-obs-nodejs`
 * `createSignedUrlSync` presigns them), for a fixed key pair given with `--obs-aksk AK:SK`:
 *
 * - OBS signature (`signature: 'obs'`): `AccessKeyId`, `Expires`, `Signature` = base64
 *   HMAC-SHA1(SK, `GET\n\n\n{Expires}\n{resource}`), the resource being the request path
 *   (path style: `/{bucket}/{key}`, the key as encoded in the URL) followed by the `x-obs-*`
 *   query parameters (`x-obs-security-token`) as `?name=value&...`, sorted, values decoded.
 * - S3-compatible V2 (`signature: 'v2'`): the same with `AWSAccessKeyId` and `x-amz-*`.
 * - V4 (`signature: 'v4'`): `X-Amz-Algorithm=AWS4-HMAC-SHA256`, `X-Amz-Credential` =
 *   `{AK}/{yyyymmdd}/{region}/s3/aws4_request`, `X-Amz-Date`, `X-Amz-Expires`,
 *   `X-Amz-SignedHeaders`, `X-Amz-Signature`; the canonical request is method, path, the other
 *   query parameters sorted as sent (`name=value`, encoded), the signed headers, and
 *   `UNSIGNED-PAYLOAD`.
 *
 * Sub-resources (`?acl`, `response-*` overrides) are not part of an object download and are not
 * signed here: a link carrying them is refused. HEAD is accepted with a GET signature, as for
 * the mock's own links.
 */
export interface ObsKeyPair {
  ak: string;
  sk: string;
}

export type ObsVerdict =
  | { ok: true; expires: number; signature: string; form: 'obs' | 'v2' | 'v4' }
  | { ok: false; reason: 'missing' | 'access-key' | 'signature' | 'malformed' };

/** True when the query looks like an OBS/S3 presigned URL (not the mock's own link). */
export function isSdkLink(query: URLSearchParams): boolean {
  return (
    query.has('X-Amz-Signature') ||
    query.has('AWSAccessKeyId') ||
    (query.has(LINK_PARAM.accessKeyId) && query.has(LINK_PARAM.signature))
  );
}

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Raw `name=value` pairs of a query string, in order, as sent (still encoded). */
const rawPairs = (rawQuery: string) =>
  rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? { name: p, value: '' } : { name: p.slice(0, i), value: p.slice(i + 1) };
    });

export function verifyObsLink(
  key: ObsKeyPair | undefined,
  req: { path: string; rawQuery: string; header(name: string): string | undefined },
  query: URLSearchParams,
): ObsVerdict {
  if (!key) return { ok: false, reason: 'access-key' };
  if (query.has('X-Amz-Signature')) return verifyV4(key, req, query);
  const v2 = query.has('AWSAccessKeyId');
  const ak = query.get(v2 ? 'AWSAccessKeyId' : LINK_PARAM.accessKeyId);
  const expires = query.get(LINK_PARAM.expires);
  const given = query.get(LINK_PARAM.signature);
  if (!ak || !expires || !given) return { ok: false, reason: 'missing' };
  if (!/^\d+$/.test(expires)) return { ok: false, reason: 'malformed' };
  if (ak !== key.ak) return { ok: false, reason: 'access-key' };
  const prefix = v2 ? 'x-amz-' : 'x-obs-';
  const signed = [...query.keys()]
    .filter((k) => k.toLowerCase().startsWith(prefix))
    .sort()
    .map((k) => `${k}=${query.get(k)}`);
  const resource = `${req.path}${signed.length ? `?${signed.join('&')}` : ''}`;
  const expected = createHmac('sha1', key.sk).update(`GET\n\n\n${expires}\n${resource}`).digest('base64');
  if (!equal(expected, given)) return { ok: false, reason: 'signature' };
  return { ok: true, expires: Number(expires), signature: given, form: v2 ? 'v2' : 'obs' };
}

function verifyV4(
  key: ObsKeyPair,
  req: { path: string; rawQuery: string; header(name: string): string | undefined },
  query: URLSearchParams,
): ObsVerdict {
  const credential = query.get('X-Amz-Credential');
  const date = query.get('X-Amz-Date');
  const expiresIn = query.get('X-Amz-Expires');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const given = query.get('X-Amz-Signature');
  if (
    query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    !credential ||
    !date ||
    !expiresIn ||
    !signedHeaders ||
    !given
  )
    return { ok: false, reason: 'missing' };
  const [ak, shortDate, region, service, terminator] = credential.split('/');
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (
    !m ||
    !/^\d+$/.test(expiresIn) ||
    service !== 's3' ||
    terminator !== 'aws4_request' ||
    shortDate !== date.slice(0, 8) ||
    !region
  )
    return { ok: false, reason: 'malformed' };
  if (ak !== key.ak) return { ok: false, reason: 'access-key' };
  const canonicalQuery = rawPairs(req.rawQuery)
    .filter((p) => p.name !== 'X-Amz-Signature')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => `${p.name}=${p.value}`)
    .join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${(req.header(n) ?? '').trim()}\n`).join('');
  const canonicalRequest = `GET\n${req.path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
  const scope = `${shortDate}/${region}/s3/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  let k: Buffer = createHmac('sha256', `AWS4${key.sk}`).update(shortDate).digest();
  for (const part of [region, 's3', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const expected = createHmac('sha256', k).update(stringToSign).digest('hex');
  if (!equal(expected, given)) return { ok: false, reason: 'signature' };
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  return { ok: true, expires: signedAt + Number(expiresIn), signature: given, form: 'v4' };
}
