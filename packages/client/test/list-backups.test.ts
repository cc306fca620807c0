import { ApiError, akskCredentials, createClient, tokenCredentials } from '@dds-backup/client';
import { validateResponse } from '@dds-backup/contract';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ORIGIN = 'http://mock.test';
let mock: MockServer;
beforeEach(() => {
  mock = createMockServer();
});
afterEach(() => mock.close());

/** Every URL the client asked for (the mock answers; this only watches). */
let seen: URL[] = [];
const clientFor = (options: Partial<Parameters<typeof createClient>[0]> = {}) =>
  createClient({
    endpoint: ORIGIN,
    projectId: mock.defaults.projectId,
    credentials: tokenCredentials(mock.defaults.token),
    fetch: (r) => {
      seen.push(new URL(r.url));
      return mock.fetch(r);
    },
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });

const admin = async (path: string, body?: unknown, method = 'POST') => {
  const res = await mock.fetch(
    new Request(`${ORIGIN}/__mock/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
};

/** The queries of the client's requests to a path. */
const listCalls = async (path: string): Promise<URLSearchParams[]> =>
  seen.filter((u) => u.pathname.endsWith(path)).map((u) => u.searchParams);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Adds `n` manual backups of one small file each to one new instance; returns its id. */
async function instanceWithBackups(n: number): Promise<string> {
  const first = await admin('backups', {
    instance_name: 'many-backups',
    files: [{ name: 'f0.tar.gz', size_bytes: 10 }],
  });
  const instanceId = first.backup.instance_id ?? first.instance_id;
  for (let i = 1; i < n; i++) {
    await admin('clock', { advance_seconds: 3600 });
    await admin('backups', { instance_id: instanceId, files: [{ name: `f${i}.tar.gz`, size_bytes: 10 + i }] });
  }
  return instanceId;
}

describe('listBackups', () => {
  it('pages across more than 100 backups: every backup once, one request per page, same filter on each', async () => {
    const instanceId = await instanceWithBackups(130);
    seen = [];
    const client = clientFor();
    const backups = await collect(client.listBackups({ instanceId }));
    expect(backups).toHaveLength(130);
    expect(new Set(backups.map((b) => b.id)).size).toBe(130);
    for (const b of backups) expect(b.instance_id).toBe(instanceId);
    const calls = await listCalls('/backups');
    expect(calls.map((q) => [q.get('offset'), q.get('limit'), q.get('instance_id')])).toEqual([
      ['0', '100', instanceId],
      ['100', '100', instanceId],
    ]);
    // Each page is a valid answer of the spec.
    const page = await client.raw.GET('/v3/{project_id}/backups', {
      params: { path: { project_id: mock.defaults.projectId }, query: { instance_id: instanceId, offset: 100 } },
    });
    expect(validateResponse('ListBackups', 200, page.data).valid).toBe(true);
    expect(page.data?.backups).toHaveLength(30);
  });

  it('a smaller page size makes more requests for the same items (AK/SK signed on every page)', async () => {
    const instanceId = await instanceWithBackups(7);
    seen = [];
    const client = clientFor({ credentials: akskCredentials(mock.defaults.aksk) });
    const backups = await collect(client.listBackups({ instanceId, pageSize: 3 }));
    expect(backups).toHaveLength(7);
    expect((await listCalls('/backups')).map((q) => q.get('offset'))).toEqual(['0', '3', '6']);
  });

  it('maps type to the request spelling and since/until to begin_time/end_time', async () => {
    const instanceId = await instanceWithBackups(1);
    seen = [];
    const client = clientFor();
    await collect(
      client.listBackups({
        instanceId,
        type: 'manual',
        since: new Date('2025-11-01T00:00:00Z'),
        until: new Date('2030-01-01T00:00:00Z'),
      }),
    );
    const [q] = await listCalls('/backups');
    expect(q?.get('backup_type')).toBe('Manual');
    expect(q?.get('begin_time')).toBe('2025-11-01 00:00:00');
    expect(q?.get('end_time')).toBe('2030-01-01 00:00:00');
  });

  it('an unknown instance is a typed not-found error', async () => {
    const error = await collect(clientFor().listBackups({ instanceId: `${'0'.repeat(32)}in02` })).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.isNotFound).toBe(true);
  });

  it('retries a throttled page and goes on from the same offset', async () => {
    const instanceId = await instanceWithBackups(3);
    await admin('faults', { target: 'api', kind: 'status', status: 503, times: 1, path_contains: '/backups' });
    const backups = await collect(clientFor().listBackups({ instanceId, pageSize: 2 }));
    expect(backups).toHaveLength(3);
  });

  it('a refused token fails the first page with a typed auth error, not retried', async () => {
    await mock.close();
    mock = createMockServer({ tokens: ['the-only-good-token'] });
    seen = [];
    const error = await collect(clientFor({ credentials: tokenCredentials('a-wrong-token') }).listBackups()).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.isAuthError).toBe(true);
    expect(error.message).not.toContain('a-wrong-token');
    expect(await listCalls('/backups')).toHaveLength(1);
  });
});

describe('latestBackup', () => {
  it('is the newest COMPLETED full backup by end time; BUILDING ones are passed over', async () => {
    const instanceId = await instanceWithBackups(3);
    const client = clientFor();
    const all = await collect(client.listBackups({ instanceId }));
    const newest = [...all].sort((a, b) => b.end_time.localeCompare(a.end_time))[0]!;
    expect((await client.latestBackup(instanceId))?.id).toBe(newest.id);
    await admin('clock', { advance_seconds: 3600 });
    await admin('backups', {
      instance_id: instanceId,
      status: 'BUILDING',
      files: [{ name: 'b.tar.gz', size_bytes: 1 }],
    });
    expect((await client.latestBackup(instanceId))?.id).toBe(newest.id);
  });

  it('is undefined for an instance without backups', async () => {
    expect(await clientFor().latestBackup(mock.defaults.empty.instanceId)).toBeUndefined();
  });
});

describe('listInstances', () => {
  it('lists every instance of the project, each valid, filtered by id', async () => {
    const client = clientFor();
    const instances = await collect(client.listInstances());
    expect(instances.map((i) => i.id)).toContain(mock.defaults.replicaSet.instanceId);
    const one = await collect(client.listInstances({ id: mock.defaults.replicaSet.instanceId }));
    expect(one.map((i) => i.id)).toEqual([mock.defaults.replicaSet.instanceId]);
  });
});
