import { signing } from '@dds-backup/contract';
import {
  canonicalQuery,
  canonicalUri,
  computeSignature,
  sha256Hex,
  signRequest,
  verifyRequest,
} from '@dds-backup/signer';
import { describe, expect, it } from 'vitest';

const v = signing.testVector;

describe("Huawei's published test vector (read from the spec)", () => {
  it('reproduces the canonical request hash and the signature', () => {
    const headers = new Headers(v.headers);
    const result = computeSignature({
      method: v.method,
      url: new URL(v.url),
      signedHeaders: v.signedHeaders.split(';'),
      getHeader: (n) => headers.get(n) ?? undefined,
      bodySha256: sha256Hex(''),
      sdkDate: v.headers['X-Sdk-Date']!,
      ak: v.ak,
      sk: v.sk,
    });
    expect(sha256Hex(result.canonicalRequest)).toBe(v.canonicalRequestSha256);
    expect(result.signature).toBe(v.signature);
  });

  it('signRequest produces the same Authorization when given the same headers and date', () => {
    const { headers } = signRequest(
      { method: 'GET', url: v.url, headers: { 'Content-Type': 'application/json' } },
      { ak: v.ak, sk: v.sk },
      { date: new Date('2019-11-15T03:36:55Z') },
    );
    expect(headers.get('authorization')).toBe(
      `SDK-HMAC-SHA256 Access=${v.ak}, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`,
    );
    expect(headers.get('x-sdk-date')).toBe('20191115T033655Z');
    expect(headers.has('host')).toBe(false);
  });
});

describe('canonicalization rules', () => {
  it('always ends the URI with / and encodes each segment', () => {
    expect(canonicalUri('/v3/p/backups/download-file')).toBe('/v3/p/backups/download-file/');
    expect(canonicalUri('/a b/c%2Fd/')).toBe('/a%20b/c%2Fd/');
  });
  it('sorts the query by key then value, RFC 3986 encoded', () => {
    expect(canonicalQuery(new URLSearchParams('b=2&a=x y&a=1&c=*'))).toBe('a=1&a=x%20y&b=2&c=%2A');
  });
});

describe('verifyRequest', () => {
  const creds = { ak: 'AK123', sk: 'secret-key' };
  const url = 'http://127.0.0.1:4010/v3/p1/backups/download-file?instance_id=i&backup_id=b';
  const now = new Date('2026-11-29T00:00:00Z');
  const signed = (date = now, sk = creds.sk) => {
    const { headers } = signRequest({ method: 'GET', url }, { ...creds, sk }, { date, projectId: 'p1' });
    headers.set('host', '127.0.0.1:4010');
    return { method: 'GET', url, getHeader: (n: string) => headers.get(n) ?? undefined };
  };
  const lookup = (ak: string) => (ak === creds.ak ? creds.sk : undefined);

  it('accepts a request signed with the right SK', () => {
    expect(verifyRequest(signed(), lookup, now)).toEqual({ ok: true, accessKey: 'AK123' });
  });
  it('refuses a wrong SK, an unknown AK, a skew over 15 minutes and a tampered query', () => {
    expect(verifyRequest(signed(now, 'wrong'), lookup, now)).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verifyRequest(signed(), () => undefined, now)).toEqual({ ok: false, reason: 'unknown-access-key' });
    expect(verifyRequest(signed(new Date(now.getTime() - 16 * 60_000)), lookup, now)).toEqual({
      ok: false,
      reason: 'clock-skew',
    });
    expect(verifyRequest(signed(new Date(now.getTime() - 14 * 60_000)), lookup, now).ok).toBe(true);
    const r = signed();
    expect(verifyRequest({ ...r, url: url.replace('backup_id=b', 'backup_id=c') }, lookup, now)).toEqual({
      ok: false,
      reason: 'signature-mismatch',
    });
  });
  it('accepts X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD as Huawei signers send it for unhashed bodies', () => {
    const headers = new Headers({
      host: '127.0.0.1:4010',
      'x-sdk-date': '20261129T000000Z',
      'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
    });
    const signedHeaders = ['host', 'x-sdk-content-sha256', 'x-sdk-date'];
    const sig = computeSignature({
      method: 'PUT',
      url: new URL(url),
      signedHeaders,
      getHeader: (n) => headers.get(n) ?? undefined,
      bodySha256: 'UNSIGNED-PAYLOAD',
      sdkDate: '20261129T000000Z',
      ak: creds.ak,
      sk: creds.sk,
    });
    headers.set('authorization', sig.authorization);
    const request = {
      method: 'PUT',
      url,
      body: 'any bytes at all',
      getHeader: (n: string) => headers.get(n) ?? undefined,
    };
    expect(verifyRequest(request, lookup, now)).toEqual({ ok: true, accessKey: 'AK123' });
  });

  it('refuses a malformed Authorization header', () => {
    expect(verifyRequest({ method: 'GET', url, getHeader: () => 'Bearer x' }, lookup, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
