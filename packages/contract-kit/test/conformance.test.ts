import { akskCredentials } from '@dds-backup/client';
import { getOperation, LINK_TTL_SECONDS } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { type CheckResult, listChecks, runConformance } from '../src/index.js';
import { newMock, suiteOptions } from './helpers.js';

describe('runConformance against the mock (in-process fetch handler)', () => {
  it('passes every check with a token, in the order listChecks() gives', async () => {
    const mock = newMock();
    const seen: CheckResult[] = [];
    const report = await runConformance({ ...suiteOptions(mock), onCheck: (c) => seen.push(c) });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(listChecks().map((c) => c.name));
    expect(seen).toEqual(report.checks);
    for (const c of report.checks) expect(c.durationMs).toBeGreaterThanOrEqual(0);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.reason]));
    expect(byName['positive.link-expiry']).toMatch(
      new RegExp(
        `^4 link\\(s\\) expire .* the local clock \\(the answer has no Date header\\); expected ${LINK_TTL_SECONDS} s`,
      ),
    );
    expect(byName['missing-parameter.backup_id']).toBe(
      'the query parameter `backup_id` left out: 400 DBS.200001 as documented ("Parameter error: query parameter `backup_id` is required")',
    );
  });

  it('passes with AK/SK signing, on a one-file backup and on the 1.5 GiB one (only 1 KiB is read)', async () => {
    const mock = newMock();
    const credentials = akskCredentials(mock.defaults.aksk);
    for (const backup of [mock.defaults.replicaSet, mock.defaults.large]) {
      const report = await runConformance({ ...suiteOptions(mock), ...backup, credentials });
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    }
  });

  it('a backup without files fails the link checks, saying why', async () => {
    const mock = newMock();
    const add = await mock.fetch(
      new Request('http://mock.test/__mock/backups', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instance_id: mock.defaults.sharded.instanceId, files: [] }),
      }),
    );
    expect(add.status).toBe(201);
    const { backup } = (await add.json()) as { backup: { id: string } };
    const report = await runConformance({ ...suiteOptions(mock), backupId: backup.id });
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toEqual(['positive.link-expiry', 'positive.link-head', 'positive.link-range', 'positive.size']);
    expect(report.checks.find((c) => c.name === 'positive.size')!.reason).toBe(
      'the answer lists no files, so there is no link to check: pick a backup with at least one file',
    );
  });

  it('throws for bad options, never for a bad server', async () => {
    const mock = newMock();
    await expect(runConformance({ ...suiteOptions(mock), baseUrl: 'not a url' })).rejects.toThrow(/is not a URL/);
    await expect(runConformance({ ...suiteOptions(mock), instanceId: '' })).rejects.toThrow(
      /needs a value for the query parameter instance_id/,
    );
    await expect(runConformance({ ...suiteOptions(mock), credentials: undefined, fetch: mock.fetch })).rejects.toThrow(
      /No credentials found/,
    );
  });
});

describe('listChecks: the negative calls are generated from the spec', () => {
  it('one missing-parameter check per required parameter a request can leave out', () => {
    const omittable = getOperation('ShowBackupDownloadLink')
      .parameters.filter((p) => p.required && p.in !== 'path')
      .map((p) => `missing-parameter.${p.name}`);
    expect(omittable.length).toBeGreaterThan(0);
    expect(
      listChecks()
        .filter((c) => c.name.startsWith('missing-parameter.'))
        .map((c) => c.name),
    ).toEqual(omittable);
  });

  it('statuses and codes are those of the spec examples', () => {
    const descriptions = Object.fromEntries(listChecks().map((c) => [c.name, c.description]));
    expect(descriptions).toMatchObject({
      'missing-parameter.instance_id': 'the query parameter `instance_id` left out: 400 DBS.200001',
      'no-credentials': 'no X-Auth-Token and no AK/SK signature: 401 APIGW.0301',
      'wrong-token': 'a made-up token in the X-Auth-Token header: 401 APIGW.0307 or APIGW.0301',
      'unknown-instance': 'an `instance_id` no server knows: 404 DBS.200002',
      'unknown-backup': 'a `backup_id` no server knows, with the real instance: 400 DBS.201214',
    });
  });
});
