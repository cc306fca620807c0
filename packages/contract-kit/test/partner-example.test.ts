// A partner team's contract tests, end to end: the mock on a free port, our code's calls checked
// against the spec, scenarios and faults, and the conformance suite. This file is copied verbatim
// into the contract-kit README and runs in this repo's CI.
import { createClient, tokenCredentials } from '@dds-backup/client';
import { showBackupDownloadLinkExamples as examples, type ShowBackupDownloadLinkResponse } from '@dds-backup/contract';
import { assertConforms, runConformance } from '@dds-backup/contract-kit';
import '@dds-backup/contract-kit/vitest'; // adds `toSatisfyContract` to expect
import { createMockServer } from '@dds-backup/mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A mock that accepts only our token, so a wrong token is refused as the real gateway refuses it.
const TOKEN = 'partner-ci-token';
const mock = createMockServer({ tokens: [TOKEN] });
const { projectId, sharded } = mock.defaults; // ids of the built-in dataset
// Our own namespace: parallel CI jobs sharing one mock never see each other's faults or state.
const NAMESPACE = { 'X-Mock-Namespace': `partner-example-${process.pid}` };
let baseUrl: string;

beforeAll(async () => {
  baseUrl = await mock.listen({ port: 0 }); // or: npx dds-backup-mock --port 0 --token partner-ci-token
});
afterAll(() => mock.close());

const linksUrl = () =>
  `${baseUrl}/v3/${projectId}/backups/download-file?instance_id=${sharded.instanceId}&backup_id=${sharded.backupId}`;
const call = (headers: Record<string, string> = {}) =>
  fetch(linksUrl(), { headers: { 'X-Auth-Token': TOKEN, ...NAMESPACE, ...headers } });

describe('consumer side: our calls and the answers we handle', () => {
  it('the links answer satisfies the contract, and its links download', async () => {
    const res = await call();
    await expect(res).toSatisfyContract('ShowBackupDownloadLink', { status: 200 });
    const { files } = (await res.json()) as ShowBackupDownloadLinkResponse; // the matcher read a clone
    const object = await fetch(files[0]!.download_link, { headers: { Range: 'bytes=0-99' } });
    expect(object.status).toBe(206);
    expect((await object.arrayBuffer()).byteLength).toBe(100);
  });

  it('a spec example chosen with Prefer (Prism-compatible)', async () => {
    const res = await call({ Prefer: 'example=instance-not-found' });
    await expect(res).toSatisfyContract('ShowBackupDownloadLink', { status: 404 });
    expect(await res.json()).toEqual(examples['404']['instance-not-found']);
  });

  it('a fault injected through the admin API: throttled once, then served', async () => {
    const throttling = examples['429']['gateway-throttled'].error_code;
    const fault = { target: 'api', kind: 'status', error_code: throttling, retry_after: 1, times: 1 };
    await fetch(`${baseUrl}/__mock/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...NAMESPACE },
      body: JSON.stringify(fault),
    });
    const throttled = await call();
    await assertConforms('ShowBackupDownloadLink', throttled, { status: 429 });
    expect(throttled.headers.get('retry-after')).toBe('1');
    await assertConforms('ShowBackupDownloadLink', await call(), { status: 200 });
  });

  it('the typed client, in-process through the mock fetch handler (no socket)', async () => {
    const client = createClient({
      endpoint: 'http://mock.test', // any origin: links point back at it, and mock.fetch serves them
      projectId,
      credentials: tokenCredentials(TOKEN),
      fetch: mock.fetch,
    });
    const result = await client.raw.GET('/v3/{project_id}/backups/download-file', {
      params: { path: { project_id: projectId }, query: { instance_id: sharded.instanceId, backup_id: 'nope' } },
    });
    await expect(result).toSatisfyContract('ShowBackupDownloadLink', { status: 400 });
  });
});

describe('provider side: the server we test against honours the contract', () => {
  it('passes the conformance suite', async () => {
    const report = await runConformance({
      baseUrl, // our stub, a staging gateway, or the real endpoint in a nightly job
      projectId,
      instanceId: sharded.instanceId,
      backupId: sharded.backupId,
      credentials: tokenCredentials(TOKEN), // default: credentials from the environment, as the CLI reads them
    });
    expect(report.checks.filter((check) => !check.ok)).toEqual([]);
  });
});
