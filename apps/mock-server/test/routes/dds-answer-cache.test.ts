// The API answer is serialized once per (backup, origin, expiry second, signed extras): this
// checks the cache never serves an answer that the same request would not have produced.
import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/index.js';
import { downloadFileUrl, newMock, ORIGIN, specJson } from '../helpers.js';

const get = (mock: ReturnType<typeof newMock>, url: string, headers: Record<string, string> = {}) =>
  mock.fetch(new Request(url, { headers: { 'X-Auth-Token': 't', ...headers } }));

describe('answer cache of ShowBackupDownloadLink', () => {
  it('the same second gives the same bytes; the next second gives new expiries and signatures', async () => {
    const clock = createClock({ start: Date.parse('2026-11-29T00:00:00.250Z'), frozen: true });
    const mock = newMock({ clock });
    const url = downloadFileUrl(mock, mock.defaults.sharded);
    const a = await specJson('ShowBackupDownloadLink', await get(mock, url));
    const b = await specJson('ShowBackupDownloadLink', await get(mock, url));
    expect(b).toEqual(a);
    clock.advance(1);
    const c = await specJson('ShowBackupDownloadLink', await get(mock, url));
    expect(c.files[0].download_link).not.toBe(a.files[0].download_link);
    expect(c.files[0].link_expired_time).not.toBe(a.files[0].link_expired_time);
  });

  it('keys on the origin, the namespace and the scenario, never mixing them', async () => {
    const mock = newMock({ clock: createClock({ frozen: true }) });
    const ids = mock.defaults.sharded;
    const plain = await specJson('ShowBackupDownloadLink', await get(mock, downloadFileUrl(mock, ids)));
    const other = await specJson(
      'ShowBackupDownloadLink',
      await get(mock, downloadFileUrl(mock, ids, 'http://other.test')),
    );
    expect(other.files[0].download_link.startsWith('http://other.test/obs/')).toBe(true);
    const scenario = await specJson(
      'ShowBackupDownloadLink',
      await get(mock, downloadFileUrl(mock, ids), { Prefer: 'download-reset=1024' }),
    );
    expect(scenario.files[0].download_link).toContain('x-mock-scenario=');
    const namespaced = await specJson(
      'ShowBackupDownloadLink',
      await get(mock, downloadFileUrl(mock, ids), { 'X-Mock-Namespace': 'team-a' }),
    );
    expect(namespaced.files[0].download_link).toContain('x-mock-namespace=team-a');
    const again = await specJson('ShowBackupDownloadLink', await get(mock, downloadFileUrl(mock, ids)));
    expect(again).toEqual(plain);
    expect(plain.files[0].download_link.startsWith(`${ORIGIN}/obs/`)).toBe(true);
  });
});
