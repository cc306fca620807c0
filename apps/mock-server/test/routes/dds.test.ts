import {
  errorCodes,
  isHuaweiTime,
  LINK_TTL_SECONDS,
  parseHuaweiTime,
  showBackupDownloadLinkExamples,
} from '@dds-backup/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeInKb } from '../../src/dataset.js';
import { createClock } from '../../src/index.js';
import { admin, downloadFileUrl, getLinks, huaweiErrorJson, newMock, ORIGIN, specJson } from '../helpers.js';

const mock = newMock();
const d = mock.defaults;
const call = (url: string, headers: Record<string, string> = { 'X-Auth-Token': 't' }) =>
  mock.fetch(new Request(url, { headers }));

describe('GET /v3/{project_id}/backups/download-file (in-process)', () => {
  it('answers a sharded backup: every file with size in KB, group fields, a signed link and its expiry', async () => {
    const body = await getLinks(mock, d.sharded);
    const state = (await admin(mock, 'GetMockState', 'GET', '/__mock/state')).body;
    const backup = state.projects[0].instances
      .flatMap((i: any) => i.backups)
      .find((b: any) => b.id === d.sharded.backupId);
    expect(body.bucket).toBe(state.projects[0].bucket);
    expect(body.files.map((f: any) => f.name)).toEqual(backup.files.map((f: any) => f.name));
    for (const [i, f] of body.files.entries()) {
      expect(f.size).toBe(sizeInKb(backup.files[i].size_bytes));
      expect(f.size).toBe(Math.ceil(backup.files[i].size_bytes / 1024));
      expect(f.group_id).toMatch(/^[0-9a-f]{32}gr02$/);
      expect(f.group_name).toBe(backup.files[i].group_name);
      const link = new URL(f.download_link);
      expect(link.origin).toBe(ORIGIN);
      expect(link.pathname.startsWith(`/obs/${body.bucket}/`)).toBe(true);
      expect(link.searchParams.get('AccessKeyId')).toBeTruthy();
      expect(link.searchParams.get('Signature')).toBeTruthy();
      expect(isHuaweiTime(f.link_expired_time)).toBe(true);
      expect(parseHuaweiTime(f.link_expired_time).getTime()).toBe(Number(link.searchParams.get('Expires')) * 1000);
    }
  });

  it('a replica-set backup has one file without group fields', async () => {
    const body = await getLinks(mock, d.replicaSet);
    expect(body.files).toHaveLength(1);
    expect(body.files[0].group_id).toBeUndefined();
  });

  it('link_expired_time is issue time + the spec TTL, on the mock clock', async () => {
    const start = Date.UTC(2030, 0, 2, 3, 4, 5);
    const m = newMock({ clock: createClock({ start, frozen: true }) });
    const body = await getLinks(m, m.defaults.replicaSet);
    expect(body.files[0].link_expired_time).toBe('2030-01-02T03:19:05+0000');
    expect(parseHuaweiTime(body.files[0].link_expired_time).getTime() - start).toBe(LINK_TTL_SECONDS * 1000);
    const m2 = newMock({ clock: createClock({ start, frozen: true }), linkTtlSeconds: 60 });
    expect((await getLinks(m2, m2.defaults.replicaSet)).files[0].link_expired_time).toBe('2030-01-02T03:05:05+0000');
  });

  it('an empty backup file list is still a valid answer', async () => {
    const added = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      instance_id: d.empty.instanceId,
      files: [],
    });
    const body = await getLinks(mock, { instanceId: d.empty.instanceId, backupId: added.body.backup.id });
    expect(body.files).toEqual([]);
  });

  describe('errors use the Huawei shape and the real codes', () => {
    it.each([
      [
        'instance_id missing',
        `${ORIGIN}/v3/${d.projectId}/backups/download-file?backup_id=${d.sharded.backupId}`,
        'instance_id',
      ],
      [
        'backup_id missing',
        `${ORIGIN}/v3/${d.projectId}/backups/download-file?instance_id=${d.sharded.instanceId}`,
        'backup_id',
      ],
      [
        'backup_id empty',
        `${ORIGIN}/v3/${d.projectId}/backups/download-file?instance_id=${d.sharded.instanceId}&backup_id=`,
        'backup_id',
      ],
      [
        'backup_id too long',
        `${ORIGIN}/v3/${d.projectId}/backups/download-file?instance_id=${d.sharded.instanceId}&backup_id=${'a'.repeat(65)}`,
        'backup_id',
      ],
    ])('%s -> 400 DBS.200001 naming the parameter', async (_, url, param) => {
      const res = await call(url);
      expect(res.status).toBe(400);
      const body = await specJson('ShowBackupDownloadLink', res);
      expect(body.error_code).toBe('DBS.200001');
      expect(body.error_msg).toContain(param);
      expect(body.request_id).toBeUndefined();
    });

    it('an X-Language outside the spec enum is a parameter error too', async () => {
      const res = await call(downloadFileUrl(mock, d.sharded), { 'X-Auth-Token': 't', 'X-Language': 'fr-fr' });
      const body = await specJson('ShowBackupDownloadLink', res);
      expect([res.status, body.error_code]).toEqual([400, 'DBS.200001']);
      expect(body.error_msg).toContain('X-Language');
    });

    it('unknown instance -> 404 DBS.200002', async () => {
      const res = await call(
        downloadFileUrl(mock, { instanceId: `${'0'.repeat(32)}in02`, backupId: d.sharded.backupId }),
      );
      expect(res.status).toBe(404);
      expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('DBS.200002');
    });

    it('unknown backup, or a backup of another instance -> 400 DBS.201214', async () => {
      for (const ids of [
        { instanceId: d.sharded.instanceId, backupId: `${'0'.repeat(32)}br02` },
        { instanceId: d.sharded.instanceId, backupId: d.replicaSet.backupId },
      ]) {
        const res = await call(downloadFileUrl(mock, ids));
        expect(res.status).toBe(400);
        expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('DBS.201214');
      }
    });

    it('unknown project -> 400 DBS.280408', async () => {
      const res = await call(downloadFileUrl(mock, d.sharded, ORIGIN, 'f'.repeat(32)));
      expect(res.status).toBe(400);
      expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('DBS.280408');
    });

    it.each([
      ['GET', '/v3/nope'],
      ['GET', '/'],
      ['POST', `/v3/${d.projectId}/backups/download-file`],
      ['GET', `/v3/${d.projectId}/extra/backups/download-file`],
      ['DELETE', '/__mock/state'],
      ['GET', '/__mock/unknown'],
    ])('unknown route %s %s -> 404 APIGW.0101 with request_id', async (method, path) => {
      const res = await mock.fetch(new Request(`${ORIGIN}${path}`, { method }));
      expect(res.status).toBe(404);
      const body = await huaweiErrorJson(res);
      expect(body.error_code).toBe('APIGW.0101');
      expect(body.request_id).toBe(res.headers.get('x-request-id'));
    });

    it('X-Language: zh-cn gives the Chinese messages of the spec; en-us (default) English', async () => {
      const url = downloadFileUrl(mock, { instanceId: `${'0'.repeat(32)}in02`, backupId: d.sharded.backupId });
      const zh = await specJson(
        'ShowBackupDownloadLink',
        await call(url, { 'X-Auth-Token': 't', 'X-Language': 'zh-cn' }),
      );
      const en = await specJson(
        'ShowBackupDownloadLink',
        await call(url, { 'X-Auth-Token': 't', 'X-Language': 'en-us' }),
      );
      const dflt = await specJson('ShowBackupDownloadLink', await call(url));
      expect(zh.error_msg).toBe(errorCodes.get('DBS.200002')!.messages['zh-cn']);
      expect(en.error_msg).toBe(errorCodes.get('DBS.200002')!.messages['en-us']);
      expect(dflt.error_msg).toBe(en.error_msg);
      const missing = await specJson(
        'ShowBackupDownloadLink',
        await call(`${ORIGIN}/v3/${d.projectId}/backups/download-file`, { 'X-Language': 'zh-cn' }),
      );
      expect(missing.error_msg.startsWith(errorCodes.get('APIGW.0301')!.messages['zh-cn'])).toBe(true);
    });

    it('every response carries a distinct X-Request-Id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await call(downloadFileUrl(mock, d.sharded))).headers.get('x-request-id')!);
      expect(ids.size).toBe(5);
    });
  });

  describe('Prefer (Prism-compatible examples from the spec)', () => {
    const url = downloadFileUrl(mock, d.sharded);
    it('code=404 answers the first 404 example', async () => {
      const res = await call(url, { 'X-Auth-Token': 't', Prefer: 'code=404' });
      expect(res.status).toBe(404);
      expect(await specJson('ShowBackupDownloadLink', res)).toEqual(
        showBackupDownloadLinkExamples['404']['instance-not-found'],
      );
    });
    it('example=NAME answers that example with its status', async () => {
      const res = await call(url, { 'X-Auth-Token': 't', Prefer: 'example=gateway-throttled' });
      expect(res.status).toBe(429);
      expect(await specJson('ShowBackupDownloadLink', res)).toEqual(
        showBackupDownloadLinkExamples['429']['gateway-throttled'],
      );
      const both = await call(url, { 'X-Auth-Token': 't', Prefer: 'code=200, example=replica-set' });
      expect(await specJson('ShowBackupDownloadLink', both)).toEqual(
        showBackupDownloadLinkExamples['200']['replica-set'],
      );
    });
    it('code=200 alone gives the live answer', async () => {
      const body = await specJson(
        'ShowBackupDownloadLink',
        await call(url, { 'X-Auth-Token': 't', Prefer: 'code=200' }),
      );
      expect(body.files[0].download_link.startsWith(ORIGIN)).toBe(true);
    });
    it('an example or code the spec does not have -> 400 DBS.200001 saying so', async () => {
      for (const prefer of ['code=418', 'example=nope', 'code=404, example=gateway-throttled', 'download-bogus=1']) {
        const res = await call(url, { 'X-Auth-Token': 't', Prefer: prefer });
        expect(res.status).toBe(400);
        const body = await specJson('ShowBackupDownloadLink', res);
        expect(body.error_code).toBe('DBS.200001');
        expect(body.error_msg).toMatch(/Prefer/);
      }
    });
    it('auth still comes first', async () => {
      const res = await call(url, { Prefer: 'code=200' });
      expect(res.status).toBe(401);
    });
  });
});

describe('the same route over a real socket', () => {
  let base: string;
  beforeAll(async () => {
    base = await mock.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => mock.close());

  it('listen() answers the URL, links point at the origin the request came in on', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.url).toBe(base);
    const res = await fetch(downloadFileUrl(mock, d.sharded, base), { headers: { 'X-Auth-Token': 't' } });
    const body = await specJson('ShowBackupDownloadLink', res);
    for (const f of body.files) expect(f.download_link.startsWith(`${base}/obs/`)).toBe(true);
    const viaLocalhost = await fetch(downloadFileUrl(mock, d.sharded, base.replace('127.0.0.1', 'localhost')), {
      headers: { 'X-Auth-Token': 't' },
    });
    const b2 = await specJson('ShowBackupDownloadLink', viaLocalhost);
    expect(b2.files[0].download_link.startsWith(base.replace('127.0.0.1', 'localhost'))).toBe(true);
  });

  it('errors over the socket carry the same shape', async () => {
    const res = await fetch(`${base}/v3/${d.projectId}/backups/download-file?instance_id=${d.sharded.instanceId}`, {
      headers: { 'X-Auth-Token': 't' },
    });
    expect(res.status).toBe(400);
    expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('DBS.200001');
  });
});
