import { createClient, tokenCredentials } from '@dds-backup/client';
import { describe, expect, it } from 'vitest';
import { assertConforms, ContractViolationError, checkConforms } from '../src/index.js';
import { newMock, ORIGIN, TOKEN } from './helpers.js';

const mock = newMock();
const d = mock.defaults;
const url = (query = `instance_id=${d.sharded.instanceId}&backup_id=${d.sharded.backupId}`) =>
  `${ORIGIN}/v3/${d.projectId}/backups/download-file?${query}`;
const get = (u = url(), headers: Record<string, string> = { 'X-Auth-Token': TOKEN }) =>
  mock.fetch(new Request(u, { headers }));

const json = (body: unknown, status = 200, headers: Record<string, string> = { 'x-request-id': 'r1' }) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

async function violation(promise: Promise<unknown>): Promise<ContractViolationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContractViolationError);
  return error as ContractViolationError;
}

describe('assertConforms', () => {
  it('passes a real 200 and a real error answer, and leaves the body readable', async () => {
    const res = await get();
    await assertConforms('ShowBackupDownloadLink', res, { status: 200 });
    expect(((await res.json()) as any).files.length).toBeGreaterThan(0);
    await assertConforms('ShowBackupDownloadLink', await get(url(`instance_id=${d.sharded.instanceId}`)), {
      status: 400,
    });
  });

  it('passes an openapi-fetch result of the typed client', async () => {
    const client = createClient({
      endpoint: ORIGIN,
      projectId: d.projectId,
      credentials: tokenCredentials(TOKEN),
      fetch: mock.fetch,
    });
    const result = await client.raw.GET('/v3/{project_id}/backups/download-file', {
      params: { path: { project_id: d.projectId }, query: { instance_id: d.sharded.instanceId, backup_id: 'nope' } },
    });
    await assertConforms('ShowBackupDownloadLink', result, { status: 400 });
    const ok = await client.raw.GET('/v3/{project_id}/backups/download-file', {
      params: {
        path: { project_id: d.projectId },
        query: { instance_id: d.sharded.instanceId, backup_id: d.sharded.backupId },
      },
    });
    await assertConforms('ShowBackupDownloadLink', ok);
  });

  it('fails with one line per issue: path, expectation, actual value', async () => {
    const body = (await (await get()).json()) as any;
    body.files[0].size = '2803';
    body.files[1].link_expired_time = '2025-11-29 10:20:14';
    delete body.bucket;
    body.files[2].extra = 42;
    const error = await violation(assertConforms('ShowBackupDownloadLink', json(body, 200, {})));
    expect(error.message.split('\n')).toEqual([
      'ShowBackupDownloadLink answer 200 does not conform to the spec (5 issues):',
      '  /bucket: required property; got nothing',
      '  /files/0/size: must be of type integer; got "2803"',
      expect.stringMatching(
        /^ {2}\/files\/1\/link_expired_time: must match \^.+\$, like "2018-08-16T10:15:14\+0000"; got "2025-11-29 10:20:14"$/,
      ),
      '  /files/2/extra: no such property (allowed: name, size, download_link, link_expired_time, group_id, group_name); got 42',
      '  header X-Request-Id: declared by the spec; got nothing',
    ]);
    expect(error.issues).toHaveLength(5);
  });

  it('an undocumented status, a status other than asked, a body that is not JSON', async () => {
    let error = await violation(
      assertConforms('ShowBackupDownloadLink', json({ error_code: 'DBS.200001', error_msg: 'x' }, 418)),
    );
    expect(error.message).toContain(
      '  status: must be documented for ShowBackupDownloadLink (documented: 200, 400, 401, 403, 404, 429, 500); got 418',
    );
    error = await violation(assertConforms('ShowBackupDownloadLink', await get(url('instance_id=x')), { status: 200 }));
    expect(error.message.split('\n')[0]).toBe(
      'ShowBackupDownloadLink answer 400 DBS.200001 does not conform to the spec (1 issue):',
    );
    expect(error.message.split('\n')[1]).toBe('  status: must be 200; got 400');
    error = await violation(
      assertConforms(
        'ShowBackupDownloadLink',
        new Response('<html>oops</html>', { status: 500, headers: { 'x-request-id': 'r' } }),
      ),
    );
    expect(error.message).toContain(
      '  body: must be JSON (the spec declares application/json); got "<html>oops</html>"',
    );
  });

  it('a JSON body sent as text/html is an issue', async () => {
    const res = new Response(JSON.stringify({ error_code: 'DBS.200001', error_msg: 'x' }), {
      status: 400,
      headers: { 'content-type': 'text/html', 'x-request-id': 'r' },
    });
    const error = await violation(assertConforms('ShowBackupDownloadLink', res));
    expect(error.message).toContain('  header Content-Type: must be application/json; got "text/html"');
  });

  it('masks download-link signatures in the message, even in shortened values', async () => {
    const body = (await (await get()).json()) as any;
    body.files[0].size = 'https://obs.example/k?AccessKeyId=EXAMPLEAK1&Expires=1&Signature=c2VjcmV0c2lnbmF0dXJl';
    body.files[1].size = body.files[1].download_link; // longer than a message shows
    const error = await violation(assertConforms('ShowBackupDownloadLink', json(body)));
    expect(error.message).toContain(
      '  /files/0/size: must be of type integer; got "https://obs.example/k?AccessKeyId=***&Expires=1&Signature=***"',
    );
    expect(error.message).toContain('  /files/1/size: must be of type integer; got "http://mock.test/obs/');
    expect(error.message).not.toMatch(/(Signature|AccessKeyId)=(?!\*\*\*)/);
  });

  it('throws for an unknown operationId and for a Response already read', async () => {
    await expect(assertConforms('NoSuchOperation', json({}))).rejects.toThrow(/Unknown operationId "NoSuchOperation"/);
    const res = await get();
    await res.text();
    await expect(assertConforms('ShowBackupDownloadLink', res)).rejects.toThrow(/already read/);
  });

  it('checkConforms reports without throwing', async () => {
    const result = await checkConforms('ShowBackupDownloadLink', await get());
    expect(result).toMatchObject({ ok: true, status: 200, issues: [], message: '' });
  });
});
