import { ApiError, redact } from '@dds-backup/client';
import { describe, expect, it } from 'vitest';
import { redactHeaders, registerSecret } from '../src/redact.js';

describe('redact', () => {
  it('masks the Signature and AccessKeyId of a download link, keeping the rest', () => {
    const link =
      'https://b.obs.cn-north-4.myhuaweicloud.com/f.tar.gz?AccessKeyId=AKREAL123&Expires=1764382814&Signature=abc%2Bdef%3D';
    expect(redact(`GET ${link} failed`)).toBe(
      'GET https://b.obs.cn-north-4.myhuaweicloud.com/f.tar.gz?AccessKeyId=***&Expires=1764382814&Signature=*** failed',
    );
  });
  it('masks auth headers in text and header maps', () => {
    expect(redact('X-Auth-Token: MIIabc.def')).toBe('X-Auth-Token: ***');
    expect(redact('{"x-auth-token":"abc","x-language":"en-us"}')).toBe('{"x-auth-token":"***","x-language":"en-us"}');
    expect(redact('https://b.obs/k?X-Amz-Security-Token=tok123&x=1')).toBe(
      'https://b.obs/k?X-Amz-Security-Token=***&x=1',
    );
    expect(redact('authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=0123456789abcdef0123')).toBe(
      'authorization: ***',
    );
    expect(redactHeaders(new Headers({ 'X-Auth-Token': 't', authorization: 'a', 'x-language': 'en-us' }))).toEqual({
      authorization: '***',
      'x-auth-token': '***',
      'x-language': 'en-us',
    });
  });
  it('masks a registered secret wherever it appears, in messages and JSON', () => {
    registerSecret('super-secret-token-value');
    const error = new ApiError({
      operation: 'X',
      status: 401,
      errorCode: 'APIGW.0307',
      errorMessage: 'token super-secret-token-value expired',
    });
    expect(error.message).not.toContain('super-secret-token-value');
    expect(JSON.stringify(error)).not.toContain('super-secret-token-value');
    expect(String(error)).not.toContain('super-secret-token-value');
    expect(error.toJSON()).toMatchObject({ status: 401, errorCode: 'APIGW.0307', retryable: false });
  });
});
