import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { signing } from '@dds-backup/contract';
import { formatSdkDate, signRequest } from '@dds-backup/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock, createMockServer, DEFAULT_AKSK } from '../src/index.js';
import { downloadFileUrl, newMock, ORIGIN, specJson } from './helpers.js';

const require = createRequire(import.meta.url);

/** Sends a request with exactly these headers (Host included), as an SDK on the wire would. */
function rawGet(url: string, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: h }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('token auth', () => {
  const mock = newMock();
  const url = downloadFileUrl(mock, mock.defaults.replicaSet);

  it('no X-Auth-Token and no signature -> 401 APIGW.0301 ending with "x-auth-token not found"', async () => {
    const res = await mock.fetch(new Request(url));
    expect(res.status).toBe(401);
    const body = await specJson('ShowBackupDownloadLink', res);
    expect(body.error_code).toBe('APIGW.0301');
    expect(body.error_msg.endsWith('x-auth-token not found')).toBe(true);
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('with no configured tokens any non-empty token passes', async () => {
    for (const token of ['a', 'MIIxyz', mock.defaults.token]) {
      expect((await mock.fetch(new Request(url, { headers: { 'X-Auth-Token': token } }))).status).toBe(200);
    }
  });

  it('with configured tokens, another token -> 401 APIGW.0307', async () => {
    const m = createMockServer({ tokens: ['good-1', 'good-2'] });
    expect(m.defaults.token).toBe('good-1');
    const u = downloadFileUrl(m, m.defaults.replicaSet);
    expect((await m.fetch(new Request(u, { headers: { 'X-Auth-Token': 'good-2' } }))).status).toBe(200);
    const res = await m.fetch(new Request(u, { headers: { 'X-Auth-Token': 'bad' } }));
    expect(res.status).toBe(401);
    expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('APIGW.0307');
  });

  it('a token from POST /v3/auth/tokens works until 24 h of mock clock pass, then 401 APIGW.0307', async () => {
    const m = createMockServer({
      tokens: ['only-this'],
      clock: createClock({ start: '2030-01-01T00:00:00Z', frozen: true }),
    });
    const issued = await m.fetch(
      new Request(`${ORIGIN}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'u', password: 'p', domain: { name: 'acct' } } },
            },
            scope: { project: { name: 'cn-north-4' } },
          },
        }),
      }),
    );
    expect(issued.status).toBe(201);
    const token = issued.headers.get('x-subject-token')!;
    const body = await specJson('KeystoneCreateUserTokenByPassword', issued);
    expect(body.token.expires_at).toBe('2030-01-02T00:00:00.000000Z');
    const u = downloadFileUrl(m, m.defaults.replicaSet);
    const get = () => m.fetch(new Request(u, { headers: { 'X-Auth-Token': token } }));
    expect((await get()).status).toBe(200);
    m.clock.advance(24 * 3600 - 1);
    expect((await get()).status).toBe(200);
    m.clock.advance(1);
    const expired = await get();
    expect(expired.status).toBe(401);
    expect((await specJson('ShowBackupDownloadLink', expired)).error_code).toBe('APIGW.0307');
    // A forged token of the same shape is not the mock's: with a token list it is refused.
    const forged = `${token.slice(0, -4)}AAAA`;
    m.clock.set(Date.UTC(2030, 0, 1));
    expect((await m.fetch(new Request(u, { headers: { 'X-Auth-Token': forged } }))).status).toBe(401);
  });
});

describe('AK/SK auth (SDK-HMAC-SHA256)', () => {
  const mock = newMock();
  const url = downloadFileUrl(mock, mock.defaults.sharded);

  it('the documented default pair is accepted; a wrong SK -> 401 APIGW.0301 "verify aksk signature fail"', async () => {
    expect(mock.defaults.aksk).toEqual(DEFAULT_AKSK);
    const ok = signRequest({ method: 'GET', url }, DEFAULT_AKSK, { projectId: mock.defaults.projectId });
    expect((await mock.fetch(new Request(url, { headers: ok.headers }))).status).toBe(200);
    const bad = signRequest({ method: 'GET', url }, { ak: DEFAULT_AKSK.ak, sk: 'wrong' });
    const res = await mock.fetch(new Request(url, { headers: bad.headers }));
    expect(res.status).toBe(401);
    const body = await specJson('ShowBackupDownloadLink', res);
    expect(body.error_code).toBe('APIGW.0301');
    expect(body.error_msg).toContain('verify aksk signature fail');
    expect(body.error_msg).not.toContain('wrong');
  });

  it('configured pairs replace the default one; an unknown AK is refused', async () => {
    const m = createMockServer({ aksk: [{ ak: 'AK1', sk: 'SK1' }] });
    const u = downloadFileUrl(m, m.defaults.sharded);
    expect(
      (
        await m.fetch(
          new Request(u, { headers: signRequest({ method: 'GET', url: u }, { ak: 'AK1', sk: 'SK1' }).headers }),
        )
      ).status,
    ).toBe(200);
    const res = await m.fetch(
      new Request(u, { headers: signRequest({ method: 'GET', url: u }, DEFAULT_AKSK).headers }),
    );
    expect(res.status).toBe(401);
    expect((await specJson('ShowBackupDownloadLink', res)).error_msg).toContain('verify aksk signature fail');
  });

  it('a tampered query after signing is refused', async () => {
    const { headers } = signRequest({ method: 'GET', url }, DEFAULT_AKSK);
    const tampered = url.replace(mock.defaults.sharded.backupId, mock.defaults.replicaSet.backupId);
    expect((await mock.fetch(new Request(tampered, { headers }))).status).toBe(401);
  });

  it(`X-Sdk-Date more than ${signing.maxClockSkewSeconds / 60} minutes from the WALL clock is refused`, async () => {
    const wall = Date.UTC(2030, 5, 1, 12, 0, 0);
    // The mock clock is years away from the wall clock: the skew check must not read it.
    const m = createMockServer({
      clock: createClock({ start: '2026-01-01T00:00:00Z', frozen: true }),
      wallClock: () => wall,
    });
    const u = downloadFileUrl(m, m.defaults.sharded);
    const at = (offsetS: number) =>
      signRequest({ method: 'GET', url: u }, DEFAULT_AKSK, { date: new Date(wall + offsetS * 1000) }).headers;
    expect((await m.fetch(new Request(u, { headers: at(-signing.maxClockSkewSeconds) }))).status).toBe(200);
    expect((await m.fetch(new Request(u, { headers: at(signing.maxClockSkewSeconds) }))).status).toBe(200);
    for (const off of [-signing.maxClockSkewSeconds - 1, signing.maxClockSkewSeconds + 1]) {
      const res = await m.fetch(new Request(u, { headers: at(off) }));
      expect(res.status).toBe(401);
      expect((await specJson('ShowBackupDownloadLink', res)).error_msg).toContain("away from the server's wall clock");
    }
    // Moving the mock clock changes nothing for signatures: an old one stays refused, a current one accepted.
    const old = at(-3600);
    m.clock.advance(-3600);
    expect((await m.fetch(new Request(u, { headers: old }))).status).toBe(401);
    m.clock.advance(10 * 86_400);
    expect((await m.fetch(new Request(u, { headers: at(0) }))).status).toBe(200);
  });

  it('a client signing with the real time keeps working after the mock clock moves ten days (admin API)', async () => {
    const m = createMockServer();
    const u = downloadFileUrl(m, m.defaults.replicaSet);
    const signed = () => new Request(u, { headers: signRequest({ method: 'GET', url: u }, DEFAULT_AKSK).headers });
    expect((await m.fetch(signed())).status).toBe(200);
    const moved = await m.fetch(
      new Request(`${ORIGIN}/__mock/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advance_days: 10 }),
      }),
    );
    expect(moved.status).toBe(200);
    expect((await m.fetch(signed())).status).toBe(200);
    const list = `${ORIGIN}/v3/${m.defaults.projectId}/backups?instance_id=${m.defaults.replicaSet.instanceId}`;
    const res = await m.fetch(
      new Request(list, { headers: signRequest({ method: 'GET', url: list }, DEFAULT_AKSK).headers }),
    );
    expect(res.status).toBe(200);
    expect((await specJson('ListBackups', res)).total_count).toBeGreaterThan(1);
  });

  it('a malformed Authorization or a missing X-Sdk-Date is refused with APIGW.0301', async () => {
    const { headers } = signRequest({ method: 'GET', url }, DEFAULT_AKSK);
    const noDate = new Headers(headers);
    noDate.delete(signing.dateHeader);
    const garbled = new Headers(headers);
    garbled.set('authorization', `${signing.algorithm} Access=x`);
    for (const h of [noDate, garbled]) {
      const res = await mock.fetch(new Request(url, { headers: h }));
      expect(res.status).toBe(401);
      expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('APIGW.0301');
    }
    expect(formatSdkDate(new Date(0))).toBe('19700101T000000Z');
  });

  describe("Huawei's own SDK (@huaweicloud/huaweicloud-sdk-core) on a real socket", () => {
    const sock = newMock();
    let base: string;
    beforeAll(async () => {
      base = await sock.listen({ port: 0 });
    });
    afterAll(() => sock.close());

    /** Signs the way the SDK's clients do: BasicCredentials.processAuthRequest (adds X-Project-Id, then AKSKSigner.sign). */
    async function sdkSigned(sk: string): Promise<Record<string, string>> {
      const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
      const credentials = new BasicCredentials()
        .withAk(DEFAULT_AKSK.ak)
        .withSk(sk)
        .withProjectId(sock.defaults.projectId);
      const request = {
        endpoint: base,
        url: '/v3/{project_id}/backups/download-file',
        method: 'GET',
        // What the DDS SDKs send for ShowBackupDownloadLink.
        headers: { 'Content-Type': 'application/json' },
        queryParams: { instance_id: sock.defaults.sharded.instanceId, backup_id: sock.defaults.sharded.backupId },
        pathParams: {},
        data: undefined,
      };
      const signed = await credentials.processAuthRequest(undefined, request);
      expect(signed.headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=/);
      expect(signed.headers['X-Project-Id']).toBe(sock.defaults.projectId);
      return signed.headers;
    }

    const target = () => `${downloadFileUrl(sock, sock.defaults.sharded, base)}`;

    it('a request signed by the SDK is accepted', async () => {
      const res = await rawGet(target(), await sdkSigned(DEFAULT_AKSK.sk));
      expect(res.status).toBe(200);
      expect((await specJson('ShowBackupDownloadLink', res)).files.length).toBeGreaterThan(1);
    });

    it('the same with a wrong SK -> 401 APIGW.0301 verify aksk signature fail', async () => {
      const res = await rawGet(target(), await sdkSigned('not-the-secret-key'));
      expect(res.status).toBe(401);
      const body = await specJson('ShowBackupDownloadLink', res);
      expect(body.error_code).toBe('APIGW.0301');
      expect(body.error_msg).toContain('verify aksk signature fail');
    });
  });
});
