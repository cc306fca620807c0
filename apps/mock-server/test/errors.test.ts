import { ERROR_CODES, getErrorCode, validateSchema } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { huaweiError, mockError } from '../src/errors.js';

const parse = (body: unknown) => JSON.parse(String(body));

describe('huaweiError', () => {
  it('answers every documented code with its spec status and a body of the spec Error schema', () => {
    for (const code of ERROR_CODES) {
      for (const language of ['en-us', 'zh-cn'] as const) {
        const r = huaweiError(code, { language, requestId: 'r1', detail: 'x' });
        expect(r.status, code).toBe(getErrorCode(code)!.status);
        const body = parse(r.body);
        expect(validateSchema('Error', body).valid, code).toBe(true);
        expect(body.error_code).toBe(code);
        expect(body.error_msg).toContain('x');
        expect('request_id' in body).toBe(code.startsWith('APIGW.'));
        expect(r.headers['x-request-id']).toBe('r1');
      }
    }
  });

  it('takes only codes of the generated ErrorCode union', () => {
    // @ts-expect-error a code the spec does not document is a compile error, not a 500 at run time
    expect(() => huaweiError('DBS.999999', { language: 'en-us', requestId: 'r' })).toThrow(/x-huawei-error-codes/);
  });
});

describe('mockError', () => {
  it('writes the admin spec Error shape with a MOCK code', () => {
    const r = mockError(400, 'MOCK.0400', 'bad', 'r2', { requestIdInBody: true });
    expect(r.status).toBe(400);
    expect(parse(r.body)).toEqual({ error_code: 'MOCK.0400', error_msg: 'bad', request_id: 'r2' });
    // @ts-expect-error the admin spec's list of MOCK codes is closed
    mockError(400, 'MOCK.9999', 'bad', 'r2');
  });
});
