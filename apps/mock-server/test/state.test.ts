import { describe, expect, it } from 'vitest';
import { admin, downloadFileUrl, getLinks, newMock, ORIGIN } from './helpers.js';

describe('isolation per client (X-Mock-Namespace)', () => {
  const mock = newMock();
  const d = mock.defaults;
  const A = { 'X-Mock-Namespace': 'ci-run-a' };
  const B = { 'X-Mock-Namespace': 'ci-run-b' };

  it('backups, faults, clock and journal of one namespace are invisible to the others', async () => {
    const added = await admin(
      mock,
      'AddMockBackup',
      'POST',
      '/__mock/backups',
      { instance_id: d.empty.instanceId, files: [{ name: 'a-only', size_bytes: 1 }] },
      A,
    );
    const ids = { instanceId: d.empty.instanceId, backupId: added.body.backup.id };
    expect((await getLinks(mock, ids, A)).files[0].name).toBe('a-only');
    for (const h of [B, {}]) {
      expect(
        (await mock.fetch(new Request(downloadFileUrl(mock, ids), { headers: { 'X-Auth-Token': 't', ...h } }))).status,
      ).toBe(400);
    }
    await admin(mock, 'AddMockFaults', 'POST', '/__mock/faults', { target: 'api', kind: 'status' }, B);
    expect(
      (await mock.fetch(new Request(downloadFileUrl(mock, d.replicaSet), { headers: { 'X-Auth-Token': 't', ...B } })))
        .status,
    ).toBe(500);
    expect(
      (await mock.fetch(new Request(downloadFileUrl(mock, d.replicaSet), { headers: { 'X-Auth-Token': 't', ...A } })))
        .status,
    ).toBe(200);
    await admin(mock, 'SetMockClock', 'POST', '/__mock/clock', { advance_seconds: 86400 }, B);
    const clockA = (await admin(mock, 'GetMockClock', 'GET', '/__mock/clock', undefined, A)).body.now_unix;
    const clockB = (await admin(mock, 'GetMockClock', 'GET', '/__mock/clock', undefined, B)).body.now_unix;
    expect(clockB - clockA).toBeGreaterThan(86000);
    const journalA = (await admin(mock, 'ListMockRequests', 'GET', '/__mock/requests', undefined, A)).body;
    expect(journalA.every((e: any) => e.status !== 500)).toBe(true);
    expect((await admin(mock, 'GetMockState', 'GET', '/__mock/state', undefined, B)).body.namespace).toBe('ci-run-b');
  });

  it('links carry their namespace (signed), so downloads land in it', async () => {
    const added = await admin(
      mock,
      'AddMockBackup',
      'POST',
      '/__mock/backups',
      { instance_id: d.empty.instanceId, files: [{ name: 'ns-file', size_bytes: 10 }] },
      A,
    );
    const link = (await getLinks(mock, { instanceId: d.empty.instanceId, backupId: added.body.backup.id }, A)).files[0]
      .download_link;
    expect(new URL(link).searchParams.get('x-mock-namespace')).toBe('ci-run-a');
    const res = await mock.fetch(new Request(link));
    expect(res.status).toBe(200);
    await res.arrayBuffer(); // the journal entry is written when the body has been sent
    const journal = (await admin(mock, 'ListMockRequests', 'GET', '/__mock/requests', undefined, A)).body;
    expect(journal.at(-1)).toMatchObject({ target: 'download', status: 200 });
  });

  it('reset of one namespace leaves the others', async () => {
    await admin(mock, 'ResetMock', 'POST', '/__mock/reset', undefined, A);
    expect((await admin(mock, 'ListMockFaults', 'GET', '/__mock/faults', undefined, B)).body.faults).toHaveLength(1);
  });

  it('a malformed namespace is a parameter error', async () => {
    const res = await mock.fetch(
      new Request(downloadFileUrl(mock, d.replicaSet), {
        headers: { 'X-Auth-Token': 't', 'X-Mock-Namespace': 'bad name!' },
      }),
    );
    expect(res.status).toBe(400);
    expect(
      (await mock.fetch(new Request(`${ORIGIN}/__mock/state`, { headers: { 'X-Mock-Namespace': 'x'.repeat(65) } })))
        .status,
    ).toBe(400);
  });
});

describe('backups added without ids follow the seed, per namespace', () => {
  const files = [{ name: 'added.tar.gz', size_bytes: 10 }];
  const add = (mock: ReturnType<typeof newMock>, ns: Record<string, string>) =>
    admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', { files }, ns);
  const backupIds = async (mock: ReturnType<typeof newMock>, ns: Record<string, string>) =>
    (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none', undefined, ns)).body.projects.flatMap(
      (p: any) => p.instances.flatMap((i: any) => i.backups.map((b: any) => b.id)),
    );

  it('a reset restores the seeded list, and the next addition gets the ids a fresh mock gives', async () => {
    const mock = newMock();
    const ns = { 'X-Mock-Namespace': 'reset-check' };
    const seeded = await backupIds(mock, ns);
    const first = (await add(mock, ns)).body;
    await add(mock, ns);
    expect(await backupIds(mock, ns)).toHaveLength(seeded.length + 2);
    await admin(mock, 'ResetMock', 'POST', '/__mock/reset', undefined, ns);
    expect(await backupIds(mock, ns)).toEqual(seeded);
    const again = (await add(mock, ns)).body;
    expect(again.backup.id).toBe(first.backup.id);
    expect(again.backup.name).toBe(first.backup.name);
    expect(again.backup.id).toMatch(/^[0-9a-f]{32}br02$/);
  });

  it("one namespace's additions do not shift the ids another one draws", async () => {
    const mock = newMock();
    const fresh = newMock();
    for (let i = 0; i < 3; i++) await add(mock, { 'X-Mock-Namespace': 'busy' });
    const quiet = (await add(mock, { 'X-Mock-Namespace': 'quiet' })).body;
    const reference = (await add(fresh, { 'X-Mock-Namespace': 'quiet' })).body;
    expect(quiet.backup.id).toBe(reference.backup.id);
    expect(await backupIds(mock, {})).toEqual(await backupIds(fresh, {}));
  });
});
