// Inputs that used to take effect unchecked: a bad one is a 400 naming the field, and the state
// is what it was (issue 13, items 17-19, for the clock, Prefer scenarios and fault defaults).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClock } from '../src/index.js';
import { admin, downloadFileUrl, newMock, ORIGIN, specJson } from './helpers.js';

const frozen = () => newMock({ clock: createClock({ start: '2030-01-10T12:00:00Z', frozen: true }) });

describe('clock values that would overflow', () => {
  it.each([
    [{ advance_seconds: 1e300 }, '/advance_seconds'],
    [{ advance_seconds: -1e300 }, '/advance_seconds'],
    [{ advance_days: 3_000_000 }, '/advance_days'],
    [{ advance_days: -30_000 }, '/advance_days'],
    [{ set: 1e12 }, '/set'],
    [{ set: '+275760-09-13T00:00:00Z' }, '/set'],
    [{ set: '1969-12-31T23:59:59Z' }, '/set'],
    [{ set: '2030-01-01T00:00:00Z', advance_days: 1e9 }, '/advance_days'],
  ])('%j: 400 naming %s, the clock and the backups unchanged', async (body, pointer) => {
    const mock = frozen();
    const before = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
    const res = await admin(mock, 'SetMockClock', 'POST', '/__mock/clock', body);
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toContain(`\`${pointer}\``);
    expect(res.body.error_msg).toContain('the clock is unchanged');
    expect((await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body).toEqual(before);
    // And the namespace keeps answering.
    const links = await mock.fetch(
      new Request(downloadFileUrl(mock, mock.defaults.replicaSet), { headers: { 'X-Auth-Token': 't' } }),
    );
    expect(links.status).toBe(200);
  });

  it('9999-01-01 is still a clock value, and links issued then are still writable times', async () => {
    const mock = frozen();
    const res = await admin(mock, 'SetMockClock', 'POST', '/__mock/clock', { set: '9999-01-01T00:00:00Z' });
    expect(res.status).toBe(200);
    const list = await mock.fetch(
      new Request(`${ORIGIN}/v3/${mock.defaults.projectId}/backups`, { headers: { 'X-Auth-Token': 't' } }),
    );
    expect((await specJson('ListBackups', list)).backups[0].begin_time).toBe('9998-12-31 03:00:00');
    expect((await admin(mock, 'SetMockClock', 'POST', '/__mock/clock', { advance_seconds: 1 })).status).toBe(400);
    const links = await mock.fetch(
      new Request(downloadFileUrl(mock, mock.defaults.replicaSet), { headers: { 'X-Auth-Token': 't' } }),
    );
    expect((await specJson('ShowBackupDownloadLink', links)).files[0].link_expired_time).toBe(
      '9999-01-01T00:15:00+0000',
    );
  });
});

describe('backup times that would overflow', () => {
  it.each([
    [{ building_seconds: 1e300 }, 'building_seconds'],
    [{ begin_time: '9999-12-31T23:59:59-1400' }, 'begin_time'],
    [{ end_time: '0001-01-01T00:00:00Z' }, 'end_time'],
  ])('%j: 400 naming %s, nothing added', async (body, field) => {
    const mock = frozen();
    const before = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
    const res = await admin(mock, 'AddMockBackup', 'POST', '/__mock/backups', {
      ...body,
      files: [{ name: 'f', size_bytes: 1 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toContain(field);
    expect((await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body).toEqual(before);
  });
});

describe('Prefer download scenarios are checked against the admin spec before they are signed into links', () => {
  it.each([
    ['download-status=99', 'download-status=99` is out of range: 400 to 599'],
    ['download-status=200', 'out of range: 400 to 599'],
    ['download-status=600', 'out of range'],
    ['download-latency=600001', 'download-latency=600001` is out of range: 0 to 600000'],
    ['download-throttle=0', 'download-throttle=0` is out of range: 1 to'],
    ['download-times=0', 'download-times=0` is out of range: 1 to'],
  ])('%s: 400 DBS.200001', async (prefer, message) => {
    const mock = frozen();
    const res = await mock.fetch(
      new Request(downloadFileUrl(mock, mock.defaults.replicaSet), {
        headers: { 'X-Auth-Token': 't', Prefer: prefer },
      }),
    );
    expect(res.status).toBe(400);
    const body = await specJson('ShowBackupDownloadLink', res);
    expect(body.error_code).toBe('DBS.200001');
    expect(body.error_msg).toContain(message);
  });

  it('an error status in range is served on the download', async () => {
    const mock = frozen();
    const links = await mock.fetch(
      new Request(downloadFileUrl(mock, mock.defaults.replicaSet), {
        headers: { 'X-Auth-Token': 't', Prefer: 'download-status=503, download-times=1' },
      }),
    );
    const link = (await specJson('ShowBackupDownloadLink', links)).files[0].download_link;
    expect((await mock.fetch(new Request(link))).status).toBe(503);
    expect((await mock.fetch(new Request(link, { method: 'HEAD' }))).status).toBe(200);
  });
});

describe('fault rules without an error code', () => {
  it.each([
    [429, 'DBS.280443'],
    [404, 'DBS.200002'],
    [500, 'DBS.280005'],
    [503, 'DBS.280005'],
  ])("status %i answers the spec's code for that status (%s)", async (status, code) => {
    const mock = frozen();
    await admin(mock, 'AddMockFaults', 'POST', '/__mock/faults', { target: 'api', kind: 'status', status, times: 1 });
    const res = await mock.fetch(
      new Request(`${ORIGIN}/v3/${mock.defaults.projectId}/backups`, { headers: { 'X-Auth-Token': 't' } }),
    );
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error_code: string }).error_code).toBe(code);
  });
});

describe('random admin bodies (fast-check)', () => {
  const number = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: false }),
    fc.constantFrom(0, -1, 1e300, -1e300, 86_400, 2 ** 53),
  );
  const clockBody = fc.record(
    {
      advance_seconds: number,
      advance_days: number,
      set: fc.oneof(
        number,
        fc.string({ maxLength: 30 }),
        fc.constantFrom('2030-01-01T00:00:00Z', '9999-01-01T00:00:00Z', '9999-12-31T23:59:59Z'),
      ),
      freeze: fc.boolean(),
      unfreeze: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const backupBody = fc.record(
    {
      instance_id: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(`${'d'.repeat(32)}in02`)),
      building_seconds: number,
      begin_time: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('2030-01-01T00:00:00Z', '9999-12-31T23:59:59-1400'),
      ),
      end_time: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('2030-01-02T00:00:00Z')),
      backup_strategy: fc.oneof(
        fc.record(
          { start_time: fc.constantFrom('01:00-02:00', '24:00-25:00', 'x'), keep_days: number },
          { requiredKeys: ['start_time'] },
        ),
        fc.anything(),
      ),
      files: fc.oneof(fc.constant([{ name: 'f.tar.gz', size_bytes: 10 }]), fc.anything()),
    },
    { requiredKeys: [] },
  );

  const faultBody = fc.record(
    {
      target: fc.constantFrom('api', 'download', 'x'),
      kind: fc.constantFrom('status', 'latency', 'reset', 'truncate', 'throttle', 'y'),
      status: number,
      latency_ms: fc.oneof(fc.constantFrom(0, 1, 600_001), number),
      after_bytes: number,
      bytes_per_second: number,
      times: number,
      probability: number,
    },
    { requiredKeys: [] },
  );
  const preferArb = fc
    .oneof(
      fc
        .tuple(
          fc.constantFrom(
            'download-status',
            'download-latency',
            'download-reset',
            'download-throttle',
            'download-times',
          ),
          fc.oneof(
            fc.constantFrom('0', '1', '99', '200', '404', '503', '599', '600', '600000', '600001'),
            fc.nat().map(String),
          ),
        )
        .map(([k, v]) => `${k}=${v}`),
      fc.constantFrom('code=404', 'example=invalid-backup', 'code=999', 'example=nope', ''),
      fc.string({ maxLength: 20 }),
    )
    .map((p) => p.replace(/[\r\n\0]/g, ''));

  it('never answer a 5xx nor break the namespace; a refused body changes nothing', async () => {
    const mock = frozen();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          clockBody.map((b) => ['clock', b] as const),
          backupBody.map((b) => ['backups', b] as const),
          faultBody.map((b) => ['faults', b] as const),
        ),
        preferArb,
        async ([route, body], prefer) => {
          const before = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
          const res = await mock.fetch(
            new Request(`${ORIGIN}/__mock/${route}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            }),
          );
          expect(res.status, JSON.stringify(body)).toBeLessThan(500);
          const op = { clock: 'SetMockClock', backups: 'AddMockBackup', faults: 'AddMockFaults' }[route];
          await specJson(op, res);
          if (res.status === 400) {
            const after = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
            // A running clock (an earlier body may have unfrozen it) moves by itself: compare the rest.
            const still = (s: any) => (s.clock.frozen ? s : { ...s, clock: { frozen: false } });
            expect(still(after)).toEqual(still(before));
          }
          // Fault rules are meant to break later calls: take them away before probing the API.
          if (route === 'faults') await admin(mock, 'ClearMockFaults', 'DELETE', '/__mock/faults');
          const list = await mock.fetch(
            new Request(`${ORIGIN}/v3/${mock.defaults.projectId}/backups?limit=5`, {
              headers: { 'X-Auth-Token': 't' },
            }),
          );
          expect(list.status).toBe(200);
          await specJson('ListBackups', list);
          // A random Prefer on the links call: a 4xx or the answer, never a crash or an unasked 5xx.
          const links = await mock.fetch(
            new Request(downloadFileUrl(mock, mock.defaults.replicaSet), {
              headers: { 'X-Auth-Token': 't', Prefer: prefer },
            }),
          );
          if (!/code\s*=\s*5|example\s*=\s*(server-error|obs-unreachable)/.test(prefer))
            expect(links.status, prefer).toBeLessThan(500);
          const answer = await specJson('ShowBackupDownloadLink', links);
          if (links.status === 200 && answer.files) {
            const object = await mock.fetch(new Request(answer.files[0].download_link, { method: 'HEAD' }));
            expect(object.status).toBeLessThan(600);
          }
        },
      ),
      { numRuns: 150, seed: 20251202 },
    );
  });
});

describe('bodies over the limit', () => {
  const big = JSON.stringify({ files: [{ name: 'x'.repeat(1024 * 1024 + 10), size_bytes: 1 }] });

  it('in-process: 413 MOCK.0413 in the Huawei shape, nothing added', async () => {
    const mock = frozen();
    const before = (await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body;
    const res = await mock.fetch(
      new Request(`${ORIGIN}/__mock/backups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      }),
    );
    expect(res.status).toBe(413);
    expect((await specJson('AddMockBackup', res)).error_code).toBe('MOCK.0413');
    expect((await admin(mock, 'GetMockState', 'GET', '/__mock/state?hashes=none')).body).toEqual(before);
  });

  it('on a socket: the client gets the 413 (not a reset), and the server goes on', async () => {
    const mock = frozen();
    const url = await mock.listen({ port: 0 });
    try {
      for (const path of ['/__mock/fixtures', '/v3/auth/tokens']) {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: big,
        });
        expect(res.status).toBe(413);
        expect(((await res.json()) as { error_code: string }).error_code).toBe('MOCK.0413');
      }
      expect((await fetch(`${url}/__mock/clock`)).status).toBe(200);
    } finally {
      await mock.close();
    }
  });

  it('in validation proxy mode too (the body is refused before any upstream is asked)', async () => {
    const { createMockServer } = await import('../src/index.js');
    const proxy = createMockServer({ proxy: 'http://127.0.0.1:9' });
    const res = await proxy.fetch(
      new Request(`${ORIGIN}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error_code: string }).error_code).toBe('MOCK.0413');
  });
});
