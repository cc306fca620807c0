import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { showBackupDownloadLinkExamples, validateSchema } from '@dds-backup/contract';
import { signRequest, verifyRequest } from '@dds-backup/signer';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import {
  type ContractViolation,
  createMockServer,
  DEFAULT_AKSK,
  type MockServer,
  type MockServerOptions,
} from '../src/index.js';
import { iamEndpointFor, resolveProxyConfig } from '../src/proxy/config.js';
import { CONTRACT_HEADER } from '../src/proxy/proxy.js';
import { specJson } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// A scriptable upstream: a bare node:http server on 127.0.0.1:0 that records what it received
// and answers exactly the bytes and headers a test gives it.

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  headers: IncomingMessage['headers'];
  body: Buffer;
}

interface Answer {
  status: number;
  statusText?: string;
  /** Flat [name, value, ...], written as is. */
  headers: string[];
  body?: Buffer | string;
}

type Script = (seen: Seen) => Answer | 'hang' | 'cut';

interface Upstream {
  url: string;
  host: string;
  seen: Seen[];
  script: Script;
  close(): Promise<void>;
}

const servers: Server[] = [];
const mocks: MockServer[] = [];

async function startUpstream(script: Script): Promise<Upstream> {
  const up: Upstream = { url: '', host: '', seen: [], script, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method!,
        url: req.url!,
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      up.seen.push(seen);
      const answer = up.script(seen);
      if (answer === 'hang') return;
      if (answer === 'cut') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
        res.write('{"files":', () => res.socket?.destroy());
        return;
      }
      res.sendDate = false; // only the headers the script lists
      res.writeHead(answer.status, answer.statusText ?? '', answer.headers);
      res.end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  up.url = `http://127.0.0.1:${port}`;
  up.host = `127.0.0.1:${port}`;
  up.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return up;
}

function proxyMock(options: MockServerOptions): MockServer {
  const mock = createMockServer(options);
  mocks.push(mock);
  return mock;
}

