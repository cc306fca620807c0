import {
  formatIssues,
  getOperation,
  showBackupDownloadLinkExamples,
  validateRequest,
  validateResponse,
} from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';

const ok = showBackupDownloadLinkExamples['200']['sharded-cluster'];
const clone = () => structuredClone(ok) as any;

describe('validateResponse', () => {
  it('accepts every named example of every documented status', () => {
    for (const [status, named] of Object.entries(showBackupDownloadLinkExamples)) {
      for (const [name, body] of Object.entries(named)) {
        const r = validateResponse('ShowBackupDownloadLink', status, body);
        expect(r, `${status} ${name}: ${formatIssues(r.issues)}`).toEqual({ valid: true, issues: [] });
      }
    }
  });

  it.each([
    ['a missing field', (b: any) => delete b.bucket, '', 'is missing the required property `bucket`'],
    [
      'a missing file field',
      (b: any) => delete b.files[0].download_link,
      '/files/0',
      'missing the required property `download_link`',
    ],
    ['a wrong type', (b: any) => (b.files[1].size = '1039872'), '/files/1/size', 'must be of type integer'],
    ['a negative size', (b: any) => (b.files[1].size = -1), '/files/1/size', 'must be >= 0'],
    [
      'the doc typo (3-digit day)',
      (b: any) => (b.files[0].link_expired_time = '2018-08-016T10:15:14+0000'),
      '/files/0/link_expired_time',
      'like "2018-08-16T10:15:14+0000"',
    ],
    [
      'an RFC 3339 offset',
      (b: any) => (b.files[0].link_expired_time = '2018-08-16T10:15:14+00:00'),
      '/files/0/link_expired_time',
      'must match',
    ],
    [
      'a Z suffix',
      (b: any) => (b.files[0].link_expired_time = '2018-08-16T10:15:14Z'),
      '/files/0/link_expired_time',
      'must match',
    ],
    ['an extra top-level field', (b: any) => (b.total = 3), '', 'unexpected property `total` (allowed: files, bucket)'],
    ['an extra file field', (b: any) => (b.files[0].md5 = 'x'), '/files/0', 'unexpected property `md5`'],
    [
      'a link that is not a URI',
      (b: any) => (b.files[0].download_link = 'not a url'),
      '/files/0/download_link',
      'must be a valid uri',
    ],
    ['files not an array', (b: any) => (b.files = {}), '/files', 'must be of type array'],
  ])('rejects %s with a precise message', (_, mutate, path, message) => {
    const body = clone();
    mutate(body);
    const r = validateResponse('ShowBackupDownloadLink', 200, body);
    expect(r.valid).toBe(false);
    expect(r.issues).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it('rejects an error body without the Huawei shape', () => {
    const r = validateResponse('ShowBackupDownloadLink', 404, { code: 'NotFound', message: 'x' });
    expect(r.issues.map((i) => i.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('missing the required property `error_code`'),
        expect.stringContaining('unexpected property `code`'),
      ]),
    );
  });

  it('rejects an error code that is not DBS.nnnnnn / APIGW.nnnn', () => {
    const r = validateResponse('ShowBackupDownloadLink', 400, { error_code: 'E42', error_msg: 'x' });
    expect(r.issues[0]).toMatchObject({ path: '/error_code', keyword: 'pattern' });
  });

  it('names an undocumented status', () => {
    const r = validateResponse('ShowBackupDownloadLink', 418, {});
    expect(r.issues[0]!.message).toBe(
      'status 418 is not documented for ShowBackupDownloadLink (documented: 200, 400, 401, 403, 404, 429, 500)',
    );
  });

  it('checks the response headers the spec declares', () => {
    const r = validateResponse('ShowBackupDownloadLink', 200, ok, { headers: new Headers() });
    expect(r.issues).toEqual([
      { path: 'headers.X-Request-Id', keyword: 'required', message: 'response header `X-Request-Id` is missing' },
    ]);
    expect(validateResponse('ShowBackupDownloadLink', 200, ok, { headers: { 'x-request-id': 'abc' } }).valid).toBe(
      true,
    );
  });

  it('throws a clear error for an unknown operation', () => {
    expect(() => getOperation('ShowBackups')).toThrow(
      /Unknown operationId "ShowBackups". Known: .*ShowBackupDownloadLink/,
    );
  });
});

describe('validateRequest', () => {
  const valid = {
    path: { project_id: '0549b4a43100d4f32f51c01c2fe4acdb' },
    query: new URLSearchParams({
      instance_id: '9136fd2a9fcd405ea4674276ce36dae8in02',
      backup_id: '43e4feaab48f11e89039fa163ebaa7e4br02',
    }),
    headers: new Headers({ 'X-Language': 'zh-cn' }),
  };

  it('accepts a complete request, and instance_id in the query (not the path)', () => {
    expect(validateRequest('ShowBackupDownloadLink', valid)).toEqual({ valid: true, issues: [] });
  });

  it('names each missing required parameter', () => {
    const r = validateRequest('ShowBackupDownloadLink', { path: { project_id: 'p' }, query: {} });
    expect(r.issues.map((i) => i.path)).toEqual(['query.instance_id', 'query.backup_id']);
    expect(r.issues[0]!.message).toBe('query parameter `instance_id` is required');
  });

  it('rejects an unknown language with the allowed values', () => {
    const r = validateRequest('ShowBackupDownloadLink', { ...valid, headers: { 'x-language': 'fr-fr' } });
    expect(r.issues).toEqual([
      {
        path: 'header.X-Language',
        keyword: 'enum',
        message: 'header parameter `X-Language` must be one of "en-us", "zh-cn"',
      },
    ]);
  });

  it('rejects an over-long id', () => {
    const r = validateRequest('ShowBackupDownloadLink', { ...valid, path: { project_id: 'a'.repeat(65) } });
    expect(r.issues[0]).toMatchObject({ path: 'path.project_id', keyword: 'maxLength' });
  });
});
