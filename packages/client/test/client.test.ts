import {
  AbortError,
  ApiError,
  akskCredentials,
  ConfigurationError,
  createClient,
  passwordCredentials,
  ResponseFormatError,
  TimeoutError,
  tokenCredentials,
} from '@dds-backup/client';
import { getRegion, validateResponse } from '@dds-backup/contract';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ORIGIN = 'http://mock.test';
let mock: MockServer;
beforeEach(() => {
  mock = createMockServer();
});

/** A client wired to the mock in-process through its fetch handler (no socket). */
const clientFor = (options: Partial<Parameters<typeof createClient>[0]> = {}) =>
  createClient({
    endpoint: ORIGIN,
    projectId: mock.defaults.projectId,
    credentials: tokenCredentials(mock.defaults.token),
    fetch: (r) => mock.fetch(r),
    retry: { baseDelayMs: 1 },
    ...options,
  });

const admin = async (path: string, body?: unknown, method = 'POST') =>
  mock.fetch(
    new Request(`${ORIGIN}/__mock/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );

describe('getDownloadLinks', () => {
  it('returns the files with KB sizes, parsed expiry, groups and the bucket (token auth)', async () => {
    const client = clientFor();
    const before = Date.now();
    const links = await client.getDownloadLinks(mock.defaults.sharded);
    expect(validateResponse('ShowBackupDownloadLink', 200, links.body).valid).toBe(true);
    expect(links.files.length).toBeGreaterThan(1);
    expect(links.bucket).toBe(links.body.bucket);
    expect(links.requestId).toMatch(/^[0-9a-f]{32}$/);
    for (const [i, f] of links.files.entries()) {
      const raw = links.body.files[i]!;
      expect(f).toMatchObject({
        name: raw.name,
        sizeKB: raw.size,
        url: raw.download_link,
        groupId: raw.group_id,
        groupName: raw.group_name,
      });
      // The mock's links live 900 s, from the spec.
      expect(f.expiresAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 899_000);
      expect(f.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 901_000);
    }
  });

  it('signs with AK/SK (the mock verifies the signature like the gateway)', async () => {
    const links = await clientFor({ credentials: akskCredentials(mock.defaults.aksk) }).getDownloadLinks(
      mock.defaults.replicaSet,
    );
    expect(links.files).toHaveLength(1);
  });

  it('a wrong SK is an auth ApiError with APIGW.0301, and the SK never shows', async () => {
    const client = clientFor({
      credentials: akskCredentials({ ak: mock.defaults.aksk.ak, sk: 'definitely-the-wrong-sk' }),
    });
    const error = await client.getDownloadLinks(mock.defaults.replicaSet).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, errorCode: 'APIGW.0301', isAuthError: true, retryable: false });
    expect(error.message).toContain('verify aksk signature fail');
    expect(JSON.stringify(error) + String(error) + error.message).not.toContain('definitely-the-wrong-sk');
  });

  it('gets a token with an IAM password, caches it, and looks up the project id by region', async () => {
    const seen: string[] = [];
    const client = createClient({
      endpoint: ORIGIN,
      region: 'cn-north-4',
      credentials: passwordCredentials({
        username: 'backup-operator',
        password: 'a-password-123',
        domainName: 'example-account',
      }),
      fetch: (r) => {
        seen.push(`${r.method} ${new URL(r.url).pathname}`);
        return mock.fetch(r);
      },
    });
    expect(await client.projectId()).toBe(mock.defaults.projectId);
    await client.getDownloadLinks(mock.defaults.replicaSet);
    await client.getDownloadLinks(mock.defaults.sharded);
    expect(seen.filter((s) => s === 'POST /v3/auth/tokens')).toHaveLength(1);
    expect(seen).toContain('GET /v3/projects');
  });

  it('a wrong IAM password is an auth ApiError, and the password never shows', async () => {
    mock = createMockServer({ users: [{ name: 'backup-operator', password: 'the-right-password' }] });
    const client = createClient({
      endpoint: ORIGIN,
      projectId: mock.defaults.projectId,
      credentials: passwordCredentials({
        username: 'backup-operator',
        password: 'a-wrong-password',
        domainName: 'example',
      }),
      fetch: (r) => mock.fetch(r),
    });
    const error = await client.getDownloadLinks(mock.defaults.replicaSet).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ operation: 'KeystoneCreateUserTokenByPassword', status: 401, isAuthError: true });
    expect(JSON.stringify(error) + error.message).not.toContain('a-wrong-password');
  });

  it.each([
    ['an unknown instance', { instanceId: 'ffffffffffffffffffffffffffffffffin02', backupId: 'x' }, 404, 'DBS.200002'],
    ['a backup of another instance', 'mixed', 400, 'DBS.201214'],
  ])('%s is a not-found ApiError', async (_, ids, status, code) => {
    const input =
      ids === 'mixed'
        ? { instanceId: mock.defaults.replicaSet.instanceId, backupId: mock.defaults.sharded.backupId }
        : ids;
    const error = await clientFor()
      .getDownloadLinks(input as never)
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'ApiError', status, errorCode: code, isNotFound: true, retryable: false });
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('an expired token (APIGW.0307) is an auth error', async () => {
    mock = createMockServer({ tokens: ['only-this-token'] });
    const error = await clientFor({ credentials: tokenCredentials('another-token-value') })
      .getDownloadLinks(mock.defaults.replicaSet)
      .catch((e) => e);
    expect(error).toMatchObject({ status: 401, errorCode: 'APIGW.0307', isAuthError: true });
    expect(error.message).not.toContain('another-token-value');
  });

  it('refuses empty ids before calling', async () => {
    await expect(clientFor().getDownloadLinks({ instanceId: '', backupId: 'b' })).rejects.toThrow(ConfigurationError);
  });

  it('a malformed link_expired_time is a ResponseFormatError naming the file, never an Invalid Date', async () => {
    const client = clientFor({
      fetch: async (r) => {
        const res = await mock.fetch(r);
        const body = (await res.json()) as { files: Array<{ link_expired_time: string }> };
        body.files[0]!.link_expired_time = '2018-08-016T10:15:14+0000';
        return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
      },
    });
    const error = await client.getDownloadLinks(mock.defaults.replicaSet).catch((e) => e);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.message).toContain('"2018-08-016T10:15:14+0000" is not a Huawei time');
  });
});

describe('retries', () => {
  it('retries 429 APIGW.0308 honouring Retry-After, then succeeds', async () => {
    await admin('faults', { target: 'api', kind: 'status', error_code: 'APIGW.0308', retry_after: 0, times: 2 });
    const retries: unknown[] = [];
    const links = await clientFor({ onRetry: (e) => retries.push(e) }).getDownloadLinks(mock.defaults.replicaSet);
    expect(links.files).toHaveLength(1);
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 0, error: { status: 429, errorCode: 'APIGW.0308' } });
  });

  it('retries 500 DBS.280005 and gives up after the configured attempts with a retryable error', async () => {
    await admin('faults', { target: 'api', kind: 'status', error_code: 'DBS.280005', times: 10 });
    let calls = 0;
    const client = clientFor({
      retry: { attempts: 3, baseDelayMs: 1 },
      fetch: (r) => {
        calls++;
        return mock.fetch(r);
      },
    });
    const error = await client.getDownloadLinks(mock.defaults.replicaSet).catch((e) => e);
    expect(error).toMatchObject({ name: 'ApiError', status: 500, errorCode: 'DBS.280005', retryable: true });
    expect(calls).toBe(3);
  });

  it('does not retry a 404', async () => {
    let calls = 0;
    const client = clientFor({
      fetch: (r) => {
        calls++;
        return mock.fetch(r);
      },
    });
    await client.getDownloadLinks({ instanceId: 'nope', backupId: 'nope' }).catch(() => undefined);
    expect(calls).toBe(1);
  });

  it('times out a slow attempt and retries it', async () => {
    await admin('faults', { target: 'api', kind: 'latency', latency_ms: 5000, times: 1 });
    const retries: Array<{ error: Error }> = [];
    const links = await clientFor({ timeoutMs: 100, onRetry: (e) => retries.push(e) }).getDownloadLinks(
      mock.defaults.replicaSet,
    );
    expect(links.files).toHaveLength(1);
    expect(retries[0]!.error).toBeInstanceOf(TimeoutError);
  });

  it('an AbortSignal cancels at once, even during a backoff', async () => {
    await admin('faults', { target: 'api', kind: 'status', error_code: 'DBS.280005', times: 10 });
    const controller = new AbortController();
    const client = clientFor({ retry: { attempts: 5, baseDelayMs: 60_000 }, onRetry: () => controller.abort() });
    const error = await client
      .getDownloadLinks({ ...mock.defaults.replicaSet, signal: controller.signal })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
  });
});

describe('createClient', () => {
  it('takes endpoints from the spec servers, eu-west-101 included', () => {
    const eu = createClient({ region: 'eu-west-101', credentials: tokenCredentials('token-abcdef') });
    expect(eu.endpoint).toBe('https://dds.eu-west-101.myhuaweicloud.eu');
    expect(eu.iamEndpoint).toBe(getRegion('eu-west-101').iamEndpoint);
    expect(createClient({ credentials: tokenCredentials('token-abcdef') }).endpoint).toBe(
      'https://dds.cn-north-4.myhuaweicloud.com',
    );
  });

  // A field here is an API to keep: the base fetch, the timeout and the IAM client stay inside
  // the API transport; network, retry and log are what the download engine applies to objects.
  it('carries what a caller reads and nothing only its own transport uses', () => {
    const client = createClient({ region: 'eu-west-101', credentials: tokenCredentials('token-abcdef') });
    expect(Object.keys(client).sort()).toEqual([
      'endpoint',
      'getDownloadLinks',
      'iamEndpoint',
      'latestBackup',
      'listBackups',
      'listInstances',
      'log',
      'network',
      'projectId',
      'raw',
      'region',
      'retry',
    ]);
    expect(client.region).toBe('eu-west-101');
  });

  it('refuses an unknown region with the list and what to do', () => {
    expect(() => createClient({ region: 'mars-1', credentials: tokenCredentials('token-abcdef') })).toThrow(
      /Unknown region "mars-1".*pass an endpoint URL/,
    );
  });

  it('keeps the raw openapi-fetch client reachable, results not exceptions', async () => {
    const { data, error, response } = await clientFor().raw.GET('/v3/{project_id}/backups/download-file', {
      params: { path: { project_id: mock.defaults.projectId }, query: { instance_id: 'nope', backup_id: 'nope' } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ error_code: 'DBS.200002' });
  });

  it('logs requests with every secret redacted', async () => {
    const lines: string[] = [];
    await clientFor({
      credentials: tokenCredentials('visible-token-never'),
      log: (l) => lines.push(l),
    }).getDownloadLinks(mock.defaults.replicaSet);
    expect(lines.join('\n')).toContain('"x-auth-token":"***"');
    expect(lines.join('\n')).not.toContain('visible-token-never');
  });
});

afterEach(async () => {
  await mock.close();
});
