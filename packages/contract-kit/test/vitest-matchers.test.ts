import '../src/vitest.js';
import { describe, expect, it } from 'vitest';
import { newMock, ORIGIN, TOKEN } from './helpers.js';

const mock = newMock();
const d = mock.defaults;
const get = (query: string, headers: Record<string, string> = { 'X-Auth-Token': TOKEN }) =>
  mock.fetch(new Request(`${ORIGIN}/v3/${d.projectId}/backups/download-file?${query}`, { headers }));
const ok = `instance_id=${d.replicaSet.instanceId}&backup_id=${d.replicaSet.backupId}`;

describe('toSatisfyContract', () => {
  it('passes conforming answers, success and error alike', async () => {
    await expect(await get(ok)).toSatisfyContract('ShowBackupDownloadLink');
    await expect(await get(ok)).toSatisfyContract('ShowBackupDownloadLink', { status: 200 });
    await expect(await get(ok, {})).toSatisfyContract('ShowBackupDownloadLink', { status: 401 });
  });

  it('fails a broken answer with the diff as the message', async () => {
    const body = (await (await get(ok)).json()) as any;
    body.files[0].download_link = 42;
    const broken = new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    await expect(expect(broken).toSatisfyContract('ShowBackupDownloadLink')).rejects.toThrow(
      [
        'ShowBackupDownloadLink answer 200 does not conform to the spec (2 issues):',
        '  /files/0/download_link: must be of type string; got 42',
        '  header X-Request-Id: declared by the spec; got nothing',
      ].join('\n'),
    );
  });

  it('fails when the status is not the one asked for', async () => {
    await expect(expect(await get(ok)).toSatisfyContract('ShowBackupDownloadLink', { status: 404 })).rejects.toThrow(
      '  status: must be 404; got 200',
    );
  });

  it('.not inverts it, with its own message', async () => {
    await expect(new Response('nope', { status: 418 })).not.toSatisfyContract('ShowBackupDownloadLink');
    await expect(expect(await get(ok)).not.toSatisfyContract('ShowBackupDownloadLink')).rejects.toThrow(
      'expected the ShowBackupDownloadLink answer 200 not to satisfy the contract, but it does',
    );
  });
});
