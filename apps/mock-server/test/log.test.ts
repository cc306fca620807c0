import { signRequest } from '@dds-backup/signer';
import { describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../src/index.js';
import { DEFAULT_AKSK } from '../src/index.js';
import { downloadFileUrl, getLinks, newMock } from './helpers.js';

describe('structured request log', () => {
  it('one entry per request with method, path, status, ms, request id; no secrets', async () => {
    const entries: RequestLogEntry[] = [];
    const mock = newMock({ log: (e) => entries.push(e) });
    const url = downloadFileUrl(mock, mock.defaults.replicaSet);
    await mock.fetch(new Request(url, { headers: { 'X-Auth-Token': 'super-secret-token' } }));
    await mock.fetch(new Request(url, { headers: signRequest({ method: 'GET', url }, DEFAULT_AKSK).headers }));
    const link = (await getLinks(mock, mock.defaults.replicaSet)).files[0].download_link;
    const res = await mock.fetch(new Request(link));
    await res.arrayBuffer();
    expect(entries).toHaveLength(4);
    for (const e of entries) {
      expect(e).toMatchObject({ msg: 'request', method: 'GET', status: 200 });
      expect(e.request_id).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof e.ms).toBe('number');
    }
    expect(entries[3]!.request_id).toBe(res.headers.get('x-request-id'));
    const text = JSON.stringify(entries);
    const sig = new URL(link).searchParams.get('Signature')!;
    for (const secret of ['super-secret-token', DEFAULT_AKSK.sk, sig, 'Signature', 'AccessKeyId', 'SDK-HMAC'])
      expect(text).not.toContain(secret);
  });

  it('log: true writes JSON lines to stderr, never stdout', async () => {
    const mock = newMock({ log: true });
    const writes: string[] = [];
    const stdoutWrites: string[] = [];
    const err = process.stderr.write;
    const out = process.stdout.write;
    process.stderr.write = ((c: string) => {
      writes.push(c);
      return true;
    }) as typeof process.stderr.write;
    process.stdout.write = ((c: string) => {
      stdoutWrites.push(c);
      return true;
    }) as typeof process.stdout.write;
    try {
      await mock.fetch(new Request('http://mock.test/nope'));
    } finally {
      process.stderr.write = err;
      process.stdout.write = out;
    }
    expect(stdoutWrites).toEqual([]);
    expect(JSON.parse(writes[0]!)).toMatchObject({ path: '/nope', status: 404, level: 'warn' });
  });
});