afterEach(async () => {
  await Promise.all(mocks.splice(0).map((m) => m.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

/** A raw HTTP/1.1 request over a socket: the received raw headers, status line and body bytes. */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; statusText: string; rawHeaders: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          statusText: res.statusMessage!,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding'];
const endToEnd = (raw: readonly string[]) => {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2)
    if (!HOP_BY_HOP.includes(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
};

/** Captures what the mock writes on stderr while `fn` runs (its log lines). */
async function captureStderr<T>(fn: () => Promise<T>): Promise<{ result: T; lines: any[]; text: string }> {
  const writes: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    writes.push(String(c));
    return true;
  }) as typeof process.stderr.write;
  let result: T;
  try {
    result = await fn();
  } finally {
    process.stderr.write = original;
  }
  const text = writes.join('');
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  return { result, lines, text };
}

// ---------------------------------------------------------------------------------------------

const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const INSTANCE = '9136fd2a9fcd405ea4674276ce36dae8in02';
const BACKUP = '43e4feaab48f11e89039fa163ebaa7e4br02';
const API_PATH = `/v3/${PROJECT}/backups/download-file?instance_id=${INSTANCE}&backup_id=${BACKUP}`;
const UPSTREAM_REQUEST_ID = '7b1bd8f8c9ae4f1a8c7d1c0e8b1f2a3d';

/** The spec's sharded-cluster example, formatted oddly: any re-serialization would show. */
const sharded = showBackupDownloadLinkExamples['200']['sharded-cluster'];
const conformingBody = Buffer.from(`${JSON.stringify({ bucket: sharded.bucket, files: sharded.files }, null, 3)}\n`);
const LINK = sharded.files[0]!.download_link;

const jsonAnswer = (status: number, body: Buffer | string, extra: string[] = []): Answer => ({
  status,
  headers: [
    'Content-Type',
    'application/json;charset=UTF-8',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'X-Request-Id',
    UPSTREAM_REQUEST_ID,
    ...extra,
  ],
  body,
});

describe('validation proxy: a conforming answer', () => {
  const upstreamHeaders = [
    'Date',
    'Mon, 12 Jan 2026 08:00:00 GMT',
    'Content-Type',
    'application/json;charset=UTF-8',
    'Content-Length',
    String(conformingBody.length),
    'X-Request-Id',
    UPSTREAM_REQUEST_ID,
    'Server',
    'api-gateway',
    'Set-Cookie',
    'a=1; Path=/',
    'Set-Cookie',
    'b=2; Path=/',
    'X-Odd-CASE',
    'Kept As Is',
    'Connection',
    'keep-alive, X-Hop',
    'X-Hop',
    'dropped: named by Connection',
    'Keep-Alive',
    'timeout=5',
  ];
  const script: Script = () => ({ status: 200, statusText: 'Fine', headers: upstreamHeaders, body: conformingBody });
  const expectedHeaders = [...upstreamHeaders.slice(0, upstreamHeaders.indexOf('Connection')), CONTRACT_HEADER, 'ok'];

  it('is passed through byte for byte over a socket: status, reason, headers (minus hop-by-hop), body', async () => {
    const upstream = await startUpstream(script);
    const violations: ContractViolation[] = [];
    const mock = proxyMock({ proxy: { url: upstream.url, onViolation: (v) => violations.push(v) } });
    const base = await mock.listen({ port: 0 });
    const { result: res, lines } = await captureStderr(() => rawGet(`${base}${API_PATH}`, { 'X-Auth-Token': 't' }));
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('Fine');
    expect(res.body.equals(conformingBody)).toBe(true);
    expect(endToEnd(res.rawHeaders)).toEqual(expectedHeaders);
    // The download links of the real answer are untouched (not pointed at the mock).
    expect(JSON.parse(res.body.toString()).files[0].download_link).toBe(LINK);
    expect(violations).toEqual([]);
    expect(lines).toEqual([]); // `log` is off
    const list = await mock.fetch(new Request('http://mock.test/__mock/violations'));
    expect(await specJson('ListMockViolations', list)).toEqual([]);
    // What the upstream received: same method, path and query.
    expect(upstream.seen).toHaveLength(1);
    expect(upstream.seen[0]).toMatchObject({ method: 'GET', url: API_PATH });
  });

  it('is passed through byte for byte by the in-process fetch handler', async () => {
    const upstream = await startUpstream(script);
    const mock = proxyMock({ proxy: upstream.url });
    const res = await mock.fetch(new Request(`http://mock.test${API_PATH}`, { headers: { 'X-Auth-Token': 't' } }));
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('Fine');
    expect(Buffer.from(await res.arrayBuffer()).equals(conformingBody)).toBe(true);
    const expected = new Headers();
    for (let i = 0; i < expectedHeaders.length; i += 2) expected.append(expectedHeaders[i]!, expectedHeaders[i + 1]!);
    expect([...res.headers]).toEqual([...expected]);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('a gzip-encoded answer is checked after decoding and passed on still encoded', async () => {
    const gz = gzipSync(conformingBody);
    const upstream = await startUpstream(() => jsonAnswer(200, gz, ['Content-Encoding', 'gzip']));
    const mock = proxyMock({ proxy: upstream.url });
    const base = await mock.listen({ port: 0 });
    const res = await rawGet(`${base}${API_PATH}`, { 'X-Auth-Token': 't', 'Accept-Encoding': 'gzip' });
    expect(res.body.equals(gz)).toBe(true);
    expect(upstream.seen[0]!.headers['accept-encoding']).toBe('gzip');
    const contract = res.rawHeaders[res.rawHeaders.indexOf(CONTRACT_HEADER) + 1];
    expect(contract).toBe('ok');
  });

  it('documented error answers conform too (401 APIGW.0301 with request_id)', async () => {
    const body = JSON.stringify(showBackupDownloadLinkExamples['401']['token-missing']);
    const upstream = await startUpstream(() => jsonAnswer(401, body));
    const mock = proxyMock({ proxy: upstream.url });
    const res = await mock.fetch(new Request(`http://mock.test${API_PATH}`));
    expect(res.status).toBe(401);
    expect(res.headers.get(CONTRACT_HEADER)).toBe('ok');
    expect(await res.text()).toBe(body);
  });
});

describe('validation proxy: answers that break the spec', () => {
  const withTime = (t: string) =>
    JSON.stringify({ ...sharded, files: sharded.files.map((f) => ({ ...f, link_expired_time: t })) });
  const { bucket: _bucket, ...noBucket } = sharded;
  const cases: Array<{
    name: string;
    answer: Answer;
    issues: Array<{ path: string; keyword: string; message: RegExp }>;
  }> = [
    {
      name: 'link_expired_time in RFC 3339 form',
      answer: jsonAnswer(200, withTime('2025-11-29T10:20:14+08:00')),
      issues: [0, 1, 2].map((i) => ({
        path: `/files/${i}/link_expired_time`,
        keyword: 'pattern',
        message: /must match .*like "2018-08-16T10:15:14\+0000"/,
      })),
    },
    {
      name: 'a missing bucket',
      answer: jsonAnswer(200, JSON.stringify(noBucket)),
      issues: [{ path: '', keyword: 'required', message: /missing the required property `bucket`/ }],
    },
    {
      name: 'an undocumented status',
      answer: jsonAnswer(418, JSON.stringify({ error_code: 'DBS.200001', error_msg: 'teapot' })),
      issues: [{ path: '', keyword: 'status', message: /status 418 is not documented for ShowBackupDownloadLink/ }],
    },
    {
      name: 'a missing X-Request-Id',
      answer: {
        status: 200,
        headers: ['Content-Type', 'application/json', 'Content-Length', String(conformingBody.length)],
        body: conformingBody,
      },
      issues: [{ path: 'headers.X-Request-Id', keyword: 'required', message: /header `X-Request-Id` is missing/ }],
    },
    {
      name: 'an HTML error page',
      answer: {
        status: 500,
        headers: ['Content-Type', 'text/html', 'X-Request-Id', UPSTREAM_REQUEST_ID],
        body: '<html><body>upstream failure</body></html>',
      },
      issues: [
        { path: 'headers.Content-Type', keyword: 'content-type', message: /is `text\/html`, the spec documents/ },
        { path: '', keyword: 'json', message: /not valid JSON \(42 bytes\)/ },
      ],
    },
    {
      name: 'JSON that does not parse',
      answer: jsonAnswer(200, '{"files": [,]}'),
      issues: [{ path: '', keyword: 'json', message: /not valid JSON/ }],
    },
  ];

  it.each(cases)(
    '$name: header, log line, /__mock/violations; body passed on unchanged',
    async ({ answer, issues }) => {
      const upstream = await startUpstream(() => answer);
      const mock = proxyMock({ proxy: upstream.url, log: true });
      const base = await mock.listen({ port: 0 });
      const { result: res, lines } = await captureStderr(() => rawGet(`${base}${API_PATH}`, { 'X-Auth-Token': 't' }));

      expect(res.status).toBe(answer.status);
      expect(res.body.equals(Buffer.from(answer.body!))).toBe(true);
      expect(endToEnd(res.rawHeaders)).toEqual([...answer.headers, CONTRACT_HEADER, `violations=${issues.length}`]);

      const expectedIssues = issues.map((i) => ({
        path: i.path,
        keyword: i.keyword,
        message: expect.stringMatching(i.message),
      }));
      const report = {
        operation_id: 'ShowBackupDownloadLink',
        method: 'GET',
        path: API_PATH,
        status: answer.status,
        namespace: 'default',
        upstream: upstream.url,
        issues: expectedIssues,
      };
      const logged = lines.filter((l) => l.msg === 'contract-violation');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 'warn', ...report });
      const request = lines.find((l) => l.msg === 'request');
      expect(logged[0].request_id).toBe(request.request_id);

      const list = await specJson(
        'ListMockViolations',
        await mock.fetch(new Request('http://mock.test/__mock/violations')),
      );
      expect(list).toEqual([
        {
          ...report,
          time: expect.any(String),
          request_id: request.request_id,
          upstream_request_id: answer.headers.includes('X-Request-Id') ? UPSTREAM_REQUEST_ID : null,
        },
      ]);
      const cleared = await mock.fetch(new Request('http://mock.test/__mock/violations', { method: 'DELETE' }));
      expect(cleared.status).toBe(204);
      expect(
        await specJson('ListMockViolations', await mock.fetch(new Request('http://mock.test/__mock/violations'))),
      ).toEqual([]);
    },
  );

  it('in-process too; violations land in the namespace of the request', async () => {
    const upstream = await startUpstream(() => jsonAnswer(200, JSON.stringify(noBucket)));
    const mock = proxyMock({ proxy: upstream.url });
    const res = await mock.fetch(
      new Request(`http://mock.test${API_PATH}`, { headers: { 'X-Auth-Token': 't', 'X-Mock-Namespace': 'ci-7' } }),
    );
    expect(res.headers.get(CONTRACT_HEADER)).toBe('violations=1');
    expect(await res.text()).toBe(JSON.stringify(noBucket));
    // The namespace header is the client's: forwarded like any other.
    expect(upstream.seen[0]!.headers['x-mock-namespace']).toBe('ci-7');
    const get = (ns?: string) =>
      mock.fetch(new Request('http://mock.test/__mock/violations', { headers: ns ? { 'X-Mock-Namespace': ns } : {} }));
    expect(await specJson('ListMockViolations', await get())).toEqual([]);
    const [v] = await specJson('ListMockViolations', await get('ci-7'));
    expect(v).toMatchObject({ namespace: 'ci-7', issues: [{ keyword: 'required' }] });
    // POST /__mock/reset clears them with the rest of the namespace's state.
    await mock.fetch(
      new Request('http://mock.test/__mock/reset', { method: 'POST', headers: { 'X-Mock-Namespace': 'ci-7' } }),
    );
    expect(await specJson('ListMockViolations', await get('ci-7'))).toEqual([]);
  });
});

describe('validation proxy: credentials', () => {
  const TOKEN = 'MIIsecret-token-value-0123456789';
  const SECURITY_TOKEN = 'temporary-security-token-abcdef';

  /** An upstream that verifies AK/SK signatures over the Host it receives, as Huawei's gateway does. */
  const verifyingUpstream = () =>
    startUpstream((seen) => {
      if (!seen.headers.authorization) return jsonAnswer(200, JSON.stringify(noBucketBody));
      const verdict = verifyRequest(
        {
          method: seen.method,
          url: new URL(`http://${seen.headers.host}${seen.url}`),
          getHeader: (n) => seen.headers[n] as string | undefined,
        },
        (ak) => (ak === DEFAULT_AKSK.ak ? DEFAULT_AKSK.sk : undefined),
      );
      return verdict.ok
        ? jsonAnswer(200, JSON.stringify(noBucketBody))
        : jsonAnswer(401, JSON.stringify(showBackupDownloadLinkExamples['401']['signature-mismatch']));
    });
  // A violating answer, so that a report is written and can be searched for secrets.
  const { bucket: _b, ...noBucketBody } = sharded;

  it('a token reaches the upstream unchanged and never appears in reports or logs', async () => {
    const upstream = await verifyingUpstream();
    const mock = proxyMock({ proxy: upstream.url, log: true });
    const base = await mock.listen({ port: 0 });
    const { result: res, text } = await captureStderr(() =>
      rawGet(`${base}${API_PATH}&Signature=abc%3D&AccessKeyId=AKLINK`, {
        'X-Auth-Token': TOKEN,
        'X-Security-Token': SECURITY_TOKEN,
      }),
    );
    expect(res.status).toBe(200);
    expect(upstream.seen[0]!.headers['x-auth-token']).toBe(TOKEN);
    expect(upstream.seen[0]!.headers['x-security-token']).toBe(SECURITY_TOKEN);
    expect(upstream.seen[0]!.url).toBe(`${API_PATH}&Signature=abc%3D&AccessKeyId=AKLINK`);
    const reports = JSON.stringify(await (await mock.fetch(new Request('http://mock.test/__mock/violations'))).json());
    expect(reports).toContain('Signature=REDACTED&AccessKeyId=REDACTED');
    expect(text).toContain('contract-violation');
    for (const secret of [TOKEN, SECURITY_TOKEN, 'abc%3D', 'AKLINK']) {
      expect(reports).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
  });

  it('an AK/SK request signed for the upstream host verifies upstream (socket and in-process)', async () => {
    const upstream = await verifyingUpstream();
    const mock = proxyMock({ proxy: upstream.url, log: true });
    const base = await mock.listen({ port: 0 });
    const sign = () =>
      signRequest(
        { method: 'GET', url: `${upstream.url}${API_PATH}`, headers: { 'Content-Type': 'application/json' } },
        { ...DEFAULT_AKSK, securityToken: SECURITY_TOKEN },
        { projectId: PROJECT },
      );
    const signed = sign();
    // Sent to the proxy's address; undici puts the proxy's Host on the wire, the proxy sends the upstream's.
    const { result: res, text } = await captureStderr(async () => {
      const r = await fetch(`${base}${API_PATH}`, { headers: signed.headers });
      return { status: r.status, contract: r.headers.get(CONTRACT_HEADER) };
    });
    expect(res).toEqual({ status: 200, contract: 'violations=1' });
    const seen = upstream.seen[0]!;
    expect(seen.headers.host).toBe(upstream.host);
    expect(seen.headers.authorization).toBe(signed.headers.get('authorization'));
    expect(seen.headers['x-sdk-date']).toBe(signed.headers.get('x-sdk-date'));

    const inProcess = await mock.fetch(new Request(`http://mock.test${API_PATH}`, { headers: sign().headers }));
    expect(inProcess.status).toBe(200);

    const reports = JSON.stringify(await (await mock.fetch(new Request('http://mock.test/__mock/violations'))).json());
    for (const secret of [DEFAULT_AKSK.sk, signed.signature.signature, SECURITY_TOKEN, 'SDK-HMAC']) {
      expect(reports).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
  });

  it('an AK/SK request signed for the proxy host is refused upstream (401 passed through)', async () => {
    const upstream = await verifyingUpstream();
    const mock = proxyMock({ proxy: upstream.url });
    const base = await mock.listen({ port: 0 });
    const signed = signRequest({ method: 'GET', url: `${base}${API_PATH}` }, DEFAULT_AKSK);
    const res = await fetch(`${base}${API_PATH}`, { headers: signed.headers });
    expect(res.status).toBe(401);
    expect(res.headers.get(CONTRACT_HEADER)).toBe('ok');
    expect(((await res.json()) as { error_msg: string }).error_msg).toMatch(/verify aksk signature fail/);
  });
});

describe('validation proxy in front of a second mock', () => {
  it('the real mock answers through the proxy: ok, links untouched, AK/SK verified by the upstream mock', async () => {
    const upstreamMock = proxyMock({});
    const upstreamUrl = await upstreamMock.listen({ port: 0 });
    const mock = proxyMock({ proxy: upstreamUrl });
    const base = await mock.listen({ port: 0 });
    const d = upstreamMock.defaults;
    const path = `/v3/${d.projectId}/backups/download-file?instance_id=${d.sharded.instanceId}&backup_id=${d.sharded.backupId}`;

    const viaToken = await fetch(`${base}${path}`, { headers: { 'X-Auth-Token': 'tok' } });
    expect(viaToken.headers.get(CONTRACT_HEADER)).toBe('ok');
    const body = await specJson('ShowBackupDownloadLink', viaToken);
    // Links point where the upstream put them (at the upstream), not at the proxy.
    for (const f of body.files) expect(f.download_link.startsWith(`${upstreamUrl}/obs/`)).toBe(true);
    const obj = await fetch(body.files[0].download_link, { headers: { Range: 'bytes=0-9' } });
    expect(obj.status).toBe(206);

    const signed = signRequest({ method: 'GET', url: `${upstreamUrl}${path}` }, d.aksk);
    expect((await fetch(`${base}${path}`, { headers: signed.headers })).status).toBe(200);
    const wrongHost = signRequest({ method: 'GET', url: `${base}${path}` }, d.aksk);
    const refused = await fetch(`${base}${path}`, { headers: wrongHost.headers });
    expect(refused.status).toBe(401);
    expect(refused.headers.get(CONTRACT_HEADER)).toBe('ok');
    expect(((await refused.json()) as { error_code: string }).error_code).toBe('APIGW.0301');
  });
});

describe('validation proxy: routing', () => {
  it('IAM routes go to the IAM upstream and are checked against the IAM spec', async () => {
    const dds = await startUpstream(() => jsonAnswer(404, '{}'));
    const SUBJECT = 'MIIsubject-token-secret-0123456789';
    const iam = await startUpstream((seen) =>
      seen.url === '/v3/auth/tokens'
        ? jsonAnswer(201, JSON.stringify({ token: { issued_at: '2026-01-12T08:00:00.000000Z' } }), [
            'X-Subject-Token',
            SUBJECT,
          ])
        : jsonAnswer(200, JSON.stringify({ projects: [{ id: PROJECT, name: 'cn-north-4' }] })),
    );
    const mock = proxyMock({ proxy: { url: dds.url, iamUrl: iam.url }, log: true });
    const base = await mock.listen({ port: 0 });
    const tokenRequest = JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'u', password: 'pw-secret-123456', domain: { name: 'd' } } },
        },
        scope: { project: { name: 'cn-north-4' } },
      },
    });
    const { result, text } = await captureStderr(async () => ({
      token: await rawGet(`${base}/v3/auth/tokens`, { 'Content-Type': 'application/json' }, 'POST', tokenRequest),
      projects: await rawGet(`${base}/v3/projects?name=cn-north-4`, { 'X-Auth-Token': 't' }),
    }));
    expect(dds.seen).toEqual([]);
    expect(iam.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v3/auth/tokens',
      'GET /v3/projects?name=cn-north-4',
    ]);
    expect(iam.seen[0]!.body.toString()).toBe(tokenRequest);
    const header = (raw: string[], name: string) => raw[raw.indexOf(name) + 1];
    expect(header(result.token.rawHeaders, 'X-Subject-Token')).toBe(SUBJECT);
    expect(header(result.token.rawHeaders, CONTRACT_HEADER)).toBe('violations=1');
    expect(header(result.projects.rawHeaders, CONTRACT_HEADER)).toBe('ok');
    const [v] = await specJson(
      'ListMockViolations',
      await mock.fetch(new Request('http://mock.test/__mock/violations')),
    );
    expect(v).toMatchObject({
      operation_id: 'KeystoneCreateUserTokenByPassword',
      upstream: iam.url,
      issues: [{ path: '/token', keyword: 'required', message: expect.stringContaining('`expires_at`') }],
    });
    expect(text).not.toContain(SUBJECT);
    expect(text).not.toContain('pw-secret-123456');
  });

  it('routes no spec describes are forwarded unchecked; the admin API stays local', async () => {
    const upstream = await startUpstream(() => ({
      status: 200,
      headers: ['Content-Type', 'text/plain'],
      body: 'other API',
    }));
    const mock = proxyMock({ proxy: upstream.url });
    const res = await mock.fetch(
      new Request(`http://mock.test/v3/${PROJECT}/configurations?offset=0`, { method: 'GET' }),
    );
    expect(res.headers.get(CONTRACT_HEADER)).toBe('unchecked');
    expect(await res.text()).toBe('other API');
    // A method the operation does not have is unchecked too.
    const del = await mock.fetch(new Request(`http://mock.test${API_PATH}`, { method: 'DELETE' }));
    expect(del.headers.get(CONTRACT_HEADER)).toBe('unchecked');
    await specJson('GetMockState', await mock.fetch(new Request('http://mock.test/__mock/state')));
    expect(upstream.seen.map((s) => s.url)).toEqual([`/v3/${PROJECT}/configurations?offset=0`, API_PATH]);
    expect(
      await specJson('ListMockViolations', await mock.fetch(new Request('http://mock.test/__mock/violations'))),
    ).toEqual([]);
  });

  it('an upstream URL with a path prefix keeps the prefix', async () => {
    const upstream = await startUpstream(() => jsonAnswer(200, conformingBody));
    const mock = proxyMock({ proxy: `${upstream.url}/gateway/` });
    const res = await mock.fetch(new Request(`http://mock.test${API_PATH}`));
    expect(res.headers.get(CONTRACT_HEADER)).toBe('ok');
    expect(upstream.seen[0]!.url).toBe(`/gateway${API_PATH}`);
  });

  it('the IAM upstream of a region endpoint comes from the specs; other URLs serve both', () => {
    expect(iamEndpointFor(new URL('https://dds.cn-north-4.myhuaweicloud.com'))?.href).toBe(
      'https://iam.cn-north-4.myhuaweicloud.com/',
    );
    expect(iamEndpointFor(new URL('https://dds.eu-west-101.myhuaweicloud.eu'))?.href).toBe(
      'https://iam.eu-west-101.myhuaweicloud.eu/',
    );
    expect(iamEndpointFor(new URL('http://127.0.0.1:4011'))).toBeUndefined();
    expect(resolveProxyConfig('http://127.0.0.1:4011').iam.href).toBe('http://127.0.0.1:4011/');
    expect(
      resolveProxyConfig({ url: 'https://dds.cn-north-4.myhuaweicloud.com', iamUrl: 'http://iam.test' }).iam.href,
    ).toBe('http://iam.test/');
    const real = createMockServer({ proxy: 'https://user:pw@dds.cn-north-4.myhuaweicloud.com' });
    expect(real.upstream).toEqual({
      dds: 'https://REDACTED@dds.cn-north-4.myhuaweicloud.com',
      iam: 'https://iam.cn-north-4.myhuaweicloud.com',
    });
    expect(createMockServer().upstream).toBeUndefined();
    expect(() => resolveProxyConfig('ftp://x')).toThrow(/http: or https:/);
    expect(() => resolveProxyConfig('https://x/?a=1')).toThrow(/query or fragment/);
  });
});

