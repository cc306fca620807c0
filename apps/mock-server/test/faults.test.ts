import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, downloadFileUrl, getLinks, newMock, ORIGIN, obsErrorOf, specJson } from './helpers.js';

const mock = newMock();
const d = mock.defaults;
const apiUrl = downloadFileUrl(mock, d.replicaSet);
const callApi = () => mock.fetch(new Request(apiUrl, { headers: { 'X-Auth-Token': 't' } }));
const addFaults = (rules: unknown) => admin(mock, 'AddMockFaults', 'POST', '/__mock/faults', rules);

/** Reads a body to the end or to an error: [bytes read, error]. */
async function drain(res: Response): Promise<[number, unknown]> {
  let n = 0;
  try {
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
    return [n, undefined];
  } catch (e) {
    return [n, e];
  }
}

describe('api faults (in-process)', () => {
  it('status with a Huawei code, its spec status, Retry-After, limited by times', async () => {
    await mock.fetch(new Request(`${ORIGIN}/__mock/faults`, { method: 'DELETE' }));
    const added = await addFaults({
      target: 'api',
      kind: 'status',
      error_code: 'APIGW.0308',
      retry_after: 2,
      times: 2,
    });
    expect(added.status).toBe(201);
    expect(added.body.faults[0]).toMatchObject({ id: expect.any(String), hits: 0, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await callApi();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      const body = await specJson('ShowBackupDownloadLink', res);
      expect(body.error_code).toBe('APIGW.0308');
      expect(body.request_id).toBe(res.headers.get('x-request-id'));
    }
    expect((await callApi()).status).toBe(200);
    expect((await admin(mock, 'ListMockFaults', 'GET', '/__mock/faults')).body.faults).toEqual([]);
  });

  it('refuses an api rule whose error_code the spec does not document (it would answer a made-up status)', async () => {
    const refused = await addFaults({ target: 'api', kind: 'status', error_code: 'DBS.999999' });
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe('MOCK.0400');
    expect(refused.body.error_msg).toContain('DBS.999999');
    expect(refused.body.error_msg).toContain('DBS.280005');
    expect((await admin(mock, 'ListMockFaults', 'GET', '/__mock/faults')).body.faults).toEqual([]);
  });

  it('refuses a download rule whose error_code obs.openapi.yaml does not list', async () => {
    const refused = await addFaults({ target: 'download', kind: 'status', status: 403, error_code: 'AccesDenied' });
    expect(refused.status).toBe(400);
    expect(refused.body.error_msg).toContain('AccesDenied');
    expect(refused.body.error_msg).toContain('AccessDenied');
    expect((await admin(mock, 'ListMockFaults', 'GET', '/__mock/faults')).body.faults).toEqual([]);
  });

  it('status defaults to DBS.280005 / 500; probability 0 never fires, 1 always', async () => {
    await addFaults([
      { target: 'api', kind: 'status', probability: 0 },
      { target: 'api', kind: 'status', probability: 1, times: 1 },
    ]);
    const res = await callApi();
    expect(res.status).toBe(500);
    expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('DBS.280005');
    expect((await callApi()).status).toBe(200);
    const left = (await admin(mock, 'ListMockFaults', 'GET', '/__mock/faults')).body.faults;
    expect(left).toHaveLength(1);
    expect(left[0].hits).toBe(0);
    expect((await mock.fetch(new Request(`${ORIGIN}/__mock/faults`, { method: 'DELETE' }))).status).toBe(204);
  });

  it('probability draws are seeded: the same rule on two mocks with one seed hits the same requests', async () => {
    const pattern = async () => {
      const m = newMock({ seed: 7 });
      await admin(m, 'AddMockFaults', 'POST', '/__mock/faults', { target: 'api', kind: 'status', probability: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++)
        out.push(
          (await m.fetch(new Request(downloadFileUrl(m, m.defaults.replicaSet), { headers: { 'X-Auth-Token': 't' } })))
            .status,
        );
      return out;
    };
    const a = await pattern();
    expect(a).toEqual(await pattern());
    expect(new Set(a)).toEqual(new Set([200, 500]));
  });

  it('path_contains limits a rule; download rules do not touch the API', async () => {
    await addFaults([
      { target: 'api', kind: 'status', error_code: 'DBS.280443', path_contains: 'no-such-path' },
      { target: 'download', kind: 'status', status: 503 },
    ]);
    expect((await callApi()).status).toBe(200);
    await mock.fetch(new Request(`${ORIGIN}/__mock/faults`, { method: 'DELETE' }));
  });

  it('latency delays the answer (applies, without timing assertions)', async () => {
    await addFaults({ target: 'api', kind: 'latency', latency_ms: 30, times: 1 });
    expect((await callApi()).status).toBe(200);
    expect((await admin(mock, 'ListMockFaults', 'GET', '/__mock/faults')).body.faults).toEqual([]);
  });

  it('invalid rules are refused with MOCK.0400 naming the field', async () => {
    for (const [rule, needle] of [
      [{ target: 'api' }, 'kind'],
      [{ target: 'disk', kind: 'status' }, 'target'],
      [{ target: 'download', kind: 'reset' }, 'after_bytes'],
      [{ target: 'download', kind: 'throttle', bytes_per_second: 0 }, 'bytes_per_second'],
      [{ target: 'api', kind: 'latency' }, 'latency_ms'],
      [{ target: 'api', kind: 'status', probability: 2 }, 'probability'],
      [{ target: 'api', kind: 'status', bogus: 1 }, 'bogus'],
      [[], 'fewer'],
    ] as const) {
      const res = await admin(mock, 'AddMockFaults', 'POST', '/__mock/faults', rule);
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('MOCK.0400');
      expect(res.body.error_msg).toContain(needle);
    }
  });
});

describe('download faults (in-process fetch)', () => {
  it('status: OBS XML error with the status asked for', async () => {
    const link = (await getLinks(mock, d.replicaSet)).files[0].download_link;
    await addFaults({ target: 'download', kind: 'status', status: 503, retry_after: 1, times: 1 });
    const res = await mock.fetch(new Request(link));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await obsErrorOf(res)).code).toBe('ServiceUnavailable');
    expect((await mock.fetch(new Request(link))).status).toBe(200);
  });

  it('reset after N bytes errors the body stream like undici does (TypeError terminated, ECONNRESET)', async () => {
    const link = (await getLinks(mock, d.replicaSet)).files[0].download_link;
    await addFaults({ target: 'download', kind: 'reset', after_bytes: 300_000, times: 1 });
    const res = await mock.fetch(new Request(link));
    expect(res.status).toBe(200);
    const [n, error] = await drain(res);
    expect(n).toBe(300_000);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as any).cause.code).toBe('ECONNRESET');
  });

  it('truncate after N bytes ends the body short of Content-Length', async () => {
    const link = (await getLinks(mock, d.replicaSet)).files[0].download_link;
    await addFaults({ target: 'download', kind: 'truncate', after_bytes: 1000, times: 1 });
    const res = await mock.fetch(new Request(link));
    const [n, error] = await drain(res);
    expect(error).toBeUndefined();
    expect(n).toBe(1000);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
  });

  it('throttle paces but delivers everything', async () => {
    const link = (await getLinks(mock, d.sharded)).files.at(-1).download_link; // config file, ~40 KB
    await addFaults({ target: 'download', kind: 'throttle', bytes_per_second: 400_000, times: 1 });
    const res = await mock.fetch(new Request(link));
    const [n, error] = await drain(res);
    expect(error).toBeUndefined();
    expect(n).toBe(Number(res.headers.get('content-length')));
  });
});

