import { access, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup, MANIFEST_NAME, PART_SUFFIX, VerificationError } from '../../src/download/index.js';
import { createClient, tokenCredentials } from '../../src/index.js';
import { FAST_RETRY, type MockHandle, sha256File, startMock, tempDir } from './helpers.js';

const MiB = 1024 * 1024;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

interface Tamper {
  /** Flip the first byte of every object body (the ETag stays the real MD5). */
  corrupt: boolean;
  /** Add this to every file's `size` (KB) in the API answer. */
  sizeKBDelta: number;
}

/**
 * A real HTTP server in front of the in-process mock that can lie: wrong bytes under the right
 * ETag, or a wrong KB size in the API answer. Links point back at it (the mock builds them from
 * the request's origin), so the engine downloads through it with its node:http path.
 */
async function lyingProxy(m: MockHandle, tamper: Tamper): Promise<string> {
  const server: Server = createServer(async (req, res) => {
    const origin = `http://${req.headers.host}`;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const answer = await m.mock.fetch(new Request(origin + req.url, { method: req.method, headers }));
    let body = Buffer.from(await answer.arrayBuffer());
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      out[k] = v;
    });
    if (req.url!.startsWith('/obs/') && tamper.corrupt && body.length > 0 && answer.status < 300)
      body[0] = body[0]! ^ 0xff;
    if (req.url!.includes('/backups/download-file') && answer.status === 200 && tamper.sizeKBDelta) {
      const json = JSON.parse(body.toString('utf8'));
      for (const f of json.files) f.size += tamper.sizeKBDelta;
      body = Buffer.from(JSON.stringify(json));
      out['content-length'] = String(body.length);
    }
    res.writeHead(answer.status, out);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function setup(tamper: Tamper) {
  const m = await startMock();
  const t = await tempDir();
  cleanups.push(() => m.close(), t.cleanup);
  const url = await lyingProxy(m, tamper);
  const client = createClient({
    endpoint: url,
    projectId: m.mock.defaults.projectId,
    credentials: tokenCredentials(m.mock.defaults.token),
    retry: FAST_RETRY,
  });
  return { m, dir: t.dir, client, tamper };
}

const manifestEntry = async (dir: string) => {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
  return Object.values(manifest.files)[0] as { state: string; ranges: unknown[] };
};

describe('verification', () => {
  it.each([
    { label: 'hashed on the fly (one sequential stream)', minSegmentBytes: 16 * MiB },
    { label: 're-read at the end (parallel ranges)', minSegmentBytes: 512 * 1024 },
  ])('wrong bytes under a plain-MD5 ETag: VerificationError, no final file ($label)', async ({ minSegmentBytes }) => {
    const { m, dir, client, tamper } = await setup({ corrupt: true, sizeKBDelta: 0 });
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    const error = await downloadBackup({ client, ...ids, dir, minSegmentBytes }).catch((e) => e);

    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({
      kind: 'VERIFICATION',
      check: 'md5',
      file: file!.name,
      expected: `MD5 ${file!.md5} (ETag)`,
    });
    expect(await exists(join(dir, file!.name))).toBe(false);
    // The bad copy stays as .part for inspection, and is marked never to be resumed.
    expect(await exists(join(dir, file!.name + PART_SUFFIX))).toBe(true);
    expect(await manifestEntry(dir)).toMatchObject({ state: 'failed', ranges: [] });

    // Next run (honest server): the file starts over from byte 0 and verifies.
    tamper.corrupt = false;
    await m.admin('DELETE', 'requests');
    const result = await downloadBackup({ client, ...ids, dir, minSegmentBytes });
    expect(result.files[0]).toMatchObject({ resumedBytes: 0, md5Verified: true });
    expect((await m.downloads()).reduce((n, g) => n + g.bytes_sent, 0)).toBe(file!.size_bytes);
    expect(await sha256File(join(dir, file!.name))).toBe(file!.sha256);
  });

  it('a size more than one KB off the API listing is a VerificationError (size-kb)', async () => {
    const { m, dir, client } = await setup({ corrupt: false, sizeKBDelta: 2 });
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    const error = await downloadBackup({ client, ...ids, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ check: 'size-kb', file: file!.name });
    expect(await exists(join(dir, file!.name))).toBe(false);
  });

  it('a size within one KB of the listing is accepted (servers round differently)', async () => {
    const { m, dir, client } = await setup({ corrupt: false, sizeKBDelta: -1 });
    const ids = m.mock.defaults.replicaSet;
    const [file] = await m.files(ids.backupId);
    await downloadBackup({ client, ...ids, dir });
    expect(await sha256File(join(dir, file!.name))).toBe(file!.sha256);
  });

  it('verify: false skips the checks (the caller takes the risk)', async () => {
    const { m, dir, client } = await setup({ corrupt: true, sizeKBDelta: 0 });
    const result = await downloadBackup({ client, ...m.mock.defaults.replicaSet, dir, verify: false });
    expect(result.files[0]).toMatchObject({ md5: null, md5Verified: false });
  });
});
