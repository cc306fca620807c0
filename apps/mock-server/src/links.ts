import { createHmac, timingSafeEqual } from 'node:crypto';
import { HEADER_LC, type ObsOperations } from '@dds-backup/contract';

/**
 * OBS temporary URLs (query-string authentication), served by the mock's own object route:
 * `{origin}/obs/{bucket}/{key}?AccessKeyId=…&Expires=…&Signature=…`.
 *
 * Signature = base64 HMAC-SHA1 of OBS's string to sign `GET\n\n\n{Expires}\n/{bucket}/{key}`,
 * where the key is the decoded object key, followed by `?name=value&…` of the mock's own signed
 * parameters (namespace, scenario) sorted by name, so they cannot be edited without breaking
 * the signature. HEAD is accepted with a link signed for GET (a real OBS would want a HEAD
 * signature; download tools HEAD first, and the mock hands out one link per file).
 */

/** Query parameters the mock signs along with the object. */
/** The namespace travels in the link under the name of its header (`X-Mock-Namespace`, lower case). */
export const NAMESPACE_PARAM = HEADER_LC.XMockNamespace;
export const SCENARIO_PARAM = 'x-mock-scenario';
const SIGNED_EXTRAS = [NAMESPACE_PARAM, SCENARIO_PARAM] as const;

/** The query parameters of an OBS-signature link, as obs.openapi.yaml names them (GetObject's query). */
export const LINK_PARAM = {
  accessKeyId: 'AccessKeyId',
  expires: 'Expires',
  signature: 'Signature',
} as const satisfies Record<string, keyof NonNullable<ObsOperations['GetObject']['parameters']['query']>>;

/** The AccessKeyId the mock's links carry (the mock's own "OBS" key, not a user credential). */
export const LINK_ACCESS_KEY_ID = 'DDSMOCKOBSLINKKEY001';

/** Object key of a file: `{backup id}/{file name}`. */
export const objectKey = (backupId: string, fileName: string) => `${backupId}/${fileName}`;

/** The path of an object on the mock: each key part percent-encoded (a name may hold `/`, `?`, `#`, `%`). */
export const objectPath = (bucket: string, backupId: string, fileName: string) =>
  `/obs/${encodeURIComponent(bucket)}/${encodeURIComponent(backupId)}/${encodeURIComponent(fileName)}`;

function stringToSign(expires: string, bucket: string, key: string, extras: Record<string, string>): string {
  const parts = SIGNED_EXTRAS.filter((k) => extras[k] !== undefined).map((k) => `${k}=${extras[k]}`);
  return `GET\n\n\n${expires}\n/${bucket}/${key}${parts.length ? `?${parts.join('&')}` : ''}`;
}

export class LinkSigner {
  constructor(private readonly secret: string) {}

  private signature(expires: string, bucket: string, key: string, extras: Record<string, string>): string {
    return createHmac('sha1', this.secret)
      .update(stringToSign(expires, bucket, key, extras))
      .digest('base64');
  }

  /** A signed link to an object, valid until `expires` (unix seconds). */
  sign(link: {
    origin: string;
    bucket: string;
    backupId: string;
    fileName: string;
    expires: number;
    extras?: Record<string, string>;
  }): string {
    const extras = link.extras ?? {};
    const expires = String(link.expires);
    const sig = this.signature(expires, link.bucket, objectKey(link.backupId, link.fileName), extras);
    const query = new URLSearchParams({ [LINK_PARAM.accessKeyId]: LINK_ACCESS_KEY_ID, [LINK_PARAM.expires]: expires });
    for (const k of SIGNED_EXTRAS) if (extras[k] !== undefined) query.set(k, extras[k]);
    query.set(LINK_PARAM.signature, sig);
    return `${link.origin}${objectPath(link.bucket, link.backupId, link.fileName)}?${query.toString()}`;
  }

  /** True when the link carries the mock's own AccessKeyId (signed by this signer, or forged). */
  isOwnLink(query: URLSearchParams): boolean {
    return query.get(LINK_PARAM.accessKeyId) === LINK_ACCESS_KEY_ID;
  }

  /**
   * Checks a link's signature. Answers which part is wrong, so the route can pick OBS's error;
   * expiry is the route's business (it needs the mock clock).
   */
  verify(
    bucket: string,
    key: string,
    query: URLSearchParams,
  ):
    | { ok: true; expires: number; extras: Record<string, string>; signature: string }
    | { ok: false; reason: 'missing' | 'access-key' | 'signature' } {
    const ak = query.get(LINK_PARAM.accessKeyId);
    const expires = query.get(LINK_PARAM.expires);
    const given = query.get(LINK_PARAM.signature);
    if (!ak || !expires || !given) return { ok: false, reason: 'missing' };
    if (ak !== LINK_ACCESS_KEY_ID) return { ok: false, reason: 'access-key' };
    const extras: Record<string, string> = {};
    for (const k of SIGNED_EXTRAS) {
      const v = query.get(k);
      if (v !== null) extras[k] = v;
    }
    const expected = Buffer.from(this.signature(expires, bucket, key, extras));
    const actual = Buffer.from(given);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual) || !/^[0-9]+$/.test(expires)) {
      return { ok: false, reason: 'signature' };
    }
    return { ok: true, expires: Number(expires), extras, signature: given };
  }
}