describe('scenarios carried inside the signed link (Prefer: download-…)', () => {
  it('download-reset with download-times=1: the first download resets, the retry succeeds', async () => {
    const body = await getLinks(mock, d.replicaSet, { Prefer: 'download-reset=5000, download-times=1' });
    const link = body.files[0].download_link;
    expect(new URL(link).searchParams.get('x-mock-scenario')).toBe('reset=5000,times=1');
    const [n, error] = await drain(await mock.fetch(new Request(link)));
    expect([n, (error as any)?.cause?.code]).toEqual([5000, 'ECONNRESET']);
    const [n2, error2] = await drain(await mock.fetch(new Request(link)));
    expect(error2).toBeUndefined();
    expect(n2).toBeGreaterThan(5000);
  });

  it('download-status answers that status on every download of the link', async () => {
    const link = (await getLinks(mock, d.replicaSet, { Prefer: 'download-status=500' })).files[0].download_link;
    for (let i = 0; i < 2; i++) {
      const res = await mock.fetch(new Request(link));
      expect(res.status).toBe(500);
      expect((await obsErrorOf(res)).code).toBe('InternalError');
    }
  });

  it('download-truncate ends the body early', async () => {
    const link = (await getLinks(mock, d.replicaSet, { Prefer: 'download-truncate=10' })).files[0].download_link;
    expect((await drain(await mock.fetch(new Request(link))))[0]).toBe(10);
  });
});