describe('validation proxy: no answer', () => {
  const errorBody = async (res: Response) => {
    const body = (await res.json()) as { error_code: string; error_msg: string; request_id?: string };
    const check = validateSchema('Error', body, 'mock-admin');
    expect(check.issues).toEqual([]);
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
    expect(res.headers.get(CONTRACT_HEADER)).toBeNull();
    return body;
  };

  it('an unreachable upstream: 502 MOCK.0502 in the Huawei shape (socket and in-process), nothing reported', async () => {
    const gone = await startUpstream(() => 'hang');
    await gone.close();
    const mock = proxyMock({ proxy: `http://user:pw-in-url@${gone.host}` });
    const base = await mock.listen({ port: 0 });
    for (const res of [
      await fetch(`${base}${API_PATH}`),
      await mock.fetch(new Request(`http://mock.test${API_PATH}`)),
    ]) {
      expect(res.status).toBe(502);
      const body = await errorBody(res);
      expect(body.error_code).toBe('MOCK.0502');
      expect(body.error_msg).toMatch(/got no answer from http:\/\/REDACTED@127\.0\.0\.1:\d+: connect ECONNREFUSED/);
      expect(body.error_msg).not.toContain('pw-in-url');
    }
    expect(
      await specJson('ListMockViolations', await mock.fetch(new Request('http://mock.test/__mock/violations'))),
    ).toEqual([]);
  });

  it('an upstream that closes mid-answer: 502 MOCK.0502', async () => {
    const upstream = await startUpstream(() => 'cut');
    const mock = proxyMock({ proxy: upstream.url });
    const res = await mock.fetch(new Request(`http://mock.test${API_PATH}`));
    expect(res.status).toBe(502);
    expect((await errorBody(res)).error_code).toBe('MOCK.0502');
  });

  it('an upstream that does not answer in time: 504 MOCK.0504', async () => {
    const upstream = await startUpstream(() => 'hang');
    const mock = proxyMock({ proxy: { url: upstream.url, timeoutMs: 50 } });
    const res = await mock.fetch(new Request(`http://mock.test${API_PATH}`));
    expect(res.status).toBe(504);
    const body = await errorBody(res);
    expect(body.error_code).toBe('MOCK.0504');
    expect(body.error_msg).toMatch(/did not answer within 50 ms/);
  });
});

