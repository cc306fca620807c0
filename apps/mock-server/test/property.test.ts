import { formatIssues, validateResponse, validateSchema } from '@dds-backup/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newMock } from './helpers.js';

const mock = newMock();
const d = mock.defaults;

// Values that are sometimes right, mostly wrong: real ids, near-misses, junk, unicode, huge.
const idLike = fc.oneof(
  fc.constantFrom(d.projectId, d.sharded.instanceId, d.sharded.backupId, d.replicaSet.backupId, d.large.instanceId, ''),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.stringMatching(/^[0-9a-f]{32}(in02|br02)?$/),
  fc.constant('%'),
  fc.constant('a'.repeat(300)),
);
const enc = (s: string) => encodeURIComponent(s);

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  shape: fc.constantFrom(
    'download-file',
    'download-file',
    'download-file',
    'list-backups',
    'list-instances',
    'projects',
    'tokens',
    'obs',
    'other',
  ),
  project: idLike,
  instance: fc.option(idLike),
  backup: fc.option(idLike),
  extraQuery: fc.option(
    fc.oneof(
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
      // The list operations' parameters, with values near and far from valid.
      fc.tuple(
        fc.constantFrom('offset', 'limit', 'begin_time', 'end_time', 'backup_type', 'mode', 'name', 'tags', 'id'),
        fc.oneof(
          fc.constantFrom('0', '1', '100', '101', '-1', '1e3', '2147483648', 'Auto', 'auto', 'Incremental', '*demo'),
          fc.constantFrom('2030-01-01 00:00:00', '2030-02-30 00:00:00', '2030-01-01T00:00:00Z', 'k=v,k2=v2', '='),
          fc.string({ maxLength: 12 }),
        ),
      ),
    ),
  ),
  token: fc.option(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('t'))),
  language: fc.option(fc.oneof(fc.constantFrom('en-us', 'zh-cn', 'ZH-CN', ''), fc.string({ maxLength: 8 }))),
  authorization: fc.option(
    fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constant(`SDK-HMAC-SHA256 Access=x, SignedHeaders=host;x-sdk-date, Signature=${'0'.repeat(64)}`),
    ),
  ),
  sdkDate: fc.option(fc.oneof(fc.constant('20300101T000000Z'), fc.string({ maxLength: 16 }))),
  prefer: fc.option(
    fc.oneof(
      fc.constantFrom(
        'code=404',
        'code=200',
        'example=replica-set',
        'code=500, example=obs-unreachable',
        'download-reset=10',
        'code=',
      ),
      fc.string({ maxLength: 30 }),
    ),
  ),
  range: fc.option(fc.string({ maxLength: 20 })),
  body: fc.option(fc.oneof(fc.string({ maxLength: 50 }), fc.json())),
});

function buildUrl(r: any): string {
  const q = new URLSearchParams();
  if (r.instance !== null) q.set('instance_id', r.instance);
  if (r.backup !== null) q.set('backup_id', r.backup);
  if (r.extraQuery) q.append(r.extraQuery[0], r.extraQuery[1]);
  const qs = q.toString() ? `?${q}` : '';
  switch (r.shape) {
    case 'download-file':
      return `http://mock.test/v3/${enc(r.project)}/backups/download-file${qs}`;
    case 'list-backups':
      return `http://mock.test/v3/${enc(r.project)}/backups${qs}`;
    case 'list-instances':
      return `http://mock.test/v3/${enc(r.project)}/instances${qs}`;
    case 'projects':
      return `http://mock.test/v3/projects?name=${enc(r.project)}`;
    case 'tokens':
      return 'http://mock.test/v3/auth/tokens';
    case 'obs':
      return `http://mock.test/obs/${enc(r.project)}/${enc(r.instance ?? '')}/${enc(r.backup ?? '')}?AccessKeyId=x&Expires=${enc(r.project)}&Signature=${enc(r.instance ?? '')}`;
    default:
      return `http://mock.test/${enc(r.project)}${qs}`;
  }
}

const operationFor = (method: string, path: string) =>
  method === 'GET' && /^\/v3\/[^/]+\/backups\/download-file$/.test(path)
    ? 'ShowBackupDownloadLink'
    : method === 'GET' && /^\/v3\/[^/]+\/backups$/.test(path)
      ? 'ListBackups'
      : method === 'GET' && /^\/v3\/[^/]+\/instances$/.test(path)
        ? 'ListInstances'
        : method === 'GET' && path === '/v3/projects'
          ? 'KeystoneListProjects'
          : method === 'POST' && path === '/v3/auth/tokens'
            ? 'KeystoneCreateUserTokenByPassword'
            : undefined;

describe('random bad requests (fast-check)', () => {
  it('never get a 5xx, and every answer follows the spec', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const headers = new Headers();
        if (r.token !== null) headers.set('X-Auth-Token', r.token.replace(/[\r\n\0]/g, ''));
        if (r.language !== null) headers.set('X-Language', r.language.replace(/[\r\n\0]/g, ''));
        if (r.authorization !== null) headers.set('Authorization', r.authorization.replace(/[\r\n\0]/g, ''));
        if (r.sdkDate !== null) headers.set('X-Sdk-Date', r.sdkDate.replace(/[\r\n\0]/g, ''));
        if (r.prefer !== null) headers.set('Prefer', r.prefer.replace(/[\r\n\0]/g, ''));
        if (r.range !== null) headers.set('Range', r.range.replace(/[\r\n\0]/g, ''));
        const hasBody = r.body !== null && !['GET', 'HEAD'].includes(r.method);
        const url = buildUrl(r);
        const res = await mock.fetch(
          new Request(url, { method: r.method, headers, body: hasBody ? String(r.body) : undefined }),
        );
        // A 5xx only when the request asked for one (a Prefer for a 5xx example, like a fault rule).
        const asked5xx =
          r.prefer !== null && /code\s*=\s*5|example\s*=\s*(server-error|obs-unreachable)/.test(r.prefer);
        if (!asked5xx) expect(res.status, `${r.method} ${url}`).toBeLessThan(500);
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
        const text = await res.text();
        const path = new URL(url).pathname;
        if (path.startsWith('/obs/')) {
          if (r.method !== 'HEAD') expect(text).toMatch(/<Error><Code>\w+<\/Code>/);
          return;
        }
        if (r.method === 'HEAD') return;
        const body = JSON.parse(text);
        const op = operationFor(r.method, path);
        const check = op
          ? validateResponse(op, res.status, body, { headers: res.headers })
          : validateSchema('Error', body);
        if (!check.valid) throw new Error(`${r.method} ${url} -> ${res.status} ${text}\n${formatIssues(check.issues)}`);
      }),
      { numRuns: 400, seed: 20251129 },
    );
  });
});