describe('faults on a real socket', () => {
  const sock = newMock();
  let base: string;
  beforeAll(async () => {
    base = await sock.listen({ port: 0 });
  });
  afterAll(() => sock.close());

  async function link(): Promise<string> {
    const res = await fetch(downloadFileUrl(sock, sock.defaults.replicaSet, base), {
      headers: { 'X-Auth-Token': 't' },
    });
    return ((await res.json()) as any).files[0].download_link;
  }
  const fault = (rule: unknown) => fetch(`${base}/__mock/faults`, { method: 'POST', body: JSON.stringify(rule) });

  /** A raw HTTP/1.1 GET: what exactly arrives before the connection ends, and how it ends. */
  function rawGet(url: string): Promise<{ head: string; bodyBytes: number; ended: 'end' | 'error'; code?: string }> {
    const u = new URL(url);
    return new Promise((resolve) => {
      const socket = connect(Number(u.port), u.hostname);
      let buf = Buffer.alloc(0);
      socket.on('connect', () =>
        socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`),
      );
      socket.on('data', (c) => (buf = Buffer.concat([buf, c])));
      const done = (ended: 'end' | 'error', code?: string) => {
        const sep = buf.indexOf('\r\n\r\n');
        resolve({ head: buf.subarray(0, sep).toString(), bodyBytes: buf.length - sep - 4, ended, code });
      };
      socket.on('end', () => done('end'));
      socket.on('error', (e: NodeJS.ErrnoException) => done('error', e.code));
    });
  }

  it('reset: the client sees ECONNRESET after at most N body bytes', async () => {
    const l = await link();
    await fault({ target: 'download', kind: 'reset', after_bytes: 100_000, times: 1 });
    const r = await rawGet(l);
    expect(r.head).toMatch(/^HTTP\/1\.1 200/);
    expect(r.ended).toBe('error');
    expect(r.code).toBe('ECONNRESET');
    expect(r.bodyBytes).toBeLessThanOrEqual(100_000);
    const journal: any = await (await fetch(`${base}/__mock/requests`)).json();
    expect(journal.at(-1)).toMatchObject({ method: 'GET', status: 200, bytes_sent: 100_000, aborted: true });
  });

  it('truncate: a clean end after exactly N body bytes, short of Content-Length', async () => {
    const l = await link();
    await fault({ target: 'download', kind: 'truncate', after_bytes: 70_000, times: 1 });
    const r = await rawGet(l);
    expect(r.ended).toBe('end');
    expect(r.bodyBytes).toBe(70_000);
    const length = Number(/content-length: (\d+)/i.exec(r.head)![1]);
    expect(length).toBeGreaterThan(70_000);
    // fetch sees the short body as an error
    await fault({ target: 'download', kind: 'truncate', after_bytes: 70_000, times: 1 });
    await expect((await fetch(l)).arrayBuffer()).rejects.toThrow();
  });

  it('throttle delivers the whole body; api status faults answer over the socket too', async () => {
    const l = await link();
    await fault({ target: 'download', kind: 'throttle', bytes_per_second: 20_000_000, times: 1 });
    const r = await rawGet(l);
    expect(r.ended).toBe('end');
    expect(r.bodyBytes).toBe(Number(/content-length: (\d+)/i.exec(r.head)![1]));
    await fault({ target: 'api', kind: 'status', error_code: 'DBS.280443', times: 1 });
    const res = await fetch(downloadFileUrl(sock, sock.defaults.replicaSet, base), {
      headers: { 'X-Auth-Token': 't' },
    });
    expect(res.status).toBe(429);
    expect((await specJson('ShowBackupDownloadLink', res)).error_code).toBe('DBS.280443');
  });

  it('an api reset fault drops the connection mid-answer', async () => {
    await fault({ target: 'api', kind: 'reset', after_bytes: 10, times: 1 });
    await expect(
      fetch(downloadFileUrl(sock, sock.defaults.replicaSet, base), { headers: { 'X-Auth-Token': 't' } }).then((r) =>
        r.text(),
      ),
    ).rejects.toThrow();
    expect(
      (await fetch(downloadFileUrl(sock, sock.defaults.replicaSet, base), { headers: { 'X-Auth-Token': 't' } })).status,
    ).toBe(200);
  });
});