describe('dds-backup-mock --proxy', () => {
  it('forwards, reports on stderr, keeps stdout to the listening line', async () => {
    const upstream = await startUpstream(() => jsonAnswer(200, withRfc3339));
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const { result: server, text } = await captureStderr(async () => {
      const s = await main(['--port', '0', '--proxy', upstream.url], { stdout, stderr, handleSignals: false });
      const base = /listening on (\S+)/.exec(out)![1]!;
      const res = await fetch(`${base}${API_PATH}`, { headers: { 'X-Auth-Token': 't' } });
      expect(res.headers.get(CONTRACT_HEADER)).toBe('violations=3');
      expect(await res.text()).toBe(withRfc3339);
      return s;
    });
    await server!.close();
    expect(out).toMatch(/^dds-backup-mock listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    let err = '';
    for (let c = stderr.read(); c !== null; c = stderr.read()) err += c;
    expect(JSON.parse(err.split('\n')[0]!)).toMatchObject({
      msg: 'proxy',
      upstream: upstream.url,
      iam_upstream: upstream.url,
    });
    const violation = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'contract-violation');
    expect(violation.issues.map((i: { path: string }) => i.path)).toEqual([
      '/files/0/link_expired_time',
      '/files/1/link_expired_time',
      '/files/2/link_expired_time',
    ]);
  });
});

const withRfc3339 = JSON.stringify({
  ...sharded,
  files: sharded.files.map((f) => ({ ...f, link_expired_time: '2025-11-29T10:20:14+08:00' })),
});
