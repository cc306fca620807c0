import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SINGLE_PART_ETAG_MAX_BYTES } from '../../src/content.js';
import { createClock, objectBytes } from '../../src/index.js';
import { parseRange } from '../../src/routes/obs.js';
import { admin, getLinks, newMock, obsErrorOf } from '../helpers.js';

const mock = newMock({ clock: createClock({ start: '2030-01-01T00:00:00Z', frozen: true }) });
const d = mock.defaults;
const get = (url: string, init: RequestInit = {}) => mock.fetch(new Request(url, init));
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

async function stateFile(name: string) {
  const state = (await admin(mock, 'GetMockState', 'GET', '/__mock/state')).body;
  for (const p of state.projects)
    for (const i of p.instances)
      for (const b of i.backups) for (const f of b.files) if (f.name === name) return { ...f, backupId: b.id };
  throw new Error(`no file ${name}`);
}

describe('parseRange', () => {
  it.each([
    ['bytes=0-9', 100, { start: 0, end: 10 }],
    ['bytes=90-', 100, { start: 90, end: 100 }],
    ['bytes=-10', 100, { start: 90, end: 100 }],
    ['bytes=-1000', 100, { start: 0, end: 100 }],
    ['bytes=50-1000', 100, { start: 50, end: 100 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-', 0, 'unsatisfiable'],
    ['bytes=5-2', 100, undefined],
    ['bytes=0-1,5-6', 100, undefined],
    ['items=0-1', 100, undefined],
    ['bytes=-', 100, undefined],
    ['garbage', 100, undefined],
    [undefined, 100, undefined],
  ])('%s of %i bytes -> %o', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('the object route behind the links (in-process)', () => {
  it('GET answers the whole object: Content-Length, Accept-Ranges, quoted MD5 ETag, Last-Modified; bytes match the state hashes', async () => {
    const body = await getLinks(mock, d.sharded);
    for (const f of body.files) {
      const res = await get(f.download_link);
      expect(res.status).toBe(200);
      const data = await bytes(res);
      const st = await stateFile(f.name);
      expect(data.length).toBe(st.size_bytes);
      expect(res.headers.get('content-length')).toBe(String(st.size_bytes));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(createHash('md5').update(data).digest('hex')).toBe(st.md5);
      expect(createHash('sha256').update(data).digest('hex')).toBe(st.sha256);
      expect(res.headers.get('etag')).toBe(`"${st.md5}"`);
      expect(new Date(res.headers.get('last-modified')!).toUTCString()).toBe(res.headers.get('last-modified'));
      expect(
        data.equals(objectBytes({ seed: d.seed, backupId: st.backupId, fileName: f.name, size: st.size_bytes })),
      ).toBe(true);
    }
  });

  it('HEAD answers the headers without a body', async () => {
    const link = (await getLinks(mock, d.replicaSet)).files[0].download_link;
    const res = await get(link, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await bytes(res)).length).toBe(0);
  });

  it('Range: 206 with Content-Range for closed, open-ended and suffix ranges; end past the last byte is clamped', async () => {
    const f = (await getLinks(mock, d.replicaSet)).files[0];
    const st = await stateFile(f.name);
    const all = objectBytes({ seed: d.seed, backupId: st.backupId, fileName: f.name, size: st.size_bytes });
    const size = all.length;
    for (const [range, start, end] of [
      ['bytes=0-0', 0, 1],
      ['bytes=4090-4105', 4090, 4106],
      [`bytes=${size - 10}-`, size - 10, size],
      ['bytes=-100', size - 100, size],
      [`bytes=100-${size + 5000}`, 100, size],
    ] as const) {
      const res = await get(f.download_link, { headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end - 1}/${size}`);
      expect(res.headers.get('content-length')).toBe(String(end - start));
      expect((await bytes(res)).equals(all.subarray(start, end))).toBe(true);
    }
  });

  it('a range starting past the end -> 416 InvalidRange; a malformed range -> the whole object, 200', async () => {
    const f = (await getLinks(mock, d.replicaSet)).files[0];
    const st = await stateFile(f.name);
    const res = await get(f.download_link, { headers: { Range: `bytes=${st.size_bytes}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${st.size_bytes}`);
    expect((await obsErrorOf(res)).code).toBe('InvalidRange');
    for (const bad of ['bytes=abc', 'bytes=9-3', 'bytes=0-1,4-5']) {
      const whole = await get(f.download_link, { headers: { Range: bad } });
      expect(whole.status).toBe(200);
      expect((await bytes(whole)).length).toBe(st.size_bytes);
    }
  });

  it('If-Range with a different ETag sends the whole object', async () => {
    const f = (await getLinks(mock, d.replicaSet)).files[0];
    const res = await get(f.download_link, { headers: { Range: 'bytes=0-9', 'If-Range': '"0123"' } });
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag')!;
    await res.arrayBuffer();
    expect((await get(f.download_link, { headers: { Range: 'bytes=0-9', 'If-Range': etag } })).status).toBe(206);
  });

  it('an expired link -> 403 AccessDenied "Request has expired"; expiry is checked only when a request starts', async () => {
    const m = newMock({ clock: createClock({ start: '2030-01-01T00:00:00Z', frozen: true }), linkTtlSeconds: 60 });
    const link = (await getLinks(m, m.defaults.sharded)).files[0].download_link;
    const started = await m.fetch(new Request(link));
    const reader = started.body!.getReader();
    const first = await reader.read();
    m.clock.advance(61);
    const expired = await m.fetch(new Request(link));
    expect(expired.status).toBe(403);
    expect(await obsErrorOf(expired)).toEqual({ code: 'AccessDenied', message: 'Request has expired' });
    let n = first.value!.length;
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
    expect(n).toBe(Number(started.headers.get('content-length')));
    // exactly at Expires still valid
    const m2 = newMock({ clock: createClock({ start: '2030-01-01T00:00:00Z', frozen: true }), linkTtlSeconds: 60 });
    const link2 = (await getLinks(m2, m2.defaults.replicaSet)).files[0].download_link;
    m2.clock.advance(60);
    expect((await m2.fetch(new Request(link2, { method: 'HEAD' }))).status).toBe(200);
  });

  it('a tampered link -> 403 SignatureDoesNotMatch; no signature -> 403 AccessDenied', async () => {
    const body = await getLinks(mock, d.sharded);
    const link = new URL(body.files[0].download_link);
    const variants: Array<[string, (u: URL) => void]> = [
      ['Expires moved', (u) => u.searchParams.set('Expires', String(Number(u.searchParams.get('Expires')) + 3600))],
      [
        'Signature changed',
        (u) => {
          // Change the first character for sure (a signature may already start with 'A').
          const sig = u.searchParams.get('Signature')!;
          u.searchParams.set('Signature', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
        },
      ],
      ['another file', (u) => (u.pathname = new URL(body.files[1].download_link).pathname)],
      ['a scenario added', (u) => u.searchParams.set('x-mock-scenario', 'status=500')],
      ['a namespace added', (u) => u.searchParams.set('x-mock-namespace', 'other')],
    ];
    for (const [, change] of variants) {
      const u = new URL(link);
      change(u);
      const res = await get(u.toString());
      expect(res.status).toBe(403);
      expect((await obsErrorOf(res)).code).toBe('SignatureDoesNotMatch');
    }
    const bare = await get(`${link.origin}${link.pathname}`);
    expect(bare.status).toBe(403);
    expect((await obsErrorOf(bare)).code).toBe('AccessDenied');
  });

  it('an object that is gone -> 404 NoSuchKey', async () => {
    const added = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      instance_id: d.empty.instanceId,
      files: [{ name: 'soon-gone.tar.gz', size_bytes: 10 }],
    });
    const link = (await getLinks(mock, { instanceId: d.empty.instanceId, backupId: added.body.backup.id })).files[0]
      .download_link;
    expect((await get(link)).status).toBe(200);
    expect((await mock.fetch(new Request('http://mock.test/__mock/reset', { method: 'POST' }))).status).toBe(204);
    const res = await get(link);
    expect(res.status).toBe(404);
    expect((await obsErrorOf(res)).code).toBe('NoSuchKey');
  });

  it('any file name (spaces, slashes, "..", unicode, %) round-trips through the link', async () => {
    const names = ['../../etc/passwd', 'a b+c&d=e?f#g.tar.gz', '备份 文件.tar.gz', '100%.bin', 'dir/sub/file', '...'];
    const added = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      instance_id: d.empty.instanceId,
      files: names.map((name, i) => ({ name, size_bytes: 1000 + i })),
    });
    const body = await getLinks(mock, { instanceId: d.empty.instanceId, backupId: added.body.backup.id });
    expect(body.files.map((f: any) => f.name)).toEqual(names);
    for (const [i, f] of body.files.entries()) {
      const res = await get(f.download_link);
      expect(res.status).toBe(200);
      expect(
        (await bytes(res)).equals(
          objectBytes({ seed: d.seed, backupId: added.body.backup.id, fileName: names[i]!, size: 1000 + i }),
        ),
      ).toBe(true);
    }
  });

  it('an empty object is served with Content-Length 0 and the MD5 of nothing', async () => {
    const added = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      instance_id: d.empty.instanceId,
      files: [{ name: 'empty', size_bytes: 0 }],
    });
    const link = (await getLinks(mock, { instanceId: d.empty.instanceId, backupId: added.body.backup.id })).files[0]
      .download_link;
    const res = await get(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect((await bytes(res)).length).toBe(0);
  });

  it('the large object has a multipart ETag (no hashing before the first byte) and any range of it is exact', async () => {
    const f = (await getLinks(mock, d.large)).files[0];
    const st = await stateFile(f.name);
    expect(st.size_bytes).toBeGreaterThan(1024 ** 3);
    expect(st.size_bytes).toBeLessThan(2 * 1024 ** 3);
    expect(st.md5).toBeNull(); // not hashed unless asked (hashes=all)
    const head = await get(f.download_link, { method: 'HEAD' });
    expect(head.headers.get('etag')).toBe(st.etag);
    expect(head.headers.get('etag')).toMatch(
      new RegExp(`^"[0-9a-f]{32}-${Math.ceil(st.size_bytes / SINGLE_PART_ETAG_MAX_BYTES)}"$`),
    );
    const start = st.size_bytes - 5 * 1024 * 1024 - 3;
    const res = await get(f.download_link, { headers: { Range: `bytes=${start}-` } });
    expect(res.status).toBe(206);
    expect(
      (await bytes(res)).equals(
        objectBytes({ seed: d.seed, backupId: st.backupId, fileName: f.name, size: st.size_bytes }, start),
      ),
    ).toBe(true);
  });

  it('PUT on an object -> 405 MethodNotAllowed (OBS XML)', async () => {
    const link = (await getLinks(mock, d.replicaSet)).files[0].download_link;
    const res = await get(link, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect((await obsErrorOf(res)).code).toBe('MethodNotAllowed');
  });
});

describe('the object route on a real socket', () => {
  const sock = newMock();
  let base: string;
  beforeAll(async () => {
    base = await sock.listen({ port: 0 });
  });
  afterAll(() => sock.close());

  const links = async () => {
    const res = await fetch(
      `${base}/v3/${sock.defaults.projectId}/backups/download-file?instance_id=${sock.defaults.sharded.instanceId}&backup_id=${sock.defaults.sharded.backupId}`,
      {
        headers: { 'X-Auth-Token': 't' },
      },
    );
    return ((await res.json()) as any).files as Array<{ name: string; download_link: string }>;
  };

  it('streams every file whole, matching the published hashes', async () => {
    const state: any = await (await fetch(`${base}/__mock/state`)).json();
    const files = state.projects[0].instances
      .flatMap((i: any) => i.backups)
      .find((b: any) => b.id === sock.defaults.sharded.backupId).files;
    for (const f of await links()) {
      const res = await fetch(f.download_link);
      const data = Buffer.from(await res.arrayBuffer());
      const st = files.find((x: any) => x.name === f.name);
      expect(createHash('sha256').update(data).digest('hex')).toBe(st.sha256);
    }
  });

  it('ranges and HEAD over node:http', async () => {
    const f = (await links())[0]!;
    const res = await fetch(f.download_link, { headers: { Range: 'bytes=-4096' } });
    expect(res.status).toBe(206);
    expect((await res.arrayBuffer()).byteLength).toBe(4096);
    const head = await new Promise<{ status: number; length: string | undefined; body: number }>((resolve, reject) => {
      const req = httpRequest(f.download_link, { method: 'HEAD' }, (r) => {
        let n = 0;
        r.on('data', (c: Buffer) => (n += c.length));
        r.on('end', () => resolve({ status: r.statusCode!, length: r.headers['content-length'], body: n }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(head.status).toBe(200);
    expect(Number(head.length)).toBeGreaterThan(0);
    expect(head.body).toBe(0);
  });

  it('a slow reader of a long unaligned range gets exact bytes (pooled chunk buffers reused under backpressure)', async () => {
    const large = await fetch(
      `${base}/v3/${sock.defaults.large.projectId}/backups/download-file?instance_id=${sock.defaults.large.instanceId}&backup_id=${sock.defaults.large.backupId}`,
      { headers: { 'X-Auth-Token': 't' } },
    );
    const file = ((await large.json()) as any).files[0];
    const state: any = await (await fetch(`${base}/__mock/state?hashes=none`)).json();
    const st = state.projects
      .flatMap((p: any) => p.instances)
      .flatMap((i: any) => i.backups)
      .find((b: any) => b.id === sock.defaults.large.backupId)
      .files.find((x: any) => x.name === file.name);
    const start = 3 * 1024 * 1024 + 4093; // the first stamp of every chunk cut at its start
    const end = start + 12 * 1024 * 1024 + 17;
    const data = await new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest(file.download_link, { headers: { Range: `bytes=${start}-${end - 1}` } }, (r) => {
        const parts: Buffer[] = [];
        // Pauses keep the socket full, so the server has every pooled buffer in flight at times.
        r.on('data', (c: Buffer) => {
          parts.push(Buffer.from(c));
          if (parts.length % 8 === 0) {
            r.pause();
            setTimeout(() => r.resume(), 5);
          }
        });
        r.on('end', () => resolve(Buffer.concat(parts)));
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const key = {
      seed: sock.defaults.seed,
      backupId: sock.defaults.large.backupId,
      fileName: file.name,
      size: st.size_bytes,
    };
    expect(data.length).toBe(end - start);
    expect(data.equals(objectBytes(key, start, end))).toBe(true);
  });

  it('a client that goes away mid-download is journaled as aborted and the server keeps serving', async () => {
    const large = await fetch(
      `${base}/v3/${sock.defaults.large.projectId}/backups/download-file?instance_id=${sock.defaults.large.instanceId}&backup_id=${sock.defaults.large.backupId}`,
      {
        headers: { 'X-Auth-Token': 't' },
      },
    );
    const link = ((await large.json()) as any).files[0].download_link;
    const ac = new AbortController();
    const res = await fetch(link, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.read().catch(() => undefined);
    // The journal entry appears once the server notices.
    let entry: any;
    for (let i = 0; i < 200 && !entry; i++) {
      const journal: any = await (await fetch(`${base}/__mock/requests`)).json();
      entry = journal.find(
        (e: any) => e.path.endsWith('.tar.gz') && e.aborted && e.path.includes(sock.defaults.large.backupId),
      );
      if (!entry) await new Promise((r) => setTimeout(r, 20));
    }
    expect(entry.bytes_sent).toBeLessThan(1024 ** 3);
    expect((await fetch(`${base}/__mock/state`)).status).toBe(200);
  });
});
