import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  HEADER,
  LINK_SECRET_QUERY_PARAMETERS,
  SECRET_HEADERS,
  SECRET_QUERY_PARAMETERS,
  signing,
} from '../src/index.js';

const LINK =
  'https://b.obs.cn-north-4.myhuaweicloud.com/f.tar.gz?AccessKeyId=AKREAL123&Expires=1764382814&Signature=abc%2Bdef%3D';

describe('createRedactor', () => {
  it('masks every credential query parameter of the secret list, keeping every other byte', () => {
    const r = createRedactor({ mask: '#' });
    expect(r.redact(`GET ${LINK} failed`)).toBe(
      'GET https://b.obs.cn-north-4.myhuaweicloud.com/f.tar.gz?AccessKeyId=#&Expires=1764382814&Signature=# failed',
    );
    expect(r.redact('https://b.obs/k?X-Amz-Security-Token=tok123&x=1')).toBe(
      'https://b.obs/k?X-Amz-Security-Token=#&x=1',
    );
    expect(r.redact(`https://gw/x?${HEADER.XSecurityToken}=t0k&${HEADER.XAuthToken.toLowerCase()}=MIIa#frag`)).toBe(
      `https://gw/x?${HEADER.XSecurityToken}=#&${HEADER.XAuthToken.toLowerCase()}=##frag`,
    );
    // Each name of the list, in the case the list spells it and in lower case.
    for (const name of SECRET_QUERY_PARAMETERS) {
      for (const spelled of [name, name.toLowerCase()]) {
        expect(r.redact(`https://h/p?a=1&${spelled}=s3cr3tvalue&b=2`), spelled).toBe(
          `https://h/p?a=1&${spelled}=#&b=2`,
        );
      }
    }
    expect(LINK_SECRET_QUERY_PARAMETERS).toEqual(expect.arrayContaining(['Signature', 'AccessKeyId']));
  });

  it('masks credential header values in `name: value`, `name=value` and JSON forms', () => {
    const r = createRedactor({ mask: '***' });
    for (const name of [HEADER.Authorization, HEADER.XAuthToken, HEADER.XSubjectToken, HEADER.XSecurityToken]) {
      expect(r.redact(`${name}: MIIabc.def`)).toBe(`${name}: ***`);
      expect(r.redact(`sent ${name.toLowerCase()}=MIIabc.def`)).toBe(`sent ${name.toLowerCase()}=***`);
      expect(r.redact(`{"${name.toLowerCase()}":"MIIabc","x-language":"en-us"}`)).toBe(
        `{"${name.toLowerCase()}":"***","x-language":"en-us"}`,
      );
      expect(r.redact(`{"${name}": "MIIabc"}`)).toBe(`{"${name}": "***"}`);
    }
    expect(r.redact('Proxy-Authorization: Basic c29tZW9uZTpDb3Jw')).toBe('Proxy-Authorization: ***');
    expect(r.redact('X-Language: en-us')).toBe('X-Language: en-us');
  });

  it('masks AK/SK Authorization values with or without their header name, and long hex signatures', () => {
    const r = createRedactor({ mask: 'REDACTED' });
    const value = `${signing.algorithm} Access=AK, SignedHeaders=host;x-sdk-date, Signature=0123456789abcdef0123`;
    expect(r.redact(`authorization: ${value}`)).toBe('authorization: REDACTED');
    expect(r.redact(`the gateway saw "${value}"`)).toBe('the gateway saw "REDACTED"');
    expect(r.redact('OBS said Signature=00112233445566778899aabb, retry')).toBe('OBS said Signature=REDACTED, retry');
  });

  it('masks the password of a URL (a proxy URL), keeping user and host', () => {
    const r = createRedactor({ mask: '***' });
    expect(r.redact('connect failed via http://someone:Corp-Pa55word@proxy.corp:3128 (ECONNRESET)')).toBe(
      'connect failed via http://someone:***@proxy.corp:3128 (ECONNRESET)',
    );
    expect(r.redactUrl(new URL('https://user:other-secret@example.com/x'))).toBe('https://user:***@example.com/x');
    expect(r.redact('no password at http://proxy.corp:3128')).toBe('no password at http://proxy.corp:3128');
  });

  it('masks registered values anywhere; values under 6 characters only as whole words', () => {
    const r = createRedactor({ mask: '***' });
    r.registerSecret('super-secret-token-value');
    r.registerSecret('k9z');
    r.registerSecret(undefined);
    r.registerSecret('');
    expect(r.redact('token super-secret-token-value expired; xsuper-secret-token-valuex')).toBe(
      'token *** expired; x***x',
    );
    expect(r.redact('the server says: token k9z is not valid')).toBe('the server says: token *** is not valid');
    expect(r.redact('{"token":"k9z"}')).toBe('{"token":"***"}');
    expect(r.redact('ak9zb and k9z-1 stay')).toBe('ak9zb and k9z-1 stay');
  });

  it('per-call secrets follow the same rules and are not remembered', () => {
    const r = createRedactor({ mask: 'REDACTED' });
    expect(r.redact('echoed MIIrequest-token back', ['MIIrequest-token', undefined])).toBe('echoed REDACTED back');
    expect(r.redact('abc is abcd', ['abc'])).toBe('REDACTED is abcd');
    expect(r.redact('echoed MIIrequest-token back')).toBe('echoed MIIrequest-token back');
  });

  it('each redactor has its own mask and its own registry', () => {
    const client = createRedactor({ mask: '***' });
    const mock = createRedactor({ mask: 'REDACTED' });
    client.registerSecret('held-by-the-client-only');
    expect(client.redact('x held-by-the-client-only')).toBe('x ***');
    expect(mock.redact('x held-by-the-client-only')).toBe('x held-by-the-client-only');
    expect(mock.redact(`${LINK}`)).toContain('Signature=REDACTED');
    expect(client.mask).toBe('***');
    expect(mock.mask).toBe('REDACTED');
  });

  it('redactQuery masks credential values of a raw query by decoded name, every other byte kept', () => {
    const r = createRedactor({ mask: 'REDACTED' });
    expect(r.redactQuery('')).toBe('');
    expect(r.redactQuery('backup_id=b1&Signature=abc%3D&AccessKeyId=AK&x=%zz')).toBe(
      'backup_id=b1&Signature=REDACTED&AccessKeyId=REDACTED&x=%zz',
    );
    // An encoded name is still the parameter; a bare name gets the mask as its value.
    expect(r.redactQuery('Signat%75re=abc&signature&a')).toBe('Signat%75re=REDACTED&signature=REDACTED&a');
  });

  it('redactHeaders masks every secret header whole and redacts the other values', () => {
    const r = createRedactor({ mask: '***' });
    const headers = Object.fromEntries(SECRET_HEADERS.map((h) => [h, 'anything at all']));
    expect(r.redactHeaders({ ...headers, 'x-language': 'en-us', referer: `${LINK}` })).toEqual({
      ...Object.fromEntries(SECRET_HEADERS.map((h) => [h, '***'])),
      'x-language': 'en-us',
      referer: expect.stringContaining('AccessKeyId=***&Expires=1764382814&Signature=***'),
    });
    expect(r.redactHeaders(new Headers({ 'X-Auth-Token': 't', 'X-Subject-Token': 's', Accept: 'x' }))).toEqual({
      accept: 'x',
      'x-auth-token': '***',
      'x-subject-token': '***',
    });
  });
});
